"""Carte: the coverage of France by région, département or EPCI.

The map is coloured by one indicator of the registry (:mod:`fresque.views.indicators`:
coverage status, offers per 100,000 inhabitants, population beyond 30 km of the nearest
offer for one dispositif or stage; the data quality of all the offers). Clicking a
territory (or picking it in the list) opens what serves it, stage by stage, and what is
missing; clicking a structure's point, or one of its offers, outlines the territory that
structure serves. Everything lives in the URL (:mod:`fresque.app.state`): the chosen
territory is the ``region`` / ``dep`` / ``epci`` filter the Réseau page reads, the chosen
structure its ``sel``, so the navigation links carry the selection from one page to the
other. Choosing a région frames the map on it (a DROM on its inset), keeping the chosen
territory in view.

The Réseau's value filters (kinds, dispositifs, stages, themes, statuses, minimum
confidence) apply to the map too: coverage, distances, data quality, points and national
actors are computed on the filtered ecosystem, and chips above the controls name each
filter and remove it. The minimum confidence has its own control here (« Confiance
minimale »: the same field of the state, so the URL and the Réseau page keep it). The
map's own territory is not such a filter: the map shows every territory.

Coverage, distances and figures are computed once per app and filter set (the unfiltered
ones kept for good, the filtered ones among the latest few):
the page sends the GeoJSON of a level once, in its layout or when the level changes, and
every other change is a ``dash.Patch`` of colours, hover texts, points and outlines.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import dash
import flask
import pandas as pd
import plotly.graph_objects as go
from dash import ALL, Input, Output, Patch, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app import context, ids
from fresque.app.state import (
    MAP_INDICATORS,
    ViewState,
    epci_fits,
    filter_arguments,
    page_from_path,
    parse_url,
    replace,
    sanitize,
    to_href,
    to_search,
)
from fresque.app.widgets import dropdown_labels, filter_dropdown, labelled
from fresque.i18n import DEFAULT_LANGUAGE, label, normalize_key, t, t_count
from fresque.model import (
    DEFAULT_STALE_YEARS,
    CoverageStatus,
    Dispositif,
    Kind,
    Stage,
    Status,
    Theme,
)
from fresque.views.coverage_map import (
    TRACE,
    base_figure,
    coverage_key,
    feature_names,
    features_of,
    key_options,
    outline_coordinates,
    points_style,
    territory_detail,
    view_of,
)
from fresque.views.indicators import (
    REGISTRY,
    indicator_style,
    legend_entries,
    quality_lines,
    scale_top,
)
from fresque.views.maps import map_geojson, map_graph_config, population_map

PAGE = "carte"

#: Levels offered by the selector, and the one shown first.
MAP_LEVELS = ("regions", "departements", "epci")
DEFAULT_MAP_LEVEL = "departements"

#: Coverage level of each map level.
COVERAGE_LEVEL = {"regions": "region", "departements": "departement", "epci": "epci"}
#: Map level of each territory level (a structure's territory is outlined at its level).
MAP_LEVEL_OF = {"region": "regions", "departement": "departements", "epci": "epci"}

#: Pattern-matching type of the active-filter chips (``field``, ``value``: the filter
#: value a click removes; ``field`` ``"*"``: clear every value filter).
MAP_FILTER = "map-filter"
#: The note listing the Réseau filters the map applies.
MAP_FILTERS = "map-filters"
#: The minimum confidence control.
MAP_CONFIDENCE = "map-confidence"
#: The chosen territory's data quality, in the panel.
QUALITY_BLOCK = "map-quality"
#: The map's title (it says what the indicator measures).
MAP_HEADING = "map-heading"
#: Value filters the map applies, with their label key and enum (the relation filter
#: only concerns links, the territory is the map's own choice).
#: The minimum confidence is not among them: the page has its own control for it.
FILTER_CHIPS: tuple[tuple[str, str, Any], ...] = (
    ("kinds", "filters.kind", Kind),
    ("dispositifs", "filters.dispositif", Dispositif),
    ("stages", "filters.stage", Stage),
    ("themes", "filters.theme", Theme),
    ("statuses", "filters.status", Status),
)
#: Value of the confidence control meaning "no minimum", and its choices (label keys).
ANY_CONFIDENCE = "low"
CONFIDENCE_CHOICES: tuple[tuple[str, str], ...] = (
    ("filters.confidence.any", ANY_CONFIDENCE),
    ("filters.confidence.medium", "medium"),
    ("filters.confidence.high", "high"),
)


class MapFigures:
    """The population maps, built once per app, level and language (kept for the pages
    that show population; the Carte page shows coverage)."""

    def __init__(self) -> None:
        self._figures: dict[tuple[str, str], go.Figure] = {}
        self._lock = threading.Lock()

    def get(self, level: str, lang: str = DEFAULT_LANGUAGE) -> tuple[go.Figure | dict, str | None]:
        """Return ``(figure, message)``: the population map, or an empty figure and why."""
        key = (level, lang)
        with self._lock:
            figure = self._figures.get(key)
        if figure is None:
            try:
                figure = population_map(level, lang)
            except FileNotFoundError:
                return {}, t("map.geo_missing", lang)
            with self._lock:
                self._figures[key] = figure
        return figure, None


# --------------------------------------------------------------------------------------
# What the map shows (cached: the ecosystem never changes)
# --------------------------------------------------------------------------------------


class _Cache:
    """What the Carte page derives from an app's ecosystem, kept apart from the shared
    :meth:`AppContext.cached` (whose size other pages set): a few heavy things built once
    (coverage, base figures per level, tables: ``pinned``) and many light ones (styles,
    points, outlines, panels per state) in a bounded LRU."""

    def __init__(self, maxsize: int = 512, heavy_maxsize: int = 24) -> None:
        self.pinned: dict[Hashable, Any] = {}
        self.recent: OrderedDict[Hashable, Any] = OrderedDict()
        #: Heavy things of a filtered ecosystem (its coverage, tables, distances): a few
        #: filter sets are in use at a time, the unfiltered ones stay pinned.
        self.heavy: OrderedDict[Hashable, Any] = OrderedDict()
        self.maxsize = maxsize
        self.heavy_maxsize = heavy_maxsize
        self.lock = threading.Lock()


_CACHES: weakref.WeakKeyDictionary[context.AppContext, _Cache] = weakref.WeakKeyDictionary()
_CACHES_LOCK = threading.Lock()


def _cached(
    key: Hashable, build: Callable[[], Any], pinned: bool = False, heavy: bool = False
) -> Any:
    """``build()``, remembered per app under ``key`` (the ecosystem never changes):
    ``pinned`` for good, ``heavy`` among the few latest heavy things, else among the many
    latest light ones."""
    ctx = context.current()
    with _CACHES_LOCK:
        cache = _CACHES.get(ctx)
        if cache is None:
            cache = _CACHES[ctx] = _Cache()
    with cache.lock:
        if key in cache.pinned:
            return cache.pinned[key]
        for store in (cache.recent, cache.heavy):
            if key in store:
                store.move_to_end(key)
                return store[key]
    value = build()
    with cache.lock:
        if pinned:
            cache.pinned[key] = value
        else:
            store, size = (
                (cache.heavy, cache.heavy_maxsize) if heavy else (cache.recent, cache.maxsize)
            )
            store[key] = value
            while len(store) > size:
                store.popitem(last=False)
    return value


#: The filters of a state that the map applies (``filter_arguments`` without the
#: territory, as sorted items): ``()`` is the whole ecosystem.
FilterKey = tuple[tuple[str, Any], ...]


def _filter_key(state: ViewState) -> FilterKey:
    return tuple(sorted(filter_arguments(state, territory=False).items()))


def _by_filter(key: Hashable, fkey: FilterKey, build: Callable[[], Any]) -> Any:
    """A heavy thing of the ecosystem filtered by ``fkey``: pinned for the whole one."""
    return _cached(
        (*key, fkey) if isinstance(key, tuple) else (key, fkey),
        build,
        pinned=not fkey,
        heavy=bool(fkey),
    )


def _eco(fkey: FilterKey = ()):
    """The ecosystem the map counts: the app's, filtered by the Réseau's value filters."""
    eco = context.current().ecosystem
    if not fkey or eco is None:
        return eco
    return _by_filter(("eco",), fkey, lambda: eco.filter(**dict(fkey)))


_WARMED: weakref.WeakKeyDictionary[context.AppContext, set[str]] = weakref.WeakKeyDictionary()


def _warm_up(lang: str) -> None:
    """Once per app and language, build in the background what the first clicks would
    otherwise wait for: the other levels' maps, the tables of every level, the distances
    of every key, the status colours of every key at département level."""
    ctx = context.current()
    with _CACHES_LOCK:
        done = _WARMED.setdefault(ctx, set())
        if lang in done:
            return
        done.add(lang)
    server = flask.current_app._get_current_object()

    def run() -> None:
        from fresque.app.state import COVERAGE_KEYS

        with server.app_context():
            try:
                for level in MAP_LEVELS:
                    _base(level, lang)
                    _all_rows(COVERAGE_LEVEL[level])
                for key in COVERAGE_KEYS:
                    state = ViewState(page=PAGE, lang=lang, coverage_key=key)
                    _style("departements", state)
                    _beyond("departements", key, ())
                    _points("departements", state)
            except Exception:  # a warm-up never breaks the page
                logging.getLogger(__name__).exception("Carte warm-up failed")

    threading.Thread(target=run, name="carte-warm-up", daemon=True).start()


def _level(state: ViewState) -> str:
    return state.level if state.level in MAP_LEVELS else DEFAULT_MAP_LEVEL


def _coverage(fkey: FilterKey = ()):
    from fresque.coverage import compute_coverage

    return _by_filter(("coverage",), fkey, lambda: compute_coverage(_eco(fkey)))


def _all_rows(coverage_level: str, fkey: FilterKey = ()) -> pd.DataFrame:
    """Coverage of every key at one level, indexed by code (for the detail panel)."""

    def build() -> pd.DataFrame:
        table = _coverage(fkey).table(coverage_level)
        return table.set_index(table["code"].astype(str), drop=False)

    return _by_filter(("rows", coverage_level), fkey, build)


def _key_table(level: str, key: str, fkey: FilterKey = ()) -> pd.DataFrame:
    return _cached(
        ("table", level, key, fkey),
        lambda: _coverage(fkey).table(COVERAGE_LEVEL[level], keys=[coverage_key(key)]),
    )


def _beyond(level: str, key: str, fkey: FilterKey) -> pd.DataFrame:
    """Shares of the population surely beyond 30 km of the key's nearest offer, and of
    the population whose distance is unknown (offers without a known place), by code."""

    def build() -> pd.DataFrame:
        from fresque.access import nearest_offers, population_beyond

        kind, value = coverage_key(key)
        near = nearest_offers(_eco(fkey), **{kind: value})
        table = population_beyond(near, [30], COVERAGE_LEVEL[level])
        return table[["share_beyond_30km", "share_unknown_30km"]]

    return _by_filter(("beyond", level, key), fkey, build)


def _quality(coverage_level: str, fkey: FilterKey = ()) -> pd.DataFrame:
    """The data quality of every territory of one level, indexed by code
    (:func:`fresque.quality.data_quality`, on the day the coverage was computed)."""

    def build() -> pd.DataFrame:
        from fresque.quality import data_quality

        table = data_quality(_eco(fkey), _coverage(fkey), coverage_level)
        return table.set_index(table["code"].astype(str), drop=False)

    return _by_filter(("quality", coverage_level), fkey, build)


#: How the page gets what an indicator needs (:data:`fresque.views.indicators.NEEDS`),
#: for a map level, a key and a filter set.
_PROVIDERS: dict[str, Callable[[str, str, FilterKey], Any]] = {
    "table": lambda level, key, fkey: _key_table(level, key, fkey),
    "beyond": lambda level, key, fkey: _beyond(level, key, fkey),
    "quality": lambda level, key, fkey: _quality(COVERAGE_LEVEL[level], fkey),
}


def _geojson(level: str) -> dict:
    return map_geojson(level)


def _names(level: str) -> dict[str, str]:
    return _cached(("names", level), lambda: feature_names(_geojson(level)), pinned=True)


def _base(level: str, lang: str) -> dict:
    return _cached(("base", level, lang), lambda: base_figure(_geojson(level), lang), pinned=True)


def _style_key(state: ViewState) -> str | None:
    """The key the map's colours depend on: none for an indicator of all the offers."""
    return state.coverage_key if REGISTRY[state.indicator].per_key else None


