"""Qui peut m'accompagner ? Offers for a project holder's commune, stage and theme.

A project holder names a commune (its name, its INSEE code or a postal code), the stage
of the project and, optionally, a theme. :func:`find_commune` turns the text into one
commune, or into the communes to choose from (a postal code shared by several communes,
homonyms), or into French suggestions when nothing matches. :func:`orient` then lists:

* the **local offers**: structures serving the commune (:meth:`Ecosystem.serving` at
  commune level, ``defunct`` ones never) that accompany the stage, ranked by *fit* then
  by *distance*. Fit, in order: the stage is one the structure names itself (explicit)
  rather than one its dispositif serves by default (:func:`fresque.model.stages_served`);
  the theme is among its themes (own, else its dispositifs' defaults); ``active`` before
  ``expected``; confidence (high first). Distance: straight line (haversine) from the
  commune's point to the point of the commune where the offer sits; offers that are not
  located come last among equals;
* the **other local structures**: they serve the commune but not that stage (a CRESS
  orients rather than accompanies; a DLA works with existing structures);
* the **national offers** that accompany the stage, after the local ones (they never
  hide a local gap).

Each :class:`Offer` carries its reasons in plain words ("sert votre commune (département
29)", "accompagne l'émergence", "thème : financement", "à 12 km"), how to reach it
(website, sources) and its place in the network (carrier, networks, funders). An
``expected`` structure (a DLA whose operator is not sourced) reads "un DLA existe sur
votre département mais son opérateur n'est pas encore référencé", with the source that
says it exists by design.

Pure: no Dash, no I/O; the app's Orientation page renders what this module returns.

Examples
--------
>>> from fresque.ecosystem import load_ecosystem
>>> eco = load_ecosystem()
>>> found = find_commune(eco.territories, "29600")  # a postal code of several communes
>>> found.commune, [c.name for c in found.choices][:2]
(None, ['Morlaix', 'Plourin-lès-Morlaix'])
>>> result = orient(eco, found.choices[0], stage="emergence")
>>> result.local[0].reasons[:2]
['sert votre commune (CA Morlaix Communauté)', 'accompagne l’émergence']
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fresque.geo.territories import (
    AmbiguousTerritoryError,
    Territories,
    Territory,
    TerritoryError,
    UnknownTerritoryError,
)
from fresque.i18n import DEFAULT_LANGUAGE, label, t, t_count
from fresque.model import (
    DEFAULT_THEMES,
    UNIQUE_BY_DESIGN,
    Confidence,
    Dispositif,
    Level,
    Relation,
    Stage,
    Status,
    Theme,
    stages_served,
)

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem

__all__ = [
    "CommuneLookup",
    "Offer",
    "Orientation",
    "find_commune",
    "haversine_km",
    "orient",
    "themes_served",
]

#: Stage fit: explicit (the structure names the stage), by its dispositif's default, none.
EXPLICIT, DEFAULT, NONE = 2, 1, 0

_EARTH_RADIUS_KM = 6371.0088


def text(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The phrase ``key`` of this module in ``lang``, filled with ``values``.

    Examples
    --------
    >>> text("distance.km", km=12)
    'à 12 km'
    """
    return t(f"orientation.reason.{key}", lang).format(**values)


def stage_phrase(stage: Stage | str, lang: str = DEFAULT_LANGUAGE) -> str:
    """``"accompagne l’émergence"`` for a stage.

    Examples
    --------
    >>> stage_phrase("creation", "en")
    'supports launch'
    """
    return t(f"orientation.reason.stage.{Stage(stage).value}", lang)


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two points (degrees).

    Examples
    --------
    >>> round(haversine_km(2.3522, 48.8566, -3.8284, 48.5777))  # Paris - Morlaix
    454
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def themes_served(themes: list[str], dispositifs: list[str]) -> list[str]:
    """The themes a structure addresses: its own, else its dispositifs' defaults.

    Examples
    --------
    >>> themes_served([], ["finance_solidaire"]), themes_served(["emploi"], ["cae"])
    (['financement'], ['emploi'])
    """
    own = {str(theme) for theme in themes}
    wanted = own or {t.value for d in dispositifs for t in DEFAULT_THEMES[Dispositif(d)]}
    return [theme.value for theme in Theme if theme.value in wanted]


