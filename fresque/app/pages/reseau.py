"""Réseau: the network of actors (dash-cytoscape), its filters, search, focus and detail.

The page follows its URL (:mod:`fresque.app.state`): a control writes the new state into
the URL, and the back button or a pasted link sets the controls from it. One callback
does both, so a change costs one round trip: it filters the ecosystem
(:meth:`~fresque.ecosystem.Ecosystem.filter`, :meth:`~fresque.ecosystem.Ecosystem.ego`)
and asks :mod:`fresque.views.network` for the elements, stylesheet and detail. Selecting a
structure resends only the stylesheet and the detail panel, unless the focus follows it.

Everything a user typed (names, descriptions) is rendered as text: Cytoscape draws labels
on a canvas and Dash components escape their children; no HTML is ever built from data.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto
from dash import (
    ALL,
    ClientsideFunction,
    Input,
    Output,
    State,
    clientside_callback,
    dcc,
    html,
    no_update,
)
from dash.exceptions import PreventUpdate

from fresque.app import context, exports, ids
from fresque.app.state import (
    FOCUS_RADII,
    METRICS,
    NETWORK_LAYOUTS,
    ViewState,
    filter_arguments,
    page_from_path,
    parse_url,
    replace,
    sanitize,
    to_search,
)
from fresque.app.widgets import dropdown_labels, filter_dropdown, labelled
from fresque.geo.territories import TerritoryError
from fresque.i18n import DEFAULT_LANGUAGE, enum_choices, t, t_count
from fresque.model import Dispositif, Kind, Relation, Stage, Status, Theme
from fresque.views.network import (
    DrawingPlan,
    NetworkView,
    cytoscape_layout,
    drawing_plan,
    legend,
    network_index,
    network_stylesheet,
    search_options,
    structure_detail,
    territory_options,
)

PAGE = "reseau"

#: The filter controls: (component id, state field).
FILTER_CONTROLS: tuple[tuple[str, str], ...] = (
    (ids.NET_REGION, "region"),
    (ids.NET_DEPARTEMENT, "departement"),
    (ids.NET_KINDS, "kinds"),
    (ids.NET_DISPOSITIFS, "dispositifs"),
    (ids.NET_STAGES, "stages"),
    (ids.NET_THEMES, "themes"),
    (ids.NET_STATUSES, "statuses"),
    (ids.NET_RELATIONS, "relations"),
    (ids.NET_CONFIDENCE, "min_confidence"),
)
VIEW_CONTROLS: tuple[tuple[str, str], ...] = (
    (ids.NET_LAYOUT, "layout"),
    (ids.NET_METRIC, "metric"),
    (ids.NET_FOCUS, "focus"),
)
CONTROLS = FILTER_CONTROLS + VIEW_CONTROLS
#: Value of the confidence control meaning "no minimum".
ANY_CONFIDENCE = "low"

#: The page switches language in place (the shell does not render it again): the graph
#: stays mounted, and only the parts around it are rendered in the other language (a new
#: Cytoscape on each switch raced with the destroyed one's viewport handler).
SWITCHES_LANGUAGE = True
#: Containers of what the language switch renders again (page-local ids).
HEAD = "net-head"
FRAME = "net-frame"
SIDE = "net-side"
CONTROLS_PANEL = "net-controls"
#: The notice of the drawing limits a view reaches (:func:`~fresque.views.network.drawing_plan`).
LIMITS = "net-limits"


# --------------------------------------------------------------------------------------
# State <-> controls, and what to draw
# --------------------------------------------------------------------------------------


def _control_value(state: ViewState, field: str) -> Any:
    value = getattr(state, field)
    if isinstance(value, tuple):
        return list(value)
    if field == "min_confidence":
        return value or ANY_CONFIDENCE
    return value


def _state_from_controls(current: ViewState, values: list[Any]) -> ViewState:
    loose = dict(zip((field for _, field in CONTROLS), values, strict=True))
    return ViewState.from_values(
        page=PAGE,
        lang=current.lang,
        selected=current.selected,
        level=current.level,
        # Set on the map (no control here): kept until a territory control excludes it.
        epci=current.epci,
        indicator=current.indicator,
        coverage_key=current.coverage_key,
        **loose,
    )


def _sanitize(state: ViewState) -> ViewState:
    """Drop what the ecosystem does not know: territories, a selected id."""
    return sanitize(state, context.current().ecosystem)


def _view_key(state: ViewState) -> tuple:
    """What the elements depend on (a selection only matters with a focus)."""
    return (
        tuple(sorted(filter_arguments(state).items())),
        state.relations,
        state.layout,
        state.metric,
        state.lang,
        state.focus if state.selected else 0,
        state.selected if state.focus else None,
    )


def _filtered(arguments: dict[str, Any]):
    eco = context.current().ecosystem
    if not arguments:
        return eco
    try:
        return eco.filter(**arguments)
    except TerritoryError:  # a territory the geography does not know: no such filter
        arguments = {k: v for k, v in arguments.items() if k != "territory"}
        return eco.filter(**arguments) if arguments else eco


def _shown(state: ViewState):
    """The ecosystem to draw, and whether the focus could not apply (both cached: the
    ecosystem never changes, and going back and forth between views is common)."""
    arguments = filter_arguments(state)
    key = ("filtered", tuple(sorted(arguments.items())))
    shown = context.current().cached(key, lambda: _filtered(arguments), maxsize=128)
    if state.selected and state.focus:
        if state.selected not in shown:
            return shown, True
        ego_key = (*key, "ego", state.selected, state.focus)
        ego = shown.ego
        shown = context.current().cached(ego_key, lambda: ego(state.selected, state.focus))
    return shown, False


def _view(state: ViewState) -> tuple[NetworkView, bool]:
    """What the graph draws (a mask over the whole ecosystem, see
    :class:`~fresque.views.network.NetworkIndex`), and whether the focus could not apply.

    Same structures and links as :func:`_shown` with the relations filter, without
    building a filtered ecosystem: at 5,000 structures that is what made a new filter
    cost most of a second."""
    index = network_index(context.current().ecosystem)
    arguments = filter_arguments(state)
    relations = tuple(state.relations)

    def build(ego: tuple[str, int] | None = None) -> NetworkView:
        try:
            return index.view(**arguments, relations=relations, ego=ego)
        except TerritoryError:  # a territory the geography does not know: no such filter
            loose = {k: v for k, v in arguments.items() if k != "territory"}
            return index.view(**loose, relations=relations, ego=ego)

    key = ("view", tuple(sorted(arguments.items())), relations)
    view = context.current().cached(key, build, maxsize=128)
    if state.selected and state.focus:
        if state.selected not in view:
            return view, True
        ego = (state.selected, state.focus)
        view = context.current().cached((*key, "ego", *ego), lambda: build(ego), maxsize=128)
    return view, False


def _plan(state: ViewState, view: NetworkView) -> DrawingPlan:
    """How the view is drawn: a layout and links within what Chromium draws quickly."""
    return drawing_plan(state.layout, len(view), view.n_links)


def _limits(state: ViewState, view: NetworkView) -> str:
    """The notices of the limits the view reaches, in words ("" when none)."""
    notices = _plan(state, view).notices
    separator = "\u202f" if state.lang == "fr" else ","  # 2 500 / 2,500
    counted = {"network.limit.force": "count.structures", "network.limit.links": "count.links"}
    return " ".join(
        t(key, state.lang).format(
            limit=t_count(
                counted[key], limit, state.lang, shown=f"{limit:,}".replace(",", separator)
            )
        )
        for key, limit in notices
    )


def _elements(state: ViewState, view: NetworkView) -> list[dict[str, Any]]:
    index = network_index(context.current().ecosystem)
    plan = _plan(state, view)
    return context.current().cached(
        ("elements", _view_key(state)),
        lambda: index.elements(
            view, layout=plan.layout, metric=state.metric, lang=state.lang, links=plan.links
        ),
        maxsize=32,
    )


def _layout_option(state: ViewState, view: NetworkView, n_elements: int) -> dict[str, Any]:
    return cytoscape_layout(_plan(state, view).layout, n_elements)


def _stylesheet(state: ViewState, view: NetworkView) -> list[dict[str, Any]]:
    sid = state.selected
    if not sid or sid not in view:
        return network_stylesheet()
    neighbors = network_index(context.current().ecosystem).neighbors(view, sid)
    return network_stylesheet(sid, neighbors)


def _count(state: ViewState, view: NetworkView) -> str:
    return t("network.count", state.lang).format(
        structures=t_count("count.structures", len(view), state.lang),
        links=t_count("count.links", view.n_links, state.lang),
    )


# --------------------------------------------------------------------------------------
# Rendering: legend, detail panel, controls
# --------------------------------------------------------------------------------------


def render_legend(lang: str, metric: str) -> list:
    """The legend as HTML: colour swatches, shapes (CSS), outlines, link colours."""
    entries = legend(lang, metric)
    return [
        html.H3(t("network.legend.kinds", lang)),
        html.Ul(
            className="legend-list",
            children=[
                html.Li(
                    [
                        html.Span(
                            className="swatch glyph-ellipse",
                            style={"backgroundColor": k["color"]},
                        ),
                        k["label"],
                    ]
                )
                for k in entries["kinds"]
            ],
        ),
        html.H3(t("network.legend.shapes", lang)),
        html.Ul(
            className="legend-list",
            children=[
                html.Li(
                    [
                        html.Span(className=f"swatch glyph-{s['shape']}"),
                        html.Span(
                            [
                                s["label"],
                                html.Small(", ".join(s["members"]), className="legend-members")
                                if s["members"]
                                else None,
                            ]
                        ),
                    ]
                )
                for s in entries["shapes"]
            ],
        ),
        html.H3(t("network.legend.statuses", lang)),
        html.Ul(
            className="legend-list",
            children=[
                html.Li(
                    [
                        html.Span(className=f"swatch glyph-ellipse status-{s['value']}"),
                        s["label"] + t("punct.colon", lang) + s["note"],
                    ]
                )
                for s in entries["statuses"]
            ],
        ),
        html.H3(t("network.legend.relations", lang)),
        html.Ul(
            className="legend-list",
            children=[
                html.Li(
                    [
                        html.Span(
                            className="line-swatch" + (" arrow" if r["arrow"] else ""),
                            style={"color": r["color"]},
                        ),
                        r["label"],
                    ]
                )
                for r in entries["relations"]
            ],
        ),
        html.P(entries["size"], className="legend-size"),
    ]


def _pick(sid: str, name: str, status: str | None = None) -> html.Button:
    return html.Button(
        name,
        id={"type": ids.NET_PICK, "id": sid},
        className=f"link-button status-{status}" if status else "link-button",
        n_clicks=0,
    )


def render_detail(state: ViewState, shown=None) -> list:
    """The detail panel of the selected structure (or how to get one)."""
    lang = state.lang
    eco = context.current().ecosystem
    if not state.selected or eco is None:
        return [html.P(t("detail.empty", lang), className="detail-empty")]
    try:
        detail = structure_detail(eco, state.selected, lang)
    except KeyError:
        return [html.P(t("detail.unknown", lang).format(id=state.selected))]
    children: list = [
        html.Div(
            className="detail-head",
            children=[
                html.H2(detail["name"], id=ids.NET_DETAIL_TITLE, tabIndex="-1"),
                html.Button(
                    "×",
                    id={"type": ids.NET_PICK, "id": ""},
                    className="detail-close",
                    title=t("detail.close", lang),
                    n_clicks=0,
                    **{"aria-label": t("detail.close", lang)},
                ),
            ],
        )
    ]
    if shown is not None and state.selected not in shown:
        children.append(html.P(t("detail.hidden", lang), className="notice"))
    rows: list = []
    for name, text in detail["fields"]:
        rows += [html.Dt(name), html.Dd(text)]
    rows += [
        html.Dt(t("detail.territory", lang)),
        html.Dd(
            detail["territory"]["level"]
            + t("punct.colon", lang)
            + ", ".join(detail["territory"]["places"])
        ),
    ]
    if detail["website"]:
        rows += [
            html.Dt(t("detail.website", lang)),
            html.Dd(
                html.A(
                    detail["website"],
                    href=detail["website"],
                    target="_blank",
                    rel="noopener noreferrer",
                )
            ),
        ]
    if detail["carrier"]:
        carrier = detail["carrier"]
        rows += [html.Dt(t("detail.carrier", lang)), html.Dd(_pick(carrier["id"], carrier["name"]))]
    children.append(html.Dl(rows, className="detail-fields"))
    if detail["description"]:
        children += [
            html.H3(t("detail.description", lang)),
            html.P(detail["description"], className="detail-description"),
        ]
    children.append(html.H3(t("detail.sources", lang)))
    if detail["sources"]:
        children.append(
            html.Ul(
                className="detail-sources",
                children=[
                    html.Li(html.A(url, href=url, target="_blank", rel="noopener noreferrer"))
                    for url in detail["sources"]
                ],
            )
        )
    else:
        children.append(html.P(t("detail.none", lang)))
    children.append(html.H3(t("detail.links", lang)))
    if not detail["links"]:
        children.append(html.P(t("detail.no_links", lang)))
    for group in detail["links"]:
        children.append(
            html.Div(
                className=f"detail-links rel-{group['relation']}",
                children=[
                    html.H4(f"{group['heading']} ({len(group['items'])})"),
                    html.Ul(
                        [
                            html.Li(_pick(item["id"], item["name"], item["status"]))
                            for item in group["items"]
                        ]
                    ),
                ],
            )
        )
    return children


def _options(enum_cls, lang: str) -> list[dict[str, str]]:
    return enum_choices(enum_cls, lang)


def layout(state: ViewState | None, lang: str = DEFAULT_LANGUAGE) -> html.Div:
    """The Réseau page for ``state``; ``None`` gives the light skeleton (no data)."""
    skeleton = state is None
    state = ViewState(lang=lang) if state is None else _sanitize(state)
    ctx = None if skeleton else context.current()
    eco = ctx.ecosystem if ctx else None
    if eco is not None:
        shown, focus_hidden = _view(state)
        elements = _elements(state, shown)
        stylesheet = _stylesheet(state, shown)
        count = _count(state, shown)
        detail = render_detail(state, shown)
        layout_option = _layout_option(state, shown, len(elements))
        limits = _limits(state, shown)
        searchable = ctx.cached("search_options", lambda: search_options(eco))
        regions = territory_options(eco.territories, "region", lang)
        departements = _departement_options(state, lang)
        message = None
    else:
        elements, stylesheet, count, detail = [], network_stylesheet(), "", []
        layout_option, limits = cytoscape_layout(state.layout), ""
        searchable, regions, departements, focus_hidden = [], [], [], False
        message = ctx.error if ctx else None

    def value(field: str) -> Any:
        return _control_value(state, field)

    def checklist(control_id: str, enum_cls, field: str) -> dcc.Checklist:
        return dcc.Checklist(
            id=control_id,
            options=[
                {"label": o["label"][:1].upper() + o["label"][1:], "value": o["value"]}
                for o in _options(enum_cls, lang)
            ],
            value=value(field),
            className="choice-list",
        )

    def radios(control_id: str, options: list[dict[str, Any]], field: str) -> dcc.RadioItems:
        return dcc.RadioItems(
            id=control_id, options=options, value=value(field), className="choice-list"
        )

    filters = html.Details(
        id=ids.NET_FILTERS,
        className="panel",
        open=True,
        children=[
            html.Summary(t("filters.heading", lang)),
            filter_dropdown(
                t("filters.region", lang), ids.NET_REGION, regions, value("region"), lang
            ),
            filter_dropdown(
                t("filters.departement", lang),
                ids.NET_DEPARTEMENT,
                departements,
                value("departement"),
                lang,
            ),
            _epci_filter(state, lang),
            labelled(
                t("filters.kind", lang),
                checklist(ids.NET_KINDS, Kind, "kinds"),
                ids.NET_KINDS,
                group=True,
            ),
            filter_dropdown(
                t("filters.dispositif", lang),
                ids.NET_DISPOSITIFS,
                _options(Dispositif, lang),
                value("dispositifs"),
                lang,
                multi=True,
            ),
            labelled(
                t("filters.stage", lang),
                checklist(ids.NET_STAGES, Stage, "stages"),
                ids.NET_STAGES,
                group=True,
            ),
            filter_dropdown(
                t("filters.theme", lang),
                ids.NET_THEMES,
                _options(Theme, lang),
                value("themes"),
                lang,
                multi=True,
            ),
            labelled(
                t("filters.status", lang),
                checklist(ids.NET_STATUSES, Status, "statuses"),
                ids.NET_STATUSES,
                group=True,
            ),
            labelled(
                t("filters.relation", lang),
                checklist(ids.NET_RELATIONS, Relation, "relations"),
                ids.NET_RELATIONS,
                group=True,
            ),
            labelled(
                t("filters.confidence", lang),
                radios(
                    ids.NET_CONFIDENCE,
                    [
                        {"label": t(f"filters.confidence.{key}", lang), "value": value_}
                        for key, value_ in (
                            ("any", ANY_CONFIDENCE),
                            ("medium", "medium"),
                            ("high", "high"),
                        )
                    ],
                    "min_confidence",
                ),
                ids.NET_CONFIDENCE,
                group=True,
            ),
            html.Button(t("filters.reset", lang), id=ids.NET_RESET, className="button", n_clicks=0),
        ],
    )
    display = html.Details(
        className="panel",
        open=True,
        children=[
            html.Summary(t("network.view.heading", lang)),
            labelled(
                t("network.layout.label", lang),
                radios(
                    ids.NET_LAYOUT,
                    [
                        {"label": t(f"network.layout.{name}", lang), "value": name}
                        for name in NETWORK_LAYOUTS
                    ],
                    "layout",
                ),
                ids.NET_LAYOUT,
                group=True,
            ),
            labelled(
                t("network.metric.label", lang),
                radios(
                    ids.NET_METRIC,
                    [
                        {"label": t(f"network.metric.{name}", lang), "value": name}
                        for name in METRICS
                    ],
                    "metric",
                ),
                ids.NET_METRIC,
                group=True,
            ),
            labelled(
                t("network.focus.label", lang),
                radios(
                    ids.NET_FOCUS,
                    [
                        {"label": t(f"network.focus.{radius}", lang), "value": radius}
                        for radius in FOCUS_RADII
                    ],
                    "focus",
                ),
                ids.NET_FOCUS,
                group=True,
            ),
        ],
    )
    legend_panel = html.Details(
        className="panel legend",
        open=True,
        children=[
            html.Summary(t("network.legend.heading", lang)),
            html.Div(id=ids.NET_LEGEND, children=render_legend(lang, state.metric)),
        ],
    )
    graph = html.Section(
        className="reseau-graph",
        children=[
            html.Div(
                id=HEAD,
                children=[
                    html.Div(
                        className="graph-toolbar",
                        children=[
                            html.H2(t("network.heading", lang)),
                            html.Div(
                                className="search",
                                children=[
                                    html.Label(
                                        t("network.search.label", lang),
                                        htmlFor=ids.NET_SEARCH,
                                        className="field-label",
                                    ),
                                    dcc.Dropdown(
                                        labels=dropdown_labels(lang),
                                        id=ids.NET_SEARCH,
                                        options=searchable,
                                        value=state.selected,
                                        placeholder=t("network.search.placeholder", lang),
                                        clearable=True,
                                        searchable=True,
                                    ),
                                ],
                            ),
                            html.P(
                                count,
                                id=ids.NET_COUNT,
                                className="graph-count",
                                role="status",
                                **{"aria-live": "polite"},
                            ),
                        ],
                    ),
                    html.P(message or "", className="map-message", hidden=message is None),
                    html.P(
                        t("network.focus.hidden", lang),
                        id=ids.NET_NOTICE,
                        className="notice",
                        hidden=not focus_hidden,
                    ),
                    html.P(limits, id=LIMITS, className="notice", hidden=not limits),
                ],
            ),
            html.Div(
                id=FRAME,
                className="graph-frame",
                role="region",
                children=[
                    cyto.Cytoscape(
                        id=ids.NET_GRAPH,
                        elements=elements,
                        stylesheet=stylesheet,
                        layout=layout_option,
                        className="network-graph",
                        style={"width": "100%", "height": "100%"},
                        minZoom=0.05,
                        maxZoom=4,
                        boxSelectionEnabled=False,
                        autoungrabify=False,
                        clearOnUnhover=True,
                        responsive=True,
                    ),
                    html.Div(id=ids.NET_HOVER, className="hover-box", **{"aria-hidden": "true"}),
                ],
                **{"aria-label": t("network.graph.label", lang)},
            ),
        ],
    )
    return html.Div(
        className="reseau",
        children=[
            dcc.Location(id=ids.NET_URL, refresh="callback-nav", search=to_search(state)),
            dcc.Store(id=ids.NET_LANG, data=lang),
            dcc.Store(id=ids.NET_SINK, data=None),
            graph,
            html.Div(
                id=SIDE,
                className="reseau-side",
                children=[
                    html.Aside(
                        id=ids.NET_DETAIL,
                        className="reseau-detail",
                        children=detail,
                        **{"aria-live": "polite", "aria-label": t("detail.heading", lang)},
                    ),
                    legend_panel,
                ],
            ),
            html.Aside(
                id=CONTROLS_PANEL,
                className="reseau-controls",
                children=[display, exports.panel(lang), filters],
            ),
        ],
    )


def _departement_options(state: ViewState, lang: str) -> list[dict[str, str]]:
    eco = context.current().ecosystem
    within = ("region", state.region) if state.region else None
    return territory_options(eco.territories, "departement", lang, within=within)


# --------------------------------------------------------------------------------------
def _epci_name(state: ViewState, lang: str) -> str:
    """The EPCI filter in words (name and département), empty without one."""
    if not state.epci:
        return ""
    eco = context.current().ecosystem
    try:
        return eco.territories[("epci", state.epci)].name
    except (AttributeError, KeyError, TerritoryError):  # no data, or an unknown code
        return state.epci


def _epci_filter(state: ViewState | None, lang: str) -> html.Div:
    """The EPCI chosen on the map, as a chip that removes it (hidden without one)."""
    return html.Div(
        id=ids.NET_EPCI,
        className="filter-chips",
        hidden=not (state and state.epci),
        children=html.Button(
            id=ids.NET_EPCI_CLEAR,
            className="filter-chip",
            title=t("filters.epci.clear", lang),
            children=[
                html.Span(t("filters.epci", lang) + t("punct.colon", lang)),
                html.Strong(_epci_name(state, lang) if state else "", id=ids.NET_EPCI_NAME),
                html.Span("×", className="chip-x", **{"aria-hidden": "true"}),
            ],
        ),
    )


# --------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------


def register_callbacks(app: dash.Dash) -> None:
    """Attach the Réseau page's callbacks to ``app``."""
    exports.register_callbacks(app)  # the export panel (CSV, XLSX, HTML, PNG)
    control_outputs = [Output(cid, "value") for cid, _ in CONTROLS]

    @app.callback(
        Output(ids.NET_URL, "search"),
        *control_outputs,
        Output(ids.NET_SEARCH, "value"),
        Output(ids.NET_DEPARTEMENT, "options"),
        Output(ids.NET_GRAPH, "elements"),
        Output(ids.NET_GRAPH, "layout"),
        Output(ids.NET_GRAPH, "stylesheet"),
        Output(ids.NET_COUNT, "children"),
        Output(ids.NET_NOTICE, "hidden"),
        Output(LIMITS, "children"),
        Output(LIMITS, "hidden"),
        Output(ids.NET_DETAIL, "children"),
        Output(ids.NET_LEGEND, "children"),
        Output(ids.NET_EPCI, "hidden"),
        Output(ids.NET_EPCI_NAME, "children"),
        Input(ids.NET_URL, "search"),
        *[Input(cid, "value") for cid, _ in CONTROLS],
        Input(ids.NET_SEARCH, "value"),
        Input(ids.NET_GRAPH, "tapNodeData"),
        Input({"type": ids.NET_PICK, "id": ALL}, "n_clicks"),
        Input(ids.NET_RESET, "n_clicks"),
        Input(ids.NET_EPCI_CLEAR, "n_clicks"),
        State(ids.NET_URL, "pathname"),
        State(ids.NET_LANG, "data"),
        prevent_initial_call=True,  # the layout already holds the first view
    )
    def update(search: str | None, *args: Any):
        n = len(CONTROLS)
        values = list(args[:n])
        searched, tapped, _picks, _reset, _clear_epci, pathname, page_lang = args[n:]
        before = parse_url(PAGE, search)
        # Another page or another language: the shell renders a new page instead.
        if page_from_path(app.strip_relative_path(pathname or "/") or "") != PAGE:
            raise PreventUpdate
        if before.lang != page_lang:
            raise PreventUpdate
        if context.current().ecosystem is None:
            raise PreventUpdate  # the page says why there is no network
        trigger = dash.ctx.triggered_id
        from_url = trigger == ids.NET_URL
        if from_url:
            state = _sanitize(before)
        else:
            state = _state_from_controls(before, values)
            if trigger == ids.NET_REGION and state.departement:
                state = replace(state, departement=None)
            elif trigger == ids.NET_SEARCH:
                state = replace(state, selected=searched or None)
            elif trigger == ids.NET_GRAPH:
                sid = (tapped or {}).get("id")
                if not sid or sid.startswith("board:"):
                    raise PreventUpdate
                state = replace(state, selected=sid)
            elif isinstance(trigger, dict):  # a structure named in the detail panel
                if not dash.ctx.triggered[0]["value"]:
                    raise PreventUpdate  # a button appearing, not a click
                state = replace(state, selected=trigger["id"] or None)
            elif trigger == ids.NET_RESET:
                state = state.without_filters()
            elif trigger == ids.NET_EPCI_CLEAR:
                state = replace(state, epci=None)
            state = _sanitize(state)

        redraw = from_url or _view_key(state) != _view_key(before)
        shown, focus_hidden = _view(state)
        elements = _elements(state, shown) if redraw else []
        limits = _limits(state, shown) if redraw else ""
        new_search = to_search(state)
        set_controls = from_url or trigger in (ids.NET_RESET, ids.NET_REGION)
        controls = [
            _control_value(state, field) if set_controls else no_update for _, field in CONTROLS
        ]
        if trigger == ids.NET_REGION and before.departement and not state.departement:
            controls[1] = None
        return (
            no_update if from_url or new_search == (search or "") else new_search,
            *controls,
            state.selected if trigger != ids.NET_SEARCH else no_update,
            _departement_options(state, state.lang)
            if from_url or trigger == ids.NET_REGION or trigger == ids.NET_RESET
            else no_update,
            elements if redraw else no_update,
            _layout_option(state, shown, len(elements)) if redraw else no_update,
            # A new stylesheet restyles every element (seconds at 5,000): only when the
            # selection or, with one, the view changes.
            _stylesheet(state, shown)
            if from_url or state.selected != before.selected or (state.selected and redraw)
            else no_update,
            _count(state, shown) if redraw else no_update,
            not focus_hidden,
            limits if redraw else no_update,
            not limits if redraw else no_update,
            render_detail(state, shown),
            render_legend(state.lang, state.metric)
            if from_url or state.metric != before.metric
            else no_update,
            not state.epci,
            _epci_name(state, state.lang),
        )

    @app.callback(
        Output(HEAD, "children"),
        Output(FRAME, "aria-label"),
        Output(SIDE, "children"),
        Output(CONTROLS_PANEL, "children"),
        Output(ids.NET_LANG, "data"),
        Output(ids.NET_GRAPH, "elements", allow_duplicate=True),
        Input(ids.NET_URL, "search"),
        State(ids.NET_URL, "pathname"),
        State(ids.NET_LANG, "data"),
        prevent_initial_call=True,
    )
    def switch_language(search: str | None, pathname: str | None, page_lang: str | None):
        """The language changed in the URL: render everything around the graph again in
        that language, and resend the elements (tooltips, board labels); the graph stays."""
        if page_from_path(app.strip_relative_path(pathname or "/") or "") != PAGE:
            raise PreventUpdate
        state = parse_url(PAGE, search)
        if state.lang == page_lang:
            raise PreventUpdate  # a change within the page: :func:`update` follows it
        page = layout(state, state.lang)
        _location, _lang, _sink, graph, side, controls = page.children
        head, frame = graph.children
        elements = frame.children[0].elements
        return (
            head.children,
            getattr(frame, "aria-label"),
            side.children,
            controls.children,
            state.lang,
            elements if elements else no_update,
        )

    # The hovered structure (name, kind, dispositifs, stages) or link, as text.
    clientside_callback(
        ClientsideFunction("fresque", "hoverText"),
        Output(ids.NET_HOVER, "children"),
        Input(ids.NET_GRAPH, "mouseoverNodeData"),
        Input(ids.NET_GRAPH, "mouseoverEdgeData"),
        State(ids.NET_GRAPH, "id"),
        prevent_initial_call=True,
    )

    # On narrow screens the filters start folded (below the graph); a pasted link with
    # a selection shows it.
    clientside_callback(
        ClientsideFunction("fresque", "pageOpened"),
        Output(ids.NET_FILTERS, "open"),
        Input(ids.NET_FILTERS, "id"),
        State(ids.NET_GRAPH, "id"),
        State(ids.NET_SEARCH, "value"),
    )

    # Keyboard focus and view follow the selection (see assets/fresque.js).
    clientside_callback(
        ClientsideFunction("fresque", "detailShown"),
        Output(ids.NET_SINK, "data"),
        Input(ids.NET_DETAIL, "children"),
        State(ids.NET_SEARCH, "value"),
        State(ids.NET_GRAPH, "tapNodeData"),
        State(ids.NET_DETAIL, "id"),
        State(ids.NET_GRAPH, "id"),
        prevent_initial_call=True,
    )
