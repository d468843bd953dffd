"""The state of a view, and its URL: a copied link reproduces the view.

A :class:`ViewState` holds everything a view shows: the page, the language, the filters,
the selected structure and its focus, the network layout and size metric, the map level.
It travels in the URL: the page is the path (``/reseau``, ``/carte``), everything else the
query string, with defaults left out so links stay short::

    /reseau?lang=en&region=53&kind=network,chamber&sel=cress_bre&focus=1&layout=force
    /carte?region=28&epci=200067205&level=epci

Reading a URL never fails: unknown parameters and values that do not fit (an unknown
kind, a malformed code, a focus of 9) are dropped, so a hand-edited or outdated link still
opens a view. The functions here are pure (no Dash, no Flask): the app calls them in its
callbacks.

Examples
--------
>>> state = parse_url("/reseau", "?region=53&kind=chamber,network&sel=cress_bre")
>>> state.region, state.kinds, state.selected
('53', ('network', 'chamber'), 'cress_bre')
>>> to_search(state)
'?region=53&kind=network,chamber&sel=cress_bre'
>>> to_href(replace(state, page="carte", lang="en"))
'/carte?lang=en&region=53&kind=network,chamber&sel=cress_bre'
>>> parse_url("/", "?kind=nonsense&focus=9") == ViewState()
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from fresque.i18n import DEFAULT_LANGUAGE, LANGUAGES
from fresque.model import Confidence, Dispositif, Kind, Relation, Stage, Status, Theme, is_slug
from fresque.views.indicators import INDICATORS

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem
    from fresque.geo.territories import Territories

__all__ = [
    "COVERAGE_KEYS",
    "DEFAULT_COVERAGE_KEY",
    "DEFAULT_LAYOUT",
    "DEFAULT_MAP_INDICATOR",
    "DEFAULT_MAP_LEVEL",
    "DEFAULT_METRIC",
    "DEFAULT_PAGE",
    "FOCUS_RADII",
    "MAP_INDICATORS",
    "MAP_LEVELS",
    "METRICS",
    "NETWORK_LAYOUTS",
    "PAGES",
    "TERRITORY_FIELDS",
    "ViewState",
    "epci_fits",
    "filter_arguments",
    "page_from_path",
    "parse_query",
    "parse_url",
    "replace",
    "sanitize",
    "to_href",
    "to_path",
    "to_search",
]

#: The app's pages, in navigation order; the first one opens at ``/``.
PAGES: tuple[str, ...] = ("reseau", "carte", "orientation", "atelier")
DEFAULT_PAGE = PAGES[0]

#: Layouts of the network: the Fresque board (columns = stages, lanes = kinds), a force
#: layout computed in the browser, concentric rings by kind.
NETWORK_LAYOUTS: tuple[str, ...] = ("board", "force", "concentric")
DEFAULT_LAYOUT = "board"

#: What sizes the nodes of the network.
METRICS: tuple[str, ...] = ("degree", "betweenness")
DEFAULT_METRIC = "degree"

#: Levels of the map.
MAP_LEVELS: tuple[str, ...] = ("regions", "departements", "epci")
DEFAULT_MAP_LEVEL = "departements"

#: What colours the map: the names of the indicators' registry
#: (:data:`fresque.views.indicators.REGISTRY`), the first one shown by default.
MAP_INDICATORS: tuple[str, ...] = INDICATORS
DEFAULT_MAP_INDICATOR = MAP_INDICATORS[0]

#: The dispositif or stage the map shows (their values never collide).
COVERAGE_KEYS: tuple[str, ...] = tuple(d.value for d in Dispositif) + tuple(s.value for s in Stage)
DEFAULT_COVERAGE_KEY = Stage.CREATION.value

#: Radii of the focus on the selected structure (0: no focus).
FOCUS_RADII: tuple[int, ...] = (0, 1, 2, 3)

_REGION_CODE = re.compile(r"\d{2}")
_DEPARTEMENT_CODE = re.compile(r"\d{2}|2[AB]|97\d")
_EPCI_CODE = re.compile(r"\d{9}")


@dataclass(frozen=True)
class ViewState:
    """What a view shows. Every field has a default; multi-valued filters are tuples in
    their enum's order, empty meaning "no filter".

    Attributes
    ----------
    page
        ``"reseau"`` or ``"carte"``.
    lang
        ``"fr"`` or ``"en"``.
    region, departement, epci
        Territory filter (INSEE codes, SIREN for an EPCI). The most precise one wins:
        the EPCI, then the département, then the région.
    kinds, dispositifs, stages, themes, statuses
        Keep the structures with any of these values (enum values).
    relations
        Keep the links of these relations (the structures stay).
    min_confidence
        Keep structures and links at least this sure (``"medium"``, ``"high"``).
    selected
        Identifier of the selected structure (its detail panel is open).
    focus
        Show only the structures within this many links of the selection (0: all).
    layout
        Network layout: ``"board"``, ``"force"`` or ``"concentric"``.
    metric
        What sizes the nodes: ``"degree"`` or ``"betweenness"``.
    level
        Map level: ``"regions"``, ``"departements"`` or ``"epci"``.
    indicator
        What colours the map (:data:`MAP_INDICATORS`).
    coverage_key
        The dispositif or stage value the map shows (:data:`COVERAGE_KEYS`).
    """

    page: str = DEFAULT_PAGE
    lang: str = DEFAULT_LANGUAGE
    region: str | None = None
    departement: str | None = None
    epci: str | None = None
    kinds: tuple[str, ...] = ()
    dispositifs: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()
    min_confidence: str | None = None
    selected: str | None = None
    focus: int = 0
    layout: str = DEFAULT_LAYOUT
    metric: str = DEFAULT_METRIC
    level: str = DEFAULT_MAP_LEVEL
    indicator: str = DEFAULT_MAP_INDICATOR
    coverage_key: str = DEFAULT_COVERAGE_KEY

    @classmethod
    def from_values(cls, **values: Any) -> ViewState:
        """Build a state from loose values (controls, query parameters), dropping what
        does not fit instead of failing.

        Multi-valued filters take a list, a tuple or a comma-separated string; empty
        strings and ``None`` mean "not set".

        Examples
        --------
        >>> ViewState.from_values(kinds=["funder", "oops", "network"], focus="2").kinds
        ('network', 'funder')
        >>> ViewState.from_values(departement="2a", min_confidence="low").departement
        '2A'
        """
        clean: dict[str, Any] = {}
        for name, value in values.items():
            parse = _PARSERS.get(name)
            if parse is None:
                continue
            parsed = parse(value)
            if parsed is not None:
                clean[name] = parsed
        return cls(**clean)

    @property
    def has_filters(self) -> bool:
        """Whether any filter narrows the network (territory, values, relations, confidence)."""
        return any(getattr(self, name) for name in FILTER_FIELDS)

    def without_filters(self) -> ViewState:
        """The same view with every filter cleared (selection, layout, language kept)."""
        defaults = ViewState()
        return replace(self, **{name: getattr(defaults, name) for name in FILTER_FIELDS})


# --- parsing values ------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _choice(choices: tuple[str, ...]):
    def parse(value: Any) -> str | None:
        text = _text(value)
        return text if text in choices else None

    return parse


def _enum_values(enum_cls: type[StrEnum]):
    order = [member.value for member in enum_cls]

    def parse(value: Any) -> tuple[str, ...] | None:
        if value is None:
            return None
        items = value.split(",") if isinstance(value, str) else list(value)
        wanted = {str(item).strip() for item in items if item is not None}
        return tuple(v for v in order if v in wanted)

    return parse


def _code(pattern: re.Pattern[str]):
    def parse(value: Any) -> str | None:
        text = _text(value)
        if text is None:
            return None
        text = text.upper()
        if text.isdigit() and len(text) == 1:
            text = "0" + text
        return text if pattern.fullmatch(text) else None

    return parse


def _slug(value: Any) -> str | None:
    text = _text(value)
    return text if text is not None and is_slug(text) else None


def _confidence(value: Any) -> str | None:
    text = _text(value)
    # "low" is every structure: no filter.
    return text if text in (Confidence.MEDIUM.value, Confidence.HIGH.value) else None


def _focus(value: Any) -> int | None:
    try:
        radius = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return radius if radius in FOCUS_RADII else None


_PARSERS: dict[str, Any] = {
    "page": _choice(PAGES),
    "lang": _choice(LANGUAGES),
    "region": _code(_REGION_CODE),
    "departement": _code(_DEPARTEMENT_CODE),
    "epci": _code(_EPCI_CODE),
    "kinds": _enum_values(Kind),
    "dispositifs": _enum_values(Dispositif),
    "stages": _enum_values(Stage),
    "themes": _enum_values(Theme),
    "statuses": _enum_values(Status),
    "relations": _enum_values(Relation),
    "min_confidence": _confidence,
    "selected": _slug,
    "focus": _focus,
    "layout": _choice(NETWORK_LAYOUTS),
    "metric": _choice(METRICS),
    "level": _choice(MAP_LEVELS),
    "indicator": _choice(MAP_INDICATORS),
    "coverage_key": _choice(COVERAGE_KEYS),
}

#: Fields that narrow the network.
FILTER_FIELDS: tuple[str, ...] = (
    "region",
    "departement",
    "epci",
    "kinds",
    "dispositifs",
    "stages",
    "themes",
    "statuses",
    "relations",
    "min_confidence",
)

#: Fields that choose a territory (the others filter by values).
TERRITORY_FIELDS: tuple[str, ...] = ("region", "departement", "epci")

#: Query parameter of each field (the page is the path, not a parameter).
QUERY_KEYS: dict[str, str] = {
    "lang": "lang",
    "region": "region",
    "departement": "dep",
    "epci": "epci",
    "kinds": "kind",
    "dispositifs": "dispositif",
    "stages": "stage",
    "themes": "theme",
    "statuses": "status",
    "relations": "relation",
    "min_confidence": "confidence",
    "selected": "sel",
    "focus": "focus",
    "layout": "layout",
    "metric": "metric",
    "level": "level",
    "indicator": "show",
    "coverage_key": "key",
}
_FIELD_OF_KEY = {key: name for name, key in QUERY_KEYS.items()}

assert set(_PARSERS) == {f.name for f in fields(ViewState)}
assert set(QUERY_KEYS) == set(_PARSERS) - {"page"}


# --- URL ---------------------------------------------------------------------------------


def page_from_path(path: str | None) -> str:
    """Return the page a path names (its last segment), the default page otherwise.

    ``path`` is relative to the app (Dash's ``strip_relative_path`` removes a prefix).

    Examples
    --------
    >>> page_from_path("/carte"), page_from_path("carte/"), page_from_path("/")
    ('carte', 'carte', 'reseau')
    >>> page_from_path("/nowhere"), page_from_path(None)
    ('reseau', 'reseau')
    """
    segments = [part for part in (path or "").split("/") if part]
    last = segments[-1] if segments else ""
    return last if last in PAGES else DEFAULT_PAGE


def parse_query(search: str | None) -> dict[str, str]:
    """Return the known parameters of a query string as ``{field: raw value}``.

    A repeated parameter is joined with commas (``kind=a&kind=b`` is ``kind=a,b``).

    Examples
    --------
    >>> parse_query("?kind=network&kind=funder&dep=29&utm=x")
    {'kinds': 'network,funder', 'departement': '29'}
    """
    found: dict[str, list[str]] = {}
    for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=False):
        name = _FIELD_OF_KEY.get(key)
        if name is not None:
            found.setdefault(name, []).append(value)
    return {name: ",".join(values) for name, values in found.items()}


def parse_url(path: str | None, search: str | None) -> ViewState:
    """Return the state a URL describes (path relative to the app, query string)."""
    return ViewState.from_values(page=page_from_path(path), **parse_query(search))


def to_search(state: ViewState) -> str:
    """Return the query string of ``state`` (``""`` when everything is at its default).

    Parameters are written in a fixed order, defaults left out; lists join with commas.
    """
    defaults = ViewState()
    pairs: list[tuple[str, str]] = []
    for name, key in QUERY_KEYS.items():
        value = getattr(state, name)
        if value == getattr(defaults, name):
            continue
        pairs.append((key, ",".join(value) if isinstance(value, tuple) else str(value)))
    return "?" + urlencode(pairs, safe=",") if pairs else ""


def to_path(state: ViewState) -> str:
    """Return the path of the page of ``state``: ``/reseau``, ``/carte``."""
    return f"/{state.page}"


def to_href(state: ViewState) -> str:
    """Return the path and query string of ``state`` (relative to the app)."""
    return to_path(state) + to_search(state)


def filter_arguments(state: ViewState, territory: bool = True) -> dict[str, Any]:
    """Return the keyword arguments of :meth:`fresque.ecosystem.Ecosystem.filter` for the
    filters of ``state`` (the relation filter applies to links and is not among them).

    Parameters
    ----------
    state
        The view.
    territory
        Whether to include the territory (the most precise of EPCI, département,
        région). The map leaves it out: it shows every territory, filtered by values.

    Examples
    --------
    >>> filter_arguments(ViewState(region="53", departement="29", kinds=("chamber",)))
    {'kinds': ('chamber',), 'territory': ('departement', '29')}
    >>> filter_arguments(ViewState(region="28", epci="200067205"))
    {'territory': ('epci', '200067205')}
    >>> filter_arguments(ViewState(region="53", kinds=("chamber",)), territory=False)
    {'kinds': ('chamber',)}
    """
    arguments: dict[str, Any] = {}
    for name in ("kinds", "dispositifs", "stages", "themes", "statuses"):
        if getattr(state, name):
            arguments[name] = getattr(state, name)
    chosen = [(name, getattr(state, name)) for name in TERRITORY_FIELDS if getattr(state, name)]
    if territory and chosen:
        arguments["territory"] = chosen[-1]  # the most precise
    if state.min_confidence:
        arguments["min_confidence"] = state.min_confidence
    return arguments


def sanitize(state: ViewState, eco: Ecosystem | None) -> ViewState:
    """Drop from ``state`` what ``eco`` does not know: territories, a selected id.

    A département outside the chosen région is dropped too, and an EPCI that does not
    lie (at least in part) in the chosen département and région. Without an ecosystem
    the state is returned unchanged.
    """
    if eco is None:
        return state
    territories = eco.territories
    changes: dict[str, Any] = {}
    if state.region and ("region", state.region) not in territories:
        changes["region"] = None
    region = state.region if "region" not in changes else None
    if state.departement:
        key = ("departement", state.departement)
        if key not in territories or (region and territories[key].parent != region):
            changes["departement"] = None
    departement = state.departement if "departement" not in changes else None
    if state.epci and not epci_fits(territories, state.epci, departement, region):
        changes["epci"] = None
    if state.selected and state.selected not in eco:
        changes["selected"] = None
    return replace(state, **changes) if changes else state


def epci_fits(
    territories: Territories, code: str, departement: str | None, region: str | None
) -> bool:
    """Whether the EPCI ``code`` exists and lies, at least in part, in ``departement``
    and ``region`` (``None``: any).

    An EPCI may cross a border: it fits every département it has communes in, and the
    régions of those départements.

    Examples
    --------
    >>> from fresque.geo.territories import default_territories
    >>> territories = default_territories()
    >>> epci_fits(territories, "200067205", "50", "28")  # CA du Cotentin, Manche
    True
    >>> epci_fits(territories, "200067205", "29", None), epci_fits(territories, "1", None, None)
    (False, False)
    """
    places = _epci_places(territories).get(code)
    if places is None:
        return False
    departements, regions = places
    return (departement is None or departement in departements) and (
        region is None or region in regions
    )


_EPCI_PLACES: dict[int, tuple[Territories, dict[str, tuple[frozenset[str], frozenset[str]]]]] = {}


def _epci_places(
    territories: Territories,
) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """EPCI code -> (its départements, their régions), built once per geography."""
    cached = _EPCI_PLACES.get(id(territories))
    if cached is not None and cached[0] is territories:
        return cached[1]
    table = territories.table
    region_of = dict(
        zip(
            table.loc[table["level"] == "departement", "code"].astype(str),
            table.loc[table["level"] == "departement", "region"].astype(str),
            strict=True,
        )
    )
    epci = table[table["level"] == "epci"]
    places: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
    for code, listed, main_region in zip(
        epci["code"].astype(str), epci["departements"].astype(str), epci["region"], strict=True
    ):
        departements = frozenset(d for d in listed.split("|") if d)
        regions = {region_of[d] for d in departements if d in region_of}
        if isinstance(main_region, str) and main_region:
            regions.add(main_region)
        places[code] = (departements, frozenset(regions))
    _EPCI_PLACES.clear()  # one geography at a time (tests may load another)
    _EPCI_PLACES[id(territories)] = (territories, places)
    return places