# --------------------------------------------------------------------------------------
# Finding the commune
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneLookup:
    """What a typed text designates.

    Attributes
    ----------
    commune
        The one commune, when there is one.
    choices
        Communes to choose from (a postal code of several communes, homonyms).
    suggestions
        Close names when nothing matches.
    message
        What to tell the user (empty when ``commune`` is found).
    """

    text: str
    commune: Territory | None = None
    choices: list[Territory] = field(default_factory=list)
    suggestions: list[Territory] = field(default_factory=list)
    message: str = ""


def find_commune(
    territories: Territories, query: str | None, lang: str = DEFAULT_LANGUAGE
) -> CommuneLookup:
    """Read a commune name, INSEE code or postal code.

    Examples
    --------
    >>> from fresque.geo.territories import default_territories
    >>> geo = default_territories()
    >>> find_commune(geo, "29151").commune.name
    'Morlaix'
    >>> [c.label for c in find_commune(geo, "Saint-Denis").choices][:2]
    ['Saint-Denis (11)', 'Saint-Denis (30)']
    >>> found = find_commune(geo, "Morlé")
    >>> found.commune, found.message
    (None, 'Aucune commune ne correspond à « Morlé ».')
    """
    raw = (query or "").strip()
    if not raw:
        return CommuneLookup(raw, message=text("lookup.empty", lang))
    try:
        found = territories.resolve(raw, level=Level.COMMUNE)
    except AmbiguousTerritoryError as error:
        found = [c for c in error.candidates if c.level is Level.COMMUNE]
    except UnknownTerritoryError as error:
        suggestions = [c for c in error.suggestions if c.level is Level.COMMUNE]
        if not suggestions:
            suggestions = [
                c for c in territories.suggest(raw, Level.COMMUNE, n=8) if c.level is Level.COMMUNE
            ]
        return CommuneLookup(
            raw, suggestions=suggestions, message=text("lookup.unknown", lang, text=raw)
        )
    except TerritoryError:
        return CommuneLookup(raw, message=text("lookup.unknown", lang, text=raw))
    found = [c for c in found if c.level is Level.COMMUNE]
    if len(found) == 1:
        return CommuneLookup(raw, commune=found[0])
    if not found:
        return CommuneLookup(raw, message=text("lookup.unknown", lang, text=raw))
    found.sort(key=lambda c: (c.departement or "", c.name, c.code))
    return CommuneLookup(
        raw,
        choices=found,
        message=t_count("orientation.reason.lookup.choose", len(found), lang, text=raw),
    )


