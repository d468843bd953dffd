"""The coverage map: pure builders of its figure, status colours and territory detail.

The figure is built in two parts so that the app sends the GeoJSON once per level:

* :func:`base_figure` — the territories of a level (GeoJSON with the DROM in insets, see
  :func:`fresque.views.maps.map_geojson`) and empty overlay traces, in a fixed order
  (:data:`TRACE`);
* :func:`fresque.views.indicators.indicator_style` — what colours them (``z``, colour
  scale, hover text) for one indicator of the registry and one dispositif or stage;
  :func:`points_style` and :func:`outline_coordinates` — the structures and the outlines.

The app applies the second part to the first with a ``dash.Patch`` (a few kilobytes)
whenever the indicator, the key, the région or the selection changes.

Statuses are drawn with a discrete, colour-blind-safe palette (Okabe-Ito) and named in
words in the hover and the legend; a territory *partly* covered (some of its communes
have no offer) is called "partiel" and drawn in a lighter shade of its status, the
lighter the fewer of its inhabitants have an offer (:data:`BANDS`): a territory where
2 % of the people are covered is not painted as covered. Only a gap confirmed by a survey
(``gap``) takes the alarm colour: where nothing is recorded and nobody surveyed
(``none_known``), the fill is a light neutral.

Examples
--------
>>> CATEGORIES[status_category("single", True, share_covered=0.019)]
('single', 'few')
>>> CATEGORIES[status_category("single", True, share_covered=0.8)]
('single', 'most')
>>> CATEGORIES[status_category("gap", False)], CATEGORIES[status_category("none_known", True)]
(('gap', 'full'), ('none_known', 'full'))
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from shapely.geometry import shape

from fresque.coverage import NO_OFFER, STATUS_ORDER
from fresque.i18n import DEFAULT_LANGUAGE, format_date, label, t
from fresque.model import CoverageStatus, Dispositif, Stage, Survey
from fresque.views.maps import (
    FRANCE_PROJECTION,
    NBSP,
    _inset_frames,
    _view,
    format_number_fr,
    inset_points,
)

__all__ = [
    "BANDS",
    "CATEGORIES",
    "STATUS_COLORS",
    "TRACE",
    "base_figure",
    "coverage_key",
    "feature_bounds",
    "feature_names",
    "features_of",
    "key_label",
    "key_options",
    "offers_nothing",
    "outline_coordinates",
    "points_style",
    "share_text",
    "status_category",
    "survey_sentence",
    "territory_detail",
    "view_of",
]

#: Okabe-Ito colours of the statuses (distinct for the common colour blindnesses); a
#: status added later without a colour here takes the next spare one.
_PALETTE: dict[str, str] = {
    CoverageStatus.GAP.value: "#D55E00",  # vermillion: a confirmed gap, the only alarm
    CoverageStatus.NONE_KNOWN.value: "#E0DACD",  # light neutral: nothing recorded, not a gap
    CoverageStatus.UNKNOWN.value: "#8C8C8C",  # grey: a data gap, not a coverage gap
    CoverageStatus.SINGLE.value: "#E69F00",  # orange: fragile
    CoverageStatus.COVERED.value: "#009E73",  # bluish green
    CoverageStatus.OVERLAP.value: "#0072B2",  # blue
}
_SPARE_COLORS = ("#CC79A7", "#56B4E9", "#F0E442")


def _status_colors() -> dict[str, str]:
    spare = iter(_SPARE_COLORS)
    return {s.value: _PALETTE.get(s.value) or next(spare) for s in STATUS_ORDER}


STATUS_COLORS: dict[str, str] = _status_colors()


def offers_nothing(status: str | CoverageStatus) -> bool:
    """Whether ``status`` means no offer at all (:data:`fresque.coverage.NO_OFFER`: a
    confirmed gap, or nothing recorded).

    Such a territory is never partial, and a stage with it is missing in the panel.

    Examples
    --------
    >>> offers_nothing("gap"), offers_nothing("none_known"), offers_nothing("unknown")
    (True, True, False)
    """
    return CoverageStatus(status) in NO_OFFER


#: How much of a territory has an offer, as drawn: ``full`` (every commune), ``most``
#: (partial, at least :data:`PARTIAL_SPLIT` of the inhabitants covered), ``few`` (partial,
#: fewer), with the share of white mixed into the status colour.
BANDS: dict[str, float] = {"full": 0.0, "most": 0.4, "few": 0.72}

#: Share of the inhabitants covered that splits the partial territories in two shades.
PARTIAL_SPLIT = 0.5

#: The categories drawn, as ``(status, band)``, from the least to the most offered:
#: their position is the ``z`` value. A status that offers nothing has one band.
CATEGORIES: tuple[tuple[str, str], ...] = tuple(
    (status.value, band)
    for status in STATUS_ORDER
    for band in (("full",) if offers_nothing(status) else ("few", "most", "full"))
)
_CATEGORY = {category: i for i, category in enumerate(CATEGORIES)}

#: Positions of the traces in :func:`base_figure`.
TRACE: dict[str, int] = {
    "territories": 0,
    "served": 1,
    "selected": 2,
    "points": 3,
    "insets": 4,
    "region": 5,
}

#: The fill of a territory without any local offer on a continuous scale (apart from
#: the scale, whose lightest colour is a small number of offers).
NO_OFFER_COLOR = "#d4d4d4"

#: Room around a chosen région, as a share of its larger side.
REGION_MARGIN = 0.05

#: Room kept between a zoomed view and the overseas insets' frames (metres in the
#: map's plane): the frames' line must stay out too.
INSET_CLEARANCE = 4_000.0

SELECTED_COLOR = "#1f2328"
SERVED_COLOR = "#6a1b9a"
POINT_COLOR = "#1f2328"


def _lighten(color: str, amount: float) -> str:
    """Mix ``color`` (``#rrggbb``) with white."""
    rgb = [int(color[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * amount) for c in rgb]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def band_of(partial: bool, share_covered: float | None = None) -> str:
    """The band (:data:`BANDS`) of a territory: ``full`` unless partial, then ``most`` or
    ``few`` by its share of inhabitants covered (``most`` when not known).

    Examples
    --------
    >>> band_of(False), band_of(True, 0.6), band_of(True, 0.019)
    ('full', 'most', 'few')
    """
    if not partial:
        return "full"
    if share_covered is not None and share_covered < PARTIAL_SPLIT:
        return "few"
    return "most"


def category_color(status: str, band: str = "full") -> str:
    """Fill colour of a status in a band, lighter the less is covered."""
    color = STATUS_COLORS[status]
    return color if band == "full" else _lighten(color, BANDS[band])


def status_category(status: str, partial: bool, share_covered: float | None = None) -> int:
    """Position of ``(status, band)`` in :data:`CATEGORIES` (a status that offers nothing
    is never partial)."""
    band = "full" if offers_nothing(status) else band_of(partial, share_covered)
    return _CATEGORY[(status, band)]


def _discrete_scale() -> list[list[Any]]:
    n = len(CATEGORIES)
    scale: list[list[Any]] = []
    for i, (status, band) in enumerate(CATEGORIES):
        color = category_color(status, band)
        scale += [[i / n, color], [(i + 1) / n, color]]
    return scale


# --------------------------------------------------------------------------- keys


def coverage_key(value: str) -> tuple[str, str]:
    """``(key_type, value)`` of a dispositif or stage value.

    Examples
    --------
    >>> coverage_key("incubateur"), coverage_key("emergence")
    (('dispositif', 'incubateur'), ('stage', 'emergence'))
    """
    if value in Stage._value2member_map_:
        return ("stage", value)
    return ("dispositif", Dispositif(value).value)


def key_label(value: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Label of a dispositif or stage value, with what it is ("Étape : Création")."""
    kind, value = coverage_key(value)
    enum_cls = Stage if kind == "stage" else Dispositif
    return t(f"carte.key.{kind}", lang) + t("punct.colon", lang) + label(value, lang, enum_cls)


def key_options(lang: str = DEFAULT_LANGUAGE) -> list[dict[str, str]]:
    """Options of the dispositif-or-stage selector: the stages, then the dispositifs."""
    values = [s.value for s in Stage] + [d.value for d in Dispositif]
    return [{"label": key_label(v, lang), "value": v} for v in values]


# ------------------------------------------------------------------------ numbers


def _number(value: float, decimals: int, lang: str) -> str:
    if lang == "fr":
        return format_number_fr(value, decimals)
    return f"{value:,.{decimals}f}"


def share_text(share: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A share as a percentage that never rounds a partial territory to 0 or 100 %.

    Examples
    --------
    >>> share_text(0.019288, "fr"), share_text(0.5, "en"), share_text(0.9996, "fr")
    ('1,9\xa0%', '50%', '99,9\xa0%')
    >>> share_text(0.0001, "en"), share_text(0.0, "en"), share_text(1.0, "en")
    ('0.1%', '0%', '100%')
    """
    percent = 100 * float(share)
    decimals = 1 if 0 < percent < 10 or 90 < percent < 100 else 0
    value = round(percent, decimals)
    if percent > 0 and value == 0:
        value = 0.1
    if percent < 100 and value >= 100:
        value = 99.9
    text = _number(value, decimals, lang)
    return text + (NBSP + "%" if lang == "fr" else "%")


def _escape(text: Any) -> str:
    return html.escape(str(text), quote=False)


# ------------------------------------------------------------------------- figure


def base_figure(geojson: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> dict:
    """The map of one level: its territories (not coloured yet) and empty overlays.

    Parameters
    ----------
    geojson
        FeatureCollection with ``id`` = territory code, DROM in insets
        (:func:`fresque.views.maps.map_geojson`).
    lang
        Language of the number separators.

    Returns
    -------
    dict
        A plotly figure as a plain dict (traces in the order of :data:`TRACE`); colour it
        with :func:`indicator_style`.
    """
    features = [f for f in geojson["features"] if f.get("geometry")]
    codes = [str(f["id"]) for f in features]
    light = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": str(f["id"]), "geometry": f["geometry"]} for f in features
        ],
    }
    insets = geojson.get("insets") or []
    figure = go.Figure(
        [
            go.Choropleth(
                geojson=light,
                featureidkey="id",
                locations=codes,
                z=[0] * len(codes),
                marker={"line": {"color": "white", "width": 0.6}},
                name="territories",
            ),
            go.Scattergeo(
                lon=[],
                lat=[],
                mode="lines",
                line={"color": SERVED_COLOR, "width": 3, "dash": "dash"},
                hoverinfo="skip",
                showlegend=False,
                name="served",
            ),
            go.Scattergeo(
                lon=[],
                lat=[],
                mode="lines",
                line={"color": SELECTED_COLOR, "width": 3.5},
                hoverinfo="skip",
                showlegend=False,
                name="selected",
            ),
            go.Scattergeo(
                lon=[],
                lat=[],
                mode="markers",
                marker={
                    "size": 7,
                    "color": POINT_COLOR,
                    "symbol": "circle",
                    "line": {"color": "white", "width": 1},
                },
                hovertemplate="%{text}<extra></extra>",
                showlegend=False,
                name="points",
            ),
            _inset_frames(insets),
            go.Scattergeo(
                lon=[],
                lat=[],
                mode="lines",
                line={"color": SELECTED_COLOR, "width": 1.5},
                hoverinfo="skip",
                showlegend=False,
                name="region",
            ),
        ]
    )
    figure.update_layout(
        separators=("," + NBSP) if lang == "fr" else ".,",
        margin={"l": 0, "r": 0, "t": 4, "b": 0},
        paper_bgcolor="white",
        hoverlabel={"bgcolor": "white", "font": {"size": 13}},
        dragmode=False,
        showlegend=False,
        uirevision="map",
        geo={
            "visible": False,
            "fitbounds": False,
            "projection": FRANCE_PROJECTION,
            "bgcolor": "rgba(0,0,0,0)",
            **_view(features, insets, margin=0.01),
        },
    )
    return figure.to_plotly_json()


def features_of(geojson: Mapping[str, Any], codes: Sequence[str]) -> list[dict[str, Any]]:
    """The features of ``geojson`` whose ``id`` is one of ``codes`` (with a geometry)."""
    wanted = {str(code) for code in codes}
    return [f for f in geojson["features"] if f.get("geometry") and str(f["id"]) in wanted]


def view_of(
    geojson: Mapping[str, Any],
    codes: Sequence[str] | None = None,
    also: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """``geo`` settings framing the features ``codes`` (all, with the insets, when
    ``None`` or when none is found).

    Parameters
    ----------
    geojson
        FeatureCollection of the map (DROM in insets: a DROM is framed in its inset).
    codes
        The territories to frame, e.g. a région.
    also
        Features of another level to keep in the frame too, e.g. the chosen EPCI that
        crosses the région's border.

    Returns
    -------
    dict
        ``lonaxis.range`` and ``lataxis.range`` (those of the whole map, always), and the
        ``center`` and ``projection`` (its ``scale`` is the zoom) that show the features
        whole, as large as the plot allows with :data:`REGION_MARGIN` around them, and no
        overseas inset over them (a zoomed Bretagne or Pays de la Loire would have the
        insets of the Bay of Biscay on its coast; a DROM is shown without its neighbours).
        See :func:`fresque.views.maps.zoom_window`.

    Examples
    --------
    >>> from fresque.views.maps import map_geojson
    >>> regions = map_geojson("regions")  # doctest: +SKIP
    >>> view_of(regions, ["53"])["projection"]["scale"] > 3  # Bretagne  # doctest: +SKIP
    True
    """
    features = [f for f in geojson["features"] if f.get("geometry")]
    insets = geojson.get("insets") or []
    chosen = features_of(geojson, codes) if codes else []
    if not chosen:
        return _view(features, insets, margin=0.01)
    shown = [*chosen, *also]
    own = {(f.get("properties") or {}).get("inset") for f in shown}
    avoid = [
        _widened(inset["box"], INSET_CLEARANCE) for inset in insets if inset["territory"] not in own
    ]
    return _view(
        features, insets, margin=0.01, target=shown, avoid=avoid, target_margin=REGION_MARGIN
    )


def _widened(box: Sequence[float], by: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    return (x0 - by, y0 - by, x1 + by, y1 + by)


def _share_covered(row: pd.Series) -> float:
    """Share of a coverage row's inhabitants with an offer (1 for an empty population)."""
    if not row["population"] > 0:
        return 1.0
    return float(row["population_covered"]) / float(row["population"])


def status_label(status: str, partial: bool, lang: str = DEFAULT_LANGUAGE) -> str:
    """A status in words, marked partial when it is ("Couvert (partiel)").

    Examples
    --------
    >>> status_label("covered", True, "en"), status_label("single", False, "fr")
    ('Covered (partial)', 'Un seul acteur')
    """
    text = label(CoverageStatus(status), lang)
    return f"{text} ({t('carte.partial', lang)})" if partial else text


def points_style(
    structures: pd.DataFrame,
    insets: Sequence[Mapping[str, Any]],
    lang: str = DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """Properties of the points trace: the located structures of ``structures``.

    ``structures`` is a slice of :attr:`fresque.ecosystem.Ecosystem.structures` (``name``,
    ``lon``, ``lat``, ``kind``); structures without a place are left out (national
    actors go to the dock), DROM ones are moved into their inset.
    """
    located = structures[structures["lon"].notna() & structures["lat"].notna()]
    lon, lat = inset_points(located["lon"].to_numpy(), located["lat"].to_numpy(), insets)
    text = [
        f"<b>{_escape(name)}</b><br>{_escape(label(kind, lang, _kind_enum()))}"
        for name, kind in zip(located["name"], located["kind"], strict=True)
    ]
    return {
        "lon": np.round(lon, 5).tolist(),
        "lat": np.round(lat, 5).tolist(),
        "text": text,
        "customdata": located.index.tolist(),
    }


def _kind_enum():
    from fresque.model import Kind

    return Kind


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry["type"] == "MultiPolygon":
        return [polygon[0] for polygon in geometry["coordinates"]]
    return []


def outline_coordinates(
    geojson: Mapping[str, Any], codes: Sequence[str], max_points: int = 2000
) -> dict[str, list[float | None]]:
    """``lon``/``lat`` of the exterior rings of the features ``codes``, as one line
    (rings separated by ``None``), thinned to about ``max_points`` points."""
    wanted = {str(code) for code in codes}
    rings = [
        ring
        for feature in geojson["features"]
        if str(feature.get("id")) in wanted and feature.get("geometry")
        for ring in _rings(feature["geometry"])
    ]
    total = sum(len(ring) for ring in rings)
    step = max(1, total // max_points)
    lons: list[float | None] = []
    lats: list[float | None] = []
    for ring in rings:
        kept = [*ring[::step], ring[-1]] if step > 1 else ring
        if len(kept) < 4:
            kept = ring
        for lon, lat in kept:
            lons.append(lon)
            lats.append(lat)
        lons.append(None)
        lats.append(None)
    return {"lon": lons, "lat": lats}


# ------------------------------------------------------------------------- detail


def territory_detail(
    rows: pd.DataFrame,
    names: Mapping[str, str],
    key: str,
    lang: str = DEFAULT_LANGUAGE,
    *,
    surveys: Sequence[Survey] = (),
    expired: Sequence[Survey] = (),
    stale: Collection[str] = (),
) -> dict[str, Any]:
    """What serves one territory: the map's key, then each stage, what is missing, and
    what the data knows (its surveys, the offers to check again).

    Parameters
    ----------
    rows
        :meth:`fresque.coverage.Coverage.table` rows of the territory, for the map's key
        and for every stage.
    names
        Structure id -> name.
    key
        The map's dispositif or stage value.
    lang
        Language of the words.
    surveys, expired
        The valid and the expired surveys touching the territory
        (:meth:`fresque.coverage.Coverage.surveys_of`).
    stale
        Ids of the structures whose facts should be checked again
        (:func:`fresque.quality.stale_offers`).

    Returns
    -------
    dict
        ``code``, ``name``, ``population``; ``key`` (one entry for the map's key);
        ``stages`` (one entry per stage, in value-chain order) where an entry is
        ``{"value", "label", "status", "status_label", "partial", "share_covered",
        "share_text", "band", "color", "offers": [(id, name), …]}`` (``share_text`` says
        the share of inhabitants covered of a partial territory, else is empty);
        ``surveys`` and ``expired``: one sentence per survey (who, when, what, until,
        source); each entry's ``stale``: the ids of its offers to check again (marked
        « à vérifier »);
        ``missing``: labels of the stages without any offer; ``confirmed``: those whose
        gap a survey confirms; ``not_recorded``: those where nothing is recorded and
        nobody surveyed (not a gap: nothing is known); ``missing_by_status``:
        ``[(status label, [stage labels])]``, in the order of the statuses.
    """

    def entry(row: pd.Series, text: str) -> dict[str, Any]:
        offers = [sid for sid in str(row["offers"] or "").split("|") if sid]
        status = str(row["status"])
        partial = bool(row["partial"])
        share = _share_covered(row)
        band = "full" if offers_nothing(status) else band_of(partial, share)
        return {
            "value": str(row["key"]),
            "label": text,
            "status": status,
            "status_label": status_label(status, partial, lang),
            "partial": partial,
            "share_covered": share,
            "share_text": t("carte.share_covered", lang).format(share=share_text(share, lang))
            if partial
            else "",
            "band": band,
            "color": category_color(status, band),
            "offers": [(sid, names.get(sid, sid)) for sid in offers],
            "stale": [sid for sid in offers if sid in stale],
        }

    first = rows.iloc[0]
    by_key = {(str(r["key_type"]), str(r["key"])): r for _, r in rows.iterrows()}
    key_type, key_value = coverage_key(key)
    stages = [
        entry(by_key[("stage", stage.value)], label(stage, lang))
        for stage in Stage
        if ("stage", stage.value) in by_key
    ]
    main = by_key.get((key_type, key_value))
    missing_by_status = [
        (label(status, lang), [s["label"] for s in stages if s["status"] == status.value])
        for status in STATUS_ORDER
        if offers_nothing(status)
    ]
    return {
        "code": str(first["code"]),
        "name": str(first["name"]),
        "population": int(first["population"]),
        "key": entry(main, key_label(key, lang)) if main is not None else None,
        "stages": stages,
        "missing": [s["label"] for s in stages if offers_nothing(s["status"])],
        "confirmed": [s["label"] for s in stages if s["status"] == CoverageStatus.GAP],
        "not_recorded": [s["label"] for s in stages if s["status"] == CoverageStatus.NONE_KNOWN],
        "missing_by_status": [(text, found) for text, found in missing_by_status if found],
        "surveys": [survey_sentence(s, lang) for s in surveys],
        "expired": [survey_sentence(s, lang, expired=True) for s in expired],
    }


def survey_sentence(survey: Survey, lang: str = DEFAULT_LANGUAGE, expired: bool = False) -> str:
    """A survey in one sentence: who, when, what, until when, and its source.

    Examples
    --------
    >>> s = Survey(id="r", territory_level="departement", territory_code="29",
    ...            scope="étape:Création", attested_by="CRESS Bretagne",
    ...            date="2026-03-01", source="Annuaire 2026")
    >>> text = survey_sentence(s)
    >>> text.startswith("Recensé par CRESS Bretagne le 01/03/2026"), text.endswith("Annuaire 2026")
    (True, True)
    >>> "valable jusqu’au 01/03/2028" in text, "expired on 2028-03-01" in survey_sentence(
    ...     s, "en", expired=True)
    (True, True)
    """
    key = survey.key
    scope = t("carte.survey.all", lang) if key is None else key_label(key[1], lang)
    return t("carte.survey.expired" if expired else "carte.survey.valid", lang).format(
        who=survey.attested_by,
        date=format_date(survey.date, lang),
        scope=scope,
        until=format_date(survey.expires, lang),
        source=survey.source,
    )


def feature_names(geojson: Mapping[str, Any]) -> dict[str, str]:
    """Code -> ``name`` property of the features."""
    return {
        str(f["id"]): (f.get("properties") or {}).get("name") or str(f["id"])
        for f in geojson["features"]
    }


def feature_bounds(geojson: Mapping[str, Any], code: str) -> tuple[float, ...] | None:
    """Lon/lat bounds of one feature, or None."""
    for feature in geojson["features"]:
        if str(feature.get("id")) == code and feature.get("geometry"):
            return tuple(shape(feature["geometry"]).bounds)
    return None


#: Names that moved to :mod:`fresque.views.indicators` (the registry of what colours the
#: map), still importable from here.
_MOVED = frozenset({"INDICATORS", "indicator_style", "legend_entries", "scale_top"})


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from fresque.views import indicators

        return getattr(indicators, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