def _style(level: str, state: ViewState) -> dict[str, Any]:
    key, indicator, lang = state.coverage_key, state.indicator, state.lang
    fkey = _filter_key(state)

    def build() -> dict[str, Any]:
        codes = _base(level, lang)["data"][TRACE["territories"]]["locations"]
        given = {need: _PROVIDERS[need](level, key, fkey) for need in REGISTRY[indicator].needs}
        table = given.pop("table", None)
        return indicator_style(codes, _names(level), table, indicator, key, lang, **given)

    return _cached(("style", level, _style_key(state), indicator, lang, fkey), build)


def _points(level: str, state: ViewState) -> dict[str, Any]:
    key, lang, sid = state.coverage_key, state.lang, state.selected
    fkey = _filter_key(state)

    def build() -> dict[str, Any]:
        coverage = _coverage(fkey)
        eco = _eco(fkey)
        (column,) = coverage.key_positions([coverage_key(key)])
        offering = set(coverage.ids[coverage.offer_keys[:, column]].tolist())
        if sid and sid in eco and not bool(eco.national[sid]):
            offering.add(sid)
        rows = eco.structures.loc[[i for i in eco.structures.index if i in offering]]
        return points_style(rows, _geojson(level).get("insets") or [], lang)

    return _cached(("points", level, key, lang, sid, fkey), build)


