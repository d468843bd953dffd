"""The projector board: the Fresque network (just added marked), the coverage map,
what just arrived, and the code and QR code to join."""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto
import flask
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app import context
from fresque.app.pages.atelier.access import (
    _base_url,
    _now,
    _store_refusals_change_nothing,
    _token,
    service,
)
from fresque.app.pages.atelier.ids import (
    B_COUNT,
    B_GRAPH,
    B_MAP,
    B_RECENT,
    B_TICK,
    B_VERSION,
    LANG,
    URL,
)
from fresque.app.pages.atelier.live import POLL_MS
from fresque.app.pages.atelier.pieces import _workshop_head
from fresque.i18n import t
from fresque.model import Stage
from fresque.views.network import cytoscape_layout, network_elements, network_stylesheet
from fresque.views.workshop import (
    event_rows,
    format_code,
    join_url,
    just_added,
    just_added_style,
    mark_just_added,
    qr_svg_data_uri,
)


def _board_parts(token: str | None, lang: str) -> tuple[list, list, str]:
    """Elements (just-added marked), what just arrived, the count."""
    if token is None:
        return [], [], ""
    svc = service()
    ws = svc.workshop(token)
    eco = svc.current_ecosystem(token, revealed_only=True)
    changes = svc.changes_since(token, max(0, ws.version - 300))
    recent = just_added(changes.events, _now())
    elements = context.current().cached(
        ("atelier-board", ws.id, ws.version, lang),
        lambda: network_elements(eco, layout="board", lang=lang),
        maxsize=16,
    )
    elements = mark_just_added(elements, recent)
    feed = [
        html.Li([html.Time(r["time"]), " ", html.Strong(r["author"]), " ", r["summary"]])
        for r in event_rows(
            [
                e
                for e in changes.events
                if e.kind in ("add_structure", "edit_structure", "add_link", "merge")
            ],
            limit=8,
        )
    ]
    count = t("network.count", lang).format(structures=len(eco), links=len(eco.links))
    return elements, feed, count


def _board_map(token: str | None, lang: str) -> Any:
    """The coverage map of the board (cached by the workshop's version)."""
    if token is None:
        return {}
    svc = service()
    ws = svc.workshop(token)
    eco = svc.current_ecosystem(token, revealed_only=True)
    return context.current().cached(
        ("atelier-map", ws.id, ws.version, lang),
        lambda: _coverage_map(eco, ws.region, lang),
        maxsize=8,
    )


def _coverage_map(eco, region: str | None, lang: str):
    """Départements coloured by the number of stages of the chain they are offered
    (local offers; 0 to 6)."""
    try:
        import pandas as pd

        from fresque.coverage import compute_coverage
        from fresque.views.maps import choropleth_figure, map_geojson

        table = compute_coverage(eco).table(
            "departement", [("stage", s.value) for s in Stage], region
        )
        covered = table[table["status"].isin(["single", "covered", "overlap"])]
        values = covered.groupby("code")["key"].nunique()
        codes = table["code"].unique()
        values = pd.Series(values, dtype=float).reindex(codes).fillna(0)
        geojson = map_geojson("departements")
        if region:
            keep = set(codes)
            geojson = {
                **geojson,
                "features": [f for f in geojson["features"] if str(f["id"]) in keep],
                "insets": [],
            }
        figure = choropleth_figure(
            geojson,
            values,
            colorbar_title=t("atelier.board.map.colorbar", lang),
            value_label=t("atelier.board.map.value", lang),
            lang=lang,
        )
        figure.update_traces(colorbar={"dtick": 1}, zmin=0, zmax=len(Stage), selector=0)
        return figure
    except (FileNotFoundError, KeyError, ValueError):
        return {}


def board_view(token: str | None, lang: str, ws=None) -> html.Div:
    """The projector: the Fresque board, the coverage map, what just arrived, the code."""
    from fresque.views.maps import map_graph_config

    elements, feed, count = _board_parts(token, lang)
    figure = _board_map(token, lang)
    if ws is not None:
        url = join_url(_base_url(), ws.code)
        join = html.Div(
            className="atelier-join-box",
            children=[
                html.P(t("atelier.board.join", lang), className="join-label"),
                html.P(format_code(ws.code), className="join-code", id="atl-b-code"),
                html.Img(
                    src=qr_svg_data_uri(url, scale=6),
                    alt=t("atelier.board.qr_alt", lang) + " " + url,
                    className="join-qr",
                    id="atl-b-qr",
                ),
                html.P(url, className="join-url"),
            ],
        )
        head = _workshop_head(ws, lang)
    else:
        join, head = None, None
    asset_url = (
        context.asset_url("topojson/") if flask.has_request_context() else "/assets/topojson/"
    )
    return html.Div(
        className="atelier-board",
        children=[
            dcc.Interval(id=B_TICK, interval=POLL_MS),
            dcc.Store(id=B_VERSION, data=[ws.version, 0] if ws is not None else [0, 0]),
            html.Div(className="board-top", children=[head, html.P(count, id=B_COUNT)]),
            html.Div(
                className="board-main",
                children=[
                    html.Div(
                        className="graph-frame board-graph",
                        children=cyto.Cytoscape(
                            id=B_GRAPH,
                            elements=elements,
                            stylesheet=network_stylesheet() + just_added_style(),
                            layout=cytoscape_layout("board", len(elements)),
                            style={"width": "100%", "height": "100%"},
                            minZoom=0.05,
                            maxZoom=4,
                            responsive=True,
                        ),
                    ),
                    html.Aside(
                        className="board-side",
                        children=[
                            join,
                            html.H3(t("atelier.board.recent", lang)),
                            html.Ul(feed, id=B_RECENT, className="board-recent"),
                            html.H3(t("atelier.board.map", lang)),
                            dcc.Graph(
                                id=B_MAP,
                                figure=figure,
                                config=map_graph_config(asset_url),
                                className="board-map",
                            ),
                        ],
                    ),
                ],
            ),
        ],
    )


def register_callbacks(app: dash.Dash) -> None:
    """The board's live redraw (network, feed, count; the map)."""

    @app.callback(
        Output(B_GRAPH, "elements"),
        Output(B_GRAPH, "layout"),
        Output(B_RECENT, "children"),
        Output(B_COUNT, "children"),
        Input(B_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def board_live(version, search, lang):
        token = _token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            elements, feed, count = _board_parts(token, lang)
            return elements, no_update, feed, count

    @app.callback(
        Output(B_MAP, "figure"),
        Input(B_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def board_map(_version, search, lang):
        token = _token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            return _board_map(token, lang)