# --------------------------------------------------------------------------------------
# Ranking the offers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """One structure for the project holder, with why it fits and how to reach it."""

    id: str
    name: str
    kind: str
    status: str
    national: bool
    stage_fit: int
    theme_fit: bool
    confidence: str
    distance_km: float | None
    reasons: list[str]
    website: str | None
    sources: list[str]
    description: str
    carrier: tuple[str, str] | None
    networks: list[tuple[str, str]]
    funders: list[tuple[str, str]]
    expected_note: str | None = None

    def sort_key(self) -> tuple:
        """Fit first (stage, theme, active, confidence), then distance, then name."""
        return (
            -self.stage_fit,
            -int(self.theme_fit),
            0 if self.status == Status.ACTIVE.value else 1,
            -Confidence(self.confidence).rank,
            math.inf if self.distance_km is None else self.distance_km,
            self.name.casefold(),
            self.id,
        )

    def as_row(self) -> dict[str, Any]:
        """A flat row (for tables and exports)."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "national": self.national,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "reasons": " ; ".join(self.reasons),
            "website": self.website or "",
            "sources": " ".join(self.sources),
        }


@dataclass(frozen=True)
class Orientation:
    """The answer for one commune, stage and theme.

    Attributes
    ----------
    local
        Local offers accompanying the stage, best first.
    others
        Local structures serving the commune but not that stage, best first.
    national
        National offers accompanying the stage, best first.
    """

    commune: Territory
    stage: str | None
    theme: str | None
    local: list[Offer]
    others: list[Offer]
    national: list[Offer]

    @property
    def offers(self) -> list[Offer]:
        """Local then national offers, in the order shown."""
        return [*self.local, *self.national]


def _served_place(commune: Territory, communes_row: dict, level: str, codes: list[str]):
    """The territory of ``codes`` that holds ``commune`` (level, code)."""
    key = {
        "departement": communes_row["departement"],
        "region": communes_row["region"],
        "epci": communes_row["epci"],
        "commune": commune.code,
    }.get(level)
    return key if key in codes else (codes[0] if codes else None)


def _serves_reason(eco: Ecosystem, commune: Territory, row: dict, level: str, codes, lang: str):
    code = _served_place(commune, row, level, list(codes))
    if level == "departement":
        return text("serves.departement", lang, code=code)
    if level in ("region", "epci") and code is not None:
        try:
            name = eco.territories[(level, code)].name
        except (KeyError, TerritoryError):
            name = code
        return text(f"serves.{level}", lang, name=name)
    return text("serves.commune", lang)


def _names(eco: Ecosystem, ids: list[str]) -> list[tuple[str, str]]:
    return [(sid, eco.get(sid).name) for sid in ids]


def _offer(
    eco: Ecosystem,
    sid: str,
    commune: Territory | None,
    commune_row: dict,
    stage: str | None,
    theme: str | None,
    lang: str,
    national: bool,
    lon: float,
    lat: float,
    where: tuple[float, float] = (math.nan, math.nan),
) -> Offer:
    s = eco.get(sid)
    dispositifs = [d.value for d in s.dispositifs]
    own_stages = [x.value for x in s.stages]
    served = stages_served(own_stages, dispositifs)
    reasons: list[str] = []
    if national:
        reasons.append(text("national", lang))
    else:
        reasons.append(
            _serves_reason(
                eco, commune, commune_row, s.territory_level.value, s.territory_codes, lang
            )
        )
    if stage is None:
        fit = DEFAULT
    elif stage in own_stages:
        fit = EXPLICIT
        reasons.append(stage_phrase(stage, lang))
    elif stage in served:
        fit = DEFAULT
        by = next(
            (d for d in s.dispositifs if any(x.value == stage for x in _default_stages(d))),
            s.dispositifs[0],
        )
        reasons.append(
            text(
                "stage.default", lang, phrase=stage_phrase(stage, lang), dispositif=label(by, lang)
            )
        )
    else:
        fit = NONE
        stages = ", ".join(label(Stage(x), lang).lower() for x in served)
        reasons.append(
            text("stage.none.some", lang, stages=stages) if stages else text("stage.none", lang)
        )
    theme_fit = False
    if theme is not None:
        theme_fit = theme in themes_served([x.value for x in s.themes], dispositifs)
        theme_label = label(Theme(theme), lang).lower()
        reasons.append(text("theme" if theme_fit else "theme.no", lang, theme=theme_label))
    distance = None
    if not national:
        here_lon, here_lat = where
        if not (math.isnan(here_lon) or math.isnan(lon)):
            distance = haversine_km(lon, lat, here_lon, here_lat)
            if s.commune_code == commune.code:
                reasons.append(text("distance.here", lang))
            elif distance < 1:
                reasons.append(text("distance.near", lang))
            else:
                reasons.append(text("distance.km", lang, km=round(distance)))
        elif s.status is not Status.EXPECTED:
            reasons.append(text("distance.unknown", lang))
    expected_note = None
    if s.status is Status.EXPECTED:
        # "un DLA", "une CRESS"… for the dispositifs unique by design, else the label.
        what_text = next(
            (
                t(f"orientation.reason.expected.{d.value}", lang)
                for d in s.dispositifs
                if d in UNIQUE_BY_DESIGN
            ),
            label(s.dispositifs[0], lang) if s.dispositifs else s.name,
        )
        level_word = text(f"level.{s.territory_level.value}", lang)
        expected_note = text("expected", lang, what=what_text, level=level_word)
        reasons.append(expected_note)
    if s.confidence is Confidence.LOW:
        reasons.append(text("confidence.low", lang))
    carrier = (s.carrier_id, eco.get(s.carrier_id).name) if s.carrier_id in eco else None
    networks = sorted(
        set(eco.neighbors(sid, relation=Relation.MEMBER_OF, direction="out"))
        | set(eco.neighbors(sid, relation=Relation.ANIMATES, direction="in"))
    )
    funders = eco.neighbors(sid, relation=Relation.FUNDS, direction="in")
    return Offer(
        id=sid,
        name=s.name,
        kind=s.kind.value,
        status=s.status.value,
        national=national,
        stage_fit=fit,
        theme_fit=theme_fit,
        confidence=s.confidence.value,
        distance_km=distance,
        reasons=reasons,
        website=s.website,
        sources=list(s.source_urls),
        description=s.description or "",
        carrier=carrier,
        networks=_names(eco, [n for n in networks if n != s.carrier_id]),
        funders=_names(eco, funders),
        expected_note=expected_note,
    )


def _default_stages(dispositif: Dispositif) -> tuple[Stage, ...]:
    from fresque.model import DEFAULT_STAGES

    return DEFAULT_STAGES[dispositif]


@functools.lru_cache(maxsize=16)
def _national_offers(
    eco: Ecosystem, stage: str | None, theme: str | None, lang: str
) -> tuple[Offer, ...]:
    """National offers accompanying ``stage``, ranked: the same for every commune (kept for
    the few latest ecosystems, which never change)."""
    national = eco.structures.index[eco.national.to_numpy()]
    statuses = (Status.ACTIVE, Status.EXPECTED)
    found = [
        _offer(eco, sid, None, {}, stage, theme, lang, True, math.nan, math.nan)
        for sid in national
        if eco.get(sid).status in statuses
        and (stage is None or stage in stages_served(eco.get(sid).stages, eco.get(sid).dispositifs))
    ]
    return tuple(sorted(found, key=Offer.sort_key))


def orient(
    eco: Ecosystem,
    commune: Territory | str,
    stage: Stage | str | None = None,
    theme: Theme | str | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> Orientation:
    """Rank the offers serving ``commune`` for a project at ``stage`` (and ``theme``).

    Parameters
    ----------
    eco
        The ecosystem.
    commune
        A commune (:class:`Territory` or INSEE code; see :func:`find_commune` for text).
    stage, theme
        What the project needs (values); ``None``: any.
    lang
        Language of the reasons.

    Examples
    --------
    >>> from fresque.ecosystem import load_ecosystem
    >>> found = orient(load_ecosystem(), "22278", stage="consolidation")  # Saint-Brieuc
    >>> [o.id for o in found.local if o.status == "expected"]
    ['dla_22_expected', 'dla_r_53_expected']
    >>> found.local[-2].expected_note  # the ranking puts expected ones after active ones
    'un DLA existe sur votre département mais son opérateur n’est pas encore référencé'
    """
    place = eco.resolve_territory(
        commune, level=None if isinstance(commune, Territory) else "commune"
    )
    if place.level is not Level.COMMUNE:
        raise TerritoryError(f"{place.label} n’est pas une commune.")
    stage_value = Stage(stage).value if stage else None
    theme_value = Theme(theme).value if theme else None
    communes = eco.territories.communes
    position = int(eco.territories.commune_positions(place)[0])
    commune_row = communes.iloc[position][["departement", "region", "epci", "lon", "lat"]]
    commune_row = commune_row.to_dict()
    lon, lat = float(commune_row["lon"]), float(commune_row["lat"])
    serving = eco.serving(place)
    local = serving.local
    points = zip(
        local["lon"].to_numpy(dtype=float), local["lat"].to_numpy(dtype=float), strict=True
    )
    local_all = [
        _offer(eco, sid, place, commune_row, stage_value, theme_value, lang, False, lon, lat, pt)
        for sid, pt in zip(local.index, points, strict=True)
    ]
    local_all.sort(key=Offer.sort_key)
    national_all = list(_national_offers(eco, stage_value, theme_value, lang))
    return Orientation(
        commune=place,
        stage=stage_value,
        theme=theme_value,
        local=[o for o in local_all if o.stage_fit > NONE],
        others=[o for o in local_all if o.stage_fit == NONE],
        national=[o for o in national_all if o.stage_fit > NONE],
    )