def _selected_territory(state: ViewState) -> tuple[str, str] | None:
    """The territory the state selects: its EPCI, else its département, else its région."""
    if state.epci:
        return ("epci", state.epci)
    if state.departement:
        return ("departement", state.departement)
    if state.region:
        return ("region", state.region)
    return None


def _selected_outline(state: ViewState) -> dict[str, list]:
    chosen = _selected_territory(state)
    if chosen is None:
        return {"lon": [], "lat": []}
    level = MAP_LEVEL_OF[chosen[0]]
    return _cached(
        ("outline", level, chosen[1]),
        lambda: outline_coordinates(_geojson(level), [chosen[1]]),
    )


def _served_outline(state: ViewState) -> dict[str, list]:
    eco = context.current().ecosystem
    sid = state.selected
    if not sid or eco is None or sid not in eco:
        return {"lon": [], "lat": []}
    structure = eco.get(sid)
    level = MAP_LEVEL_OF.get(str(structure.territory_level))
    if level is None:
        return {"lon": [], "lat": []}
    codes = list(structure.territory_codes)
    return _cached(
        ("outline", level, *codes),
        lambda: outline_coordinates(_geojson(level), codes),
    )


def _region_view(level: str, state: ViewState) -> dict[str, Any]:
    """``geo`` framing: the chosen région (its inset for a DROM) with the chosen
    territory in it (an EPCI may cross the région's border), or all of France. At région
    level the map stays whole: it is where one picks a région."""
    if not state.region or level == "regions":
        return _cached(("view", level), lambda: view_of(_geojson(level)))
    region = state.region
    chosen = _selected_territory(state)

    def build() -> dict[str, Any]:
        also = []
        if chosen is not None and chosen[0] != "region":
            also = features_of(_geojson(MAP_LEVEL_OF[chosen[0]]), [chosen[1]])
        return view_of(_geojson("regions"), [region], also=also)

    return _cached(("view", region, chosen), build)


def _region_outline(level: str, state: ViewState) -> dict[str, list]:
    """The chosen région's border, when the map shows smaller territories."""
    if not state.region or level == "regions":
        return {"lon": [], "lat": []}
    region = state.region
    return _cached(
        ("outline", "regions", region),
        lambda: outline_coordinates(_geojson("regions"), [region]),
    )


def _sanitize(state: ViewState) -> ViewState:
    """Drop territories and a structure the ecosystem does not know."""
    return sanitize(state, context.current().ecosystem)


def figure_for(state: ViewState) -> dict:
    """The whole figure of ``state`` (GeoJSON included): for the layout and level changes."""
    level = _level(state)
    base = _base(level, state.lang)
    data = [dict(trace) for trace in base["data"]]
    data[TRACE["territories"]].update(_style(level, state))
    data[TRACE["region"]].update(_region_outline(level, state))
    data[TRACE["points"]].update(_points(level, state))
    data[TRACE["selected"]].update(_selected_outline(state))
    data[TRACE["served"]].update(_served_outline(state))
    layout = dict(base["layout"])
    layout["geo"] = {**layout["geo"], **_region_view(level, state)}
    return {"data": data, "layout": layout}


def _style_inputs(state: ViewState) -> tuple:
    """What the territories' colours depend on (see :func:`_style`)."""
    return (_level(state), _style_key(state), state.indicator, state.lang, _filter_key(state))


def _points_inputs(state: ViewState) -> tuple:
    """What the points depend on (see :func:`_points`)."""
    return (_level(state), state.coverage_key, state.lang, state.selected, _filter_key(state))


def patch_for(state: ViewState, shown: ViewState | None = None) -> Patch:
    """What changes between two states of one level: colours, points, outlines, framing.

    ``shown`` is the state the figure shows now, when known: colours and points that
    would not change are then left out of the patch (at EPCI level they weigh hundreds of
    kilobytes, and a selection changes neither).
    """
    level = _level(state)
    patch = Patch()
    if shown is None or _style_inputs(shown) != _style_inputs(state):
        for name, value in _style(level, state).items():
            patch["data"][TRACE["territories"]][name] = value
    if shown is None or _points_inputs(shown) != _points_inputs(state):
        for name, value in _points(level, state).items():
            patch["data"][TRACE["points"]][name] = value
    for trace, outline in (
        ("selected", _selected_outline(state)),
        ("served", _served_outline(state)),
        ("region", _region_outline(level, state)),
    ):
        patch["data"][TRACE[trace]]["lon"] = outline["lon"]
        patch["data"][TRACE[trace]]["lat"] = outline["lat"]
    for name, value in _region_view(level, state).items():
        patch["layout"]["geo"][name] = value
    return patch


# --------------------------------------------------------------------------------------
# Panels
# --------------------------------------------------------------------------------------


def _network_href(state: ViewState, **changes: Any) -> str:
    return dash.get_relative_path(to_href(replace(state, page="reseau", **changes)))


def _pick(sid: str, name: str, at: str) -> html.Button:
    """A button that picks structure ``sid``; ``at`` names the list it is in (a structure
    listed under several stages gets one button per stage, each with its own id: Dash
    answers nothing to a click on one of two components with the same id)."""
    return html.Button(
        name, id={"type": ids.MAP_PICK, "id": sid, "at": at}, className="link-button", n_clicks=0
    )


def _scale(state: ViewState) -> tuple[float, bool] | None:
    """Where the colour scale of a continuous indicator stops (see ``scale_top``)."""
    if REGISTRY[state.indicator].kind == "discrete":
        return None
    style = _style(_level(state), state)
    values = [v for v in style["z"] if v is not None]
    return scale_top(values, state.indicator)


def render_legend(state: ViewState) -> list:
    lang = state.lang
    entries = legend_entries(state.indicator, lang, _scale(state))
    children: list = [html.H3(entries["title"])]
    if entries["statuses"]:
        children.append(
            html.Ul(
                className="legend-list status-legend",
                children=[
                    html.Li(
                        [
                            *(
                                html.Span(
                                    className=f"swatch swatch-{band}",
                                    style={"backgroundColor": color}
                                    if color
                                    else {"visibility": "hidden"},
                                )
                                for band, color in s["colors"].items()
                            ),
                            s["label"],
                        ],
                        **{"data-status": s["value"]},
                    )
                    for s in entries["statuses"]
                ],
            )
        )
        # The shades, said once: the whole territory, then partial by share covered.
        children.append(
            html.Div(
                className="legend-bands",
                children=[
                    html.Span(entries["bands_title"] + t("punct.colon", lang)),
                    html.Ul(
                        className="legend-list",
                        children=[
                            html.Li(
                                [
                                    html.Span(
                                        className="swatch",
                                        style={"backgroundColor": band["color"]},
                                    ),
                                    band["label"],
                                ]
                            )
                            for band in entries["bands"]
                        ],
                    ),
                ],
            )
        )
    else:
        children.append(html.P(entries["scale"], className="legend-size"))
        if entries["stop"]:
            children.append(html.P(entries["stop"], className="legend-size legend-stop"))
        if entries["no_offer"]:
            no_offer = entries["no_offer"]
            children.append(
                html.P(
                    [
                        html.Span(className="swatch", style={"backgroundColor": no_offer["color"]}),
                        " ",
                        no_offer["label"],
                    ],
                    className="legend-size legend-no-offer",
                )
            )
        if entries["note"]:
            children.append(html.P(entries["note"], className="legend-size legend-note"))
    children.append(
        html.Ul(
            className="legend-list",
            children=[
                html.Li(
                    [
                        html.Span(
                            className=f"overlay-swatch overlay-{o['kind']}",
                            style={"color": o["color"]},
                        ),
                        o["label"],
                    ]
                )
                for o in entries["overlays"]
            ],
        )
    )
    return children


def render_dock(state: ViewState) -> list:
    """National actors of the map's key: everywhere, so on no place of the map."""
    lang = state.lang
    fkey = _filter_key(state)
    eco = _eco(fkey)
    coverage = _coverage(fkey)
    (column,) = coverage.key_positions([coverage_key(state.coverage_key)])
    national = coverage.national[column]
    names = eco.structures["name"]
    children: list = [
        html.H3(f"{t('carte.dock.heading', lang)} ({len(national)})"),
        html.P(t("carte.dock.note", lang), className="legend-size"),
    ]
    if national:
        children.append(
            html.Ul(
                className="dock-list",
                children=[html.Li(_pick(sid, names[sid], "dock")) for sid in national],
            )
        )
    else:
        children.append(html.P(t("carte.dock.none", lang), className="detail-empty"))
    return children


def _offer_list(entry: dict[str, Any], lang: str, at: str) -> html.Div:
    share = entry["share_covered"]
    return html.Div(
        className="stage-entry",
        children=[
            html.Div(
                className="stage-head",
                children=[
                    html.Span(className="swatch", style={"backgroundColor": entry["color"]}),
                    html.Strong(entry["label"]),
                    html.Span(" — " + entry["status_label"], className="stage-status"),
                ],
            ),
            html.P(
                [
                    html.Span(
                        html.Span(
                            className="share-fill",
                            style={"width": f"{100 * share:.1f}%", "background": entry["color"]},
                        ),
                        className="share-bar",
                        **{"aria-hidden": "true"},
                    ),
                    html.Strong(entry["share_text"]),
                ],
                className="stage-share",
            )
            if entry["share_text"]
            else None,
            html.Ul(
                [
                    html.Li([_pick(sid, name, at), *_stale_mark(sid in entry["stale"], lang)])
                    for sid, name in entry["offers"]
                ]
            )
            if entry["offers"]
            else html.P(t("carte.detail.no_offer", lang), className="stage-none"),
        ],
    )


def _survey_block(detail: dict[str, Any], lang: str) -> list:
    """The surveys of the territory: valid ones, expired ones, or the word that there is
    none (so that « Aucune offre recensée » is never read as a gap)."""
    lines = [html.Li(text) for text in detail["surveys"]]
    lines += [html.Li(text, className="survey-expired") for text in detail["expired"]]
    return [
        html.H3(t("carte.survey.heading", lang)),
        html.Ul(lines, className="survey-list", id="map-detail-surveys")
        if lines
        else html.P(t("carte.survey.none", lang), className="legend-size", id="map-detail-surveys"),
    ]


def _stale_mark(stale: bool, lang: str) -> list:
    """« à vérifier » after an offer whose facts are old (or never verified)."""
    if not stale:
        return []
    return [
        html.Span(
            t("carte.detail.stale", lang),
            className="stale-mark",
            title=t("carte.detail.stale_title", lang).format(
                years=t_count("count.years", DEFAULT_STALE_YEARS, lang)
            ),
        )
    ]


def _stale(fkey: FilterKey = ()) -> frozenset[str]:
    """Ids of the structures to check again (cached per filter)."""
    from fresque.quality import stale_offers

    def build() -> frozenset[str]:
        found = stale_offers(_eco(fkey))
        return frozenset(found.index[found.to_numpy()])

    return _by_filter(("stale",), fkey, build)


def _territory_detail(
    chosen: tuple[str, str], key: str, lang: str, fkey: FilterKey = ()
) -> dict[str, Any] | None:
    """What serves a territory (cached: the panel is redrawn on every change)."""
    level, code = chosen

    def build() -> dict[str, Any] | None:
        table = _all_rows(level, fkey)
        if code not in table.index:
            return None
        wanted = {("stage", s.value) for s in Stage} | {coverage_key(key)}
        rows = table.loc[[code]]
        rows = rows[
            [
                (str(kt), str(k)) in wanted
                for kt, k in zip(rows["key_type"], rows["key"], strict=True)
            ]
        ]
        if not len(rows):
            return None
        names = _eco(fkey).structures["name"].to_dict()
        valid, expired = _coverage(fkey).surveys_of(level, code)
        return territory_detail(
            rows, names, key, lang, surveys=valid, expired=expired, stale=_stale(fkey)
        )

    return _cached(("detail", level, code, key, lang, fkey), build)


def _quality_block(chosen: tuple[str, str], state: ViewState) -> html.Details | None:
    """The chosen territory's data quality, part by part (the hover's words): open when
    it colours the map."""
    level, code = chosen
    table = _quality(level, _filter_key(state))
    if code not in table.index:
        return None
    lang = state.lang
    return html.Details(
        className="quality-block",
        id=QUALITY_BLOCK,
        open=state.indicator == "quality",
        children=[
            html.Summary(t(REGISTRY["quality"].label_key, lang)),
            html.Ul([html.Li(line) for line in quality_lines(table.loc[code], lang)]),
        ],
    )


def render_detail(state: ViewState) -> list:
    """The chosen territory (offers per stage, what is missing) and the chosen structure."""
    lang = state.lang
    eco = context.current().ecosystem
    children: list = []
    chosen = _selected_territory(state)
    if chosen is None:
        children.append(html.P(t("carte.detail.empty", lang), className="detail-empty"))
    else:
        detail = _territory_detail(chosen, state.coverage_key, lang, _filter_key(state))
        if detail is not None:
            colon = t("punct.colon", lang)
            children += [
                html.H2(f"{detail['name']} ({detail['code']})", id="map-detail-title"),
                html.P(
                    t("map.population", lang)
                    + colon
                    + (
                        f"{detail['population']:,}".replace(",", "\u00a0")
                        if lang == "fr"
                        else f"{detail['population']:,}"
                    ),
                    className="legend-size",
                ),
                dcc.Link(
                    t("carte.detail.network", lang),
                    href=_network_href(state),
                    id=ids.MAP_NET_LINK,
                    className="button",
                ),
            ]
            children.append(_quality_block(chosen, state))
            if detail["key"] is not None and detail["key"]["value"] not in {s.value for s in Stage}:
                children += [
                    html.H3(t("carte.detail.key", lang)),
                    _offer_list(detail["key"], lang, "key"),
                ]
            children.append(html.H3(t("carte.detail.stages", lang)))
            # The stages without any offer, under the words of their status (a gap
            # checked by a survey and an offer nobody recorded are not the same).
            missing = detail["missing_by_status"]
            if missing:
                # Only a confirmed gap is an alarm; "none known" is said plainly.
                confirmed = label(CoverageStatus.GAP, lang)
                children += [
                    html.P(
                        words + colon + ", ".join(stages),
                        className="notice missing" if words == confirmed else "not-recorded",
                    )
                    for words, stages in missing
                ]
                if detail["not_recorded"]:
                    children.append(
                        html.P(t("carte.detail.not_recorded", lang), className="not-recorded-note")
                    )
            else:
                children.append(
                    html.P(t("carte.detail.nothing_missing", lang), className="legend-size")
                )
            children += [
                _offer_list(entry, lang, f"stage-{entry['value']}") for entry in detail["stages"]
            ]
            children += _survey_block(detail, lang)
    if state.selected and eco is not None and state.selected in eco:
        structure = eco.get(state.selected)
        national = bool(eco.national[state.selected])
        children += [
            html.Div(
                className="chosen-structure",
                children=[
                    html.Div(
                        className="detail-head",
                        children=[
                            html.H3(
                                t("carte.structure.heading", lang)
                                + t("punct.colon", lang)
                                + structure.name
                            ),
                            html.Button(
                                "×",
                                id={"type": ids.MAP_PICK, "id": "", "at": "close"},
                                className="detail-close",
                                title=t("detail.close", lang),
                                n_clicks=0,
                                **{"aria-label": t("detail.close", lang)},
                            ),
                        ],
                    ),
                    html.P(
                        label(structure.kind, lang, Kind)
                        + " · "
                        + t(
                            "carte.structure.national" if national else "carte.structure.served",
                            lang,
                        )
                    ),
                    dcc.Link(
                        t("carte.structure.network", lang),
                        href=_network_href(state),
                        className="button",
                    ),
                ],
            )
        ]
    return children


def _territory_options(level: str, state: ViewState) -> list[dict[str, str]]:
    from fresque.views.network import territory_options

    eco = context.current().ecosystem
    if level == "regions":
        return territory_options(eco.territories, "region", state.lang)
    if level == "epci":
        return _epci_options(state.departement, state.region)
    within = ("region", state.region) if state.region else None
    return territory_options(eco.territories, "departement", state.lang, within=within)


def _epci_options(departement: str | None, region: str | None) -> list[dict[str, str]]:
    """The EPCI in the chosen département (else région, else all), by name:
    ``CA du Cotentin (50)``."""

    def build() -> list[dict[str, str]]:
        territories = context.current().ecosystem.territories
        table = territories.table
        rows = table[table["level"] == "epci"]
        found = [
            (normalize_key(name), f"{name} ({parent})", code)
            for code, name, parent in zip(
                rows["code"].astype(str), rows["name"], rows["parent"], strict=True
            )
            if epci_fits(territories, code, departement, region)
        ]
        return [{"label": text, "value": code} for _, text, code in sorted(found)]

    return _cached(("epci-options", departement, region), build)


def _territory_value(level: str, state: ViewState) -> str | None:
    if level == "regions":
        return state.region
    return state.epci if level == "epci" else state.departement


def _chip(field: str, value: str, text: str, lang: str) -> html.Button:
    return html.Button(
        [html.Span(text), html.Span("×", className="chip-x", **{"aria-hidden": "true"})],
        id={"type": MAP_FILTER, "field": field, "value": value},
        className="filter-chip",
        n_clicks=0,
        title=t("carte.filters.remove", lang),
        **{"aria-label": t("carte.filters.remove", lang) + t("punct.colon", lang) + text},
    )


def render_filters(state: ViewState) -> list:
    """The Réseau filters the map counts with, as chips that remove them, and a button
    that clears them all (nothing when no value filter is set)."""
    lang = state.lang
    colon = t("punct.colon", lang)
    chips: list = []
    for field, key, enum_cls in FILTER_CHIPS:
        values = getattr(state, field)
        for value in values:
            text = t(key, lang) + colon + label(value, lang, enum_cls)
            chips.append(_chip(field, value, text, lang))
    if not chips:
        return []
    return [
        html.P(t("carte.filters.note", lang), className="filters-note"),
        html.Div(chips, className="filter-chips"),
        html.Button(
            t("filters.reset", lang),
            id={"type": MAP_FILTER, "field": "*", "value": ""},
            className="link-button filters-clear",
            n_clicks=0,
        ),
    ]


def _without_filter(state: ViewState, field: str, value: str) -> ViewState:
    """``state`` without one value filter (``field`` ``"*"``: without any)."""
    if field == "*":
        defaults = ViewState()
        return replace(state, **{name: getattr(defaults, name) for name, _, _ in FILTER_CHIPS})
    current = getattr(state, field, None)
    if isinstance(current, tuple):
        return replace(state, **{field: tuple(v for v in current if v != value)})
    return state


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------

#: The export buttons and their formats.
EXPORTS = ((ids.MAP_EXPORT_CSV, "csv"), (ids.MAP_EXPORT_XLSX, "xlsx"))


def _export_buttons(lang: str) -> html.Div:
    return html.Div(
        className="map-export",
        role="group",
        children=[
            html.Span(t("carte.export.heading", lang), className="toolbar-label"),
            *(
                html.Button(
                    t(f"carte.export.{fmt}", lang),
                    id=cid,
                    className="button",
                    n_clicks=0,
                    title=t("carte.export.label", lang),
                    **{"aria-label": t("carte.export.label", lang) + f" ({fmt.upper()})"},
                )
                for cid, fmt in EXPORTS
            ),
            dcc.Download(id=ids.MAP_DOWNLOAD),
        ],
        **{"aria-label": t("carte.export.label", lang)},
    )


def export_sheet(state: ViewState) -> pd.DataFrame:
    """The readable sheet (:func:`fresque.coverage_sheet.coverage_sheet`) of the
    territories the map shows for ``state``: its level, its key, the chosen région's
    territories (all at région level, where the whole map stays), counted on the
    ecosystem the Réseau's filters leave, with the distances when they colour the map;
    ranked as the gap report ranks them (:func:`fresque.coverage.gap_report`: confirmed
    gaps first, then where nothing is recorded, by inhabitants without a known offer)."""
    from fresque.coverage import gap_report
    from fresque.coverage_sheet import coverage_sheet

    level = _level(state)
    fkey = _filter_key(state)
    region = state.region if level != "regions" else None
    kind, value = coverage_key(state.coverage_key)
    table = gap_report(
        _coverage(fkey), COVERAGE_LEVEL[level], region=region, lang=state.lang, **{kind: value}
    )
    beyond = (
        _beyond(level, state.coverage_key, fkey)["share_beyond_30km"]
        if state.indicator == "beyond30"
        else None
    )
    names = _eco(fkey).structures["name"].to_dict()
    territories = context.current().ecosystem.territories
    return coverage_sheet(table, territories, names, state.lang, beyond=beyond, stale=_stale(fkey))


def export_filename(state: ViewState, fmt: str) -> str:
    """``fresque-couverture-creation-departements-reg53.csv``: what, at which level, where."""
    level = _level(state)
    where = f"-reg{state.region}" if state.region and level != "regions" else ""
    return f"{t('carte.export.file', state.lang)}-{state.coverage_key}-{level}{where}.{fmt}"


# --------------------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------------------


def layout(state: ViewState | None, lang: str = DEFAULT_LANGUAGE) -> html.Div:
    """The Carte page for ``state``; ``None`` gives the light skeleton callbacks are
    validated against (no figure, no data)."""
    skeleton = state is None
    state = ViewState(page=PAGE, lang=lang) if state is None else state
    ctx = None if skeleton else context.current()
    eco = ctx.ecosystem if ctx else None
    level = _level(state)
    figure: dict = {}
    message = None
    detail: list = []
    dock: list = []
    regions: list = []
    territories: list = []
    shown = None
    if ctx is not None and eco is None:
        try:  # the geography first: without it, neither the map nor the ecosystem
            _geojson(level)
        except FileNotFoundError:
            message = t("map.geo_missing", lang)
        else:
            message = ctx.error
    elif eco is not None:
        state = _sanitize(state)
        try:
            figure = figure_for(state)
        except FileNotFoundError:
            message = t("map.geo_missing", lang)
        else:
            _warm_up(lang)
            from fresque.views.network import territory_options

            detail = render_detail(state)
            dock = render_dock(state)
            regions = territory_options(eco.territories, "region", lang)
            territories = _territory_options(level, state)
            shown = {"level": level, "lang": lang}
    controls = html.Div(
        className="carte-controls panel",
        children=[
            labelled(
                t("carte.key.label", lang),
                dcc.Dropdown(
                    labels=dropdown_labels(lang),
                    id=ids.MAP_KEY,
                    options=[] if skeleton else key_options(lang),
                    value=state.coverage_key,
                    clearable=False,
                    searchable=True,
                ),
                ids.MAP_KEY,
            ),
            html.Div(
                className="field",
                role="group",
                children=[
                    html.Span(
                        t("carte.indicator.label", lang),
                        className="field-label",
                        id=f"{ids.MAP_INDICATOR}-label",
                    ),
                    dcc.RadioItems(
                        id=ids.MAP_INDICATOR,
                        options=[
                            {"label": t(REGISTRY[name].label_key, lang), "value": name}
                            for name in MAP_INDICATORS
                        ],
                        value=state.indicator,
                        className="choice-list",
                    ),
                ],
                **{"aria-labelledby": f"{ids.MAP_INDICATOR}-label"},
            ),
            html.Div(
                className="field",
                role="group",
                children=[
                    html.Span(
                        t("map.level.label", lang),
                        className="field-label",
                        id=f"{ids.MAP_LEVEL}-label",
                    ),
                    dcc.RadioItems(
                        id=ids.MAP_LEVEL,
                        options=[
                            {"label": t(f"map.level.{option}", lang), "value": option}
                            for option in MAP_LEVELS
                        ],
                        value=level,
                        inline=True,
                        className="level-selector",
                    ),
                ],
                **{"aria-labelledby": f"{ids.MAP_LEVEL}-label"},
            ),
            labelled(
                t("filters.confidence", lang),
                dcc.RadioItems(
                    id=MAP_CONFIDENCE,
                    options=[
                        {"label": t(text, lang), "value": value}
                        for text, value in CONFIDENCE_CHOICES
                    ],
                    value=state.min_confidence or ANY_CONFIDENCE,
                    inline=True,
                    className="level-selector",
                ),
                MAP_CONFIDENCE,
                group=True,
            ),
            filter_dropdown(t("filters.region", lang), ids.MAP_REGION, regions, state.region, lang),
            filter_dropdown(
                t("carte.territory.label", lang),
                ids.MAP_TERRITORY,
                territories,
                _territory_value(level, state),
                lang,
            ),
        ],
    )
    return html.Div(
        className="carte",
        children=[
            dcc.Location(id=ids.MAP_URL, refresh="callback-nav", search=to_search(state)),
            dcc.Store(id=ids.MAP_LANG, data=lang),
            dcc.Store(id=ids.MAP_SHOWN, data=shown),
            html.Section(
                className="map-panel carte-map",
                children=[
                    html.Div(
                        className="map-toolbar",
                        children=[
                            html.H2(t(REGISTRY[state.indicator].heading_key, lang), id=MAP_HEADING),
                            _export_buttons(lang),
                        ],
                    ),
                    html.P(
                        message or "",
                        id=ids.MAP_MESSAGE,
                        className="map-message",
                        hidden=message is None,
                    ),
                    html.Div(
                        className="map-frame",
                        role="region",
                        children=dcc.Graph(
                            id=ids.MAP_GRAPH,
                            figure=figure,
                            config=map_graph_config(
                                context.asset_url("topojson/")
                                if not skeleton
                                else "/assets/topojson/"
                            ),
                            className="map-graph",
                            responsive=True,
                        ),
                        **{"aria-label": t("carte.map.label", lang)},
                    ),
                    html.P(t("map.insets_note", lang), className="map-note"),
                ],
            ),
            html.Aside(
                className="carte-left",
                children=[
                    html.Div(
                        id=MAP_FILTERS,
                        className="panel carte-filters",
                        role="status",
                        children=[] if skeleton else render_filters(state),
                    ),
                    controls,
                ],
            ),
            html.Div(
                className="carte-side",
                children=[
                    html.Aside(
                        id=ids.MAP_DETAIL,
                        className="reseau-detail carte-detail",
                        children=detail,
                        **{"aria-live": "polite", "aria-label": t("carte.detail.heading", lang)},
                    ),
                    html.Details(
                        className="panel legend",
                        open=True,
                        children=[
                            html.Summary(t("carte.legend.heading", lang)),
                            html.Div(
                                id=ids.MAP_LEGEND, children=[] if skeleton else render_legend(state)
                            ),
                        ],
                    ),
                    html.Details(
                        className="panel",
                        open=True,
                        children=[
                            html.Summary(t("carte.dock.heading", lang)),
                            html.Div(id=ids.MAP_DOCK, children=dock),
                        ],
                    ),
                ],
            ),
        ],
    )


# --------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------


def _clicked(click: dict | None) -> tuple[str, str] | None:
    """``("territory", code)`` or ``("structure", id)`` from the graph's clickData."""
    points = (click or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    if point.get("curveNumber") == TRACE["points"]:
        sid = point.get("customdata")
        return ("structure", sid) if isinstance(sid, str) else None
    location = point.get("location")
    return ("territory", str(location)) if location is not None else None


def _select_territory(state: ViewState, level: str, code: str | None) -> ViewState:
    eco = context.current().ecosystem
    if level == "regions":
        return replace(state, region=code, departement=None, epci=None)
    if level == "departements":
        if code is None:
            return replace(state, departement=None, epci=None)
        key = ("departement", code)
        if key not in eco.territories:
            return state
        parent = eco.territories[key].parent
        region = state.region if state.region == parent else (parent if state.region else None)
        return replace(state, departement=code, region=region, epci=None)
    # EPCI: it is the chosen territory (the Réseau filter too); a département and a
    # région it lies in stay, others give way (a chosen région follows the EPCI).
    if code is None:
        return replace(state, epci=None)
    territories = eco.territories
    if not epci_fits(territories, code, None, None):
        return state
    departement = state.departement
    if departement and not epci_fits(territories, code, departement, None):
        departement = None
    region = state.region
    if region and not epci_fits(territories, code, departement, region):
        main = territories[("epci", code)].parent
        region = territories[("departement", main)].parent if main else None
    return replace(state, epci=code, departement=departement, region=region)


def register_callbacks(app: dash.Dash) -> None:
    """Attach the Carte page's callbacks to ``app``."""

    @app.callback(
        Output(ids.MAP_DOWNLOAD, "data"),
        *[Input(cid, "n_clicks") for cid, _ in EXPORTS],
        State(ids.MAP_URL, "search"),
        prevent_initial_call=True,
    )
    def download(*args):
        from fresque.coverage_sheet import SHEET_FORMATS, sheet_csv, sheet_xlsx

        fmt = dict(EXPORTS).get(dash.ctx.triggered_id)
        if fmt is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        if context.current().ecosystem is None:
            raise PreventUpdate
        state = _sanitize(parse_url(PAGE, args[-1]))
        sheet = export_sheet(state)
        content = sheet_csv(sheet) if fmt == "csv" else sheet_xlsx(sheet, state.lang)
        return dcc.send_bytes(content, export_filename(state, fmt), type=SHEET_FORMATS[fmt])

    @app.callback(
        Output(ids.MAP_URL, "search"),
        Output(ids.MAP_LEVEL, "value"),
        Output(ids.MAP_INDICATOR, "value"),
        Output(ids.MAP_KEY, "value"),
        Output(MAP_CONFIDENCE, "value"),
        Output(ids.MAP_REGION, "value"),
        Output(ids.MAP_TERRITORY, "value"),
        Output(ids.MAP_TERRITORY, "options"),
        Output(ids.MAP_GRAPH, "figure"),
        Output(ids.MAP_DETAIL, "children"),
        Output(ids.MAP_LEGEND, "children"),
        Output(ids.MAP_DOCK, "children"),
        Output(MAP_FILTERS, "children"),
        Output(MAP_HEADING, "children"),
        Output(ids.MAP_SHOWN, "data"),
        Input(ids.MAP_URL, "search"),
        Input(ids.MAP_LEVEL, "value"),
        Input(ids.MAP_INDICATOR, "value"),
        Input(ids.MAP_KEY, "value"),
        Input(MAP_CONFIDENCE, "value"),
        Input(ids.MAP_REGION, "value"),
        Input(ids.MAP_TERRITORY, "value"),
        Input(ids.MAP_GRAPH, "clickData"),
        Input({"type": ids.MAP_PICK, "id": ALL, "at": ALL}, "n_clicks"),
        Input({"type": MAP_FILTER, "field": ALL, "value": ALL}, "n_clicks"),
        State(ids.MAP_URL, "pathname"),
        State(ids.MAP_LANG, "data"),
        State(ids.MAP_SHOWN, "data"),
        prevent_initial_call=True,  # the layout already holds the first map
    )
    def update(
        search,
        level,
        indicator,
        key,
        confidence,
        region,
        territory,
        click,
        _picks,
        _chips,
        pathname,
        lang,
        shown,
    ):
        before = parse_url(PAGE, search)
        # Another page or another language: the shell renders a new page instead.
        if page_from_path(app.strip_relative_path(pathname or "/") or "") != PAGE:
            raise PreventUpdate
        if before.lang != lang or context.current().ecosystem is None or not shown:
            raise PreventUpdate
        trigger = dash.ctx.triggered_id
        from_url = trigger == ids.MAP_URL
        state = _sanitize(before)
        if not from_url:
            chosen = ViewState.from_values(
                level=level, indicator=indicator, coverage_key=key, min_confidence=confidence
            )
            state = replace(
                state,
                level=chosen.level,
                indicator=chosen.indicator,
                coverage_key=chosen.coverage_key,
                min_confidence=chosen.min_confidence,
            )
            new_level = _level(state)
            if trigger == ids.MAP_REGION:
                state = _sanitize(replace(state, region=region or None))
                if not region:
                    state = replace(state, departement=None, epci=None)
            elif trigger == ids.MAP_TERRITORY:
                if territory == _territory_value(new_level, state):
                    raise PreventUpdate
                state = _select_territory(state, new_level, territory or None)
            elif trigger == ids.MAP_GRAPH:
                clicked = _clicked(click)
                if clicked is None:
                    raise PreventUpdate
                kind, value = clicked
                if kind == "structure":
                    state = replace(state, selected=value)
                else:
                    state = _select_territory(state, new_level, value)
            elif isinstance(trigger, dict):
                if not dash.ctx.triggered[0]["value"]:
                    raise PreventUpdate  # a button appearing, not a click
                if trigger.get("type") == MAP_FILTER:
                    state = _without_filter(state, trigger["field"], trigger["value"])
                else:
                    state = replace(state, selected=trigger["id"] or None)
            state = _sanitize(state)
        new_level = _level(state)
        new_search = to_search(state)
        full = shown.get("level") != new_level
        filters_changed = from_url or _filter_key(state) != _filter_key(before)
        set_controls = from_url
        territory_changed = (
            from_url
            or trigger in (ids.MAP_REGION, ids.MAP_LEVEL)
            or (new_level == "epci" and state.departement != before.departement)
        )
        return (
            no_update if from_url or new_search == (search or "") else new_search,
            new_level if set_controls else no_update,
            state.indicator if set_controls else no_update,
            state.coverage_key if set_controls else no_update,
            (state.min_confidence or ANY_CONFIDENCE) if set_controls else no_update,
            state.region if set_controls or trigger != ids.MAP_REGION else no_update,
            _territory_value(new_level, state) if trigger != ids.MAP_TERRITORY else no_update,
            _territory_options(new_level, state) if territory_changed else no_update,
            figure_for(state)
            if full
            else patch_for(state, None if from_url else _sanitize(before)),
            render_detail(state),
            render_legend(state)
            if from_url or _style_inputs(state) != _style_inputs(_sanitize(before))
            else no_update,
            render_dock(state)
            if filters_changed or state.coverage_key != before.coverage_key
            else no_update,
            render_filters(state) if filters_changed else no_update,
            t(REGISTRY[state.indicator].heading_key, state.lang),
            {"level": new_level, "lang": state.lang} if full else no_update,
        )


__all__ = [
    "EXPORTS",
    "MAP_LEVELS",
    "MapFigures",
    "export_filename",
    "export_sheet",
    "figure_for",
    "layout",
    "patch_for",
    "register_callbacks",
    "render_filters",
]
