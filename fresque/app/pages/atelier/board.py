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
    request_token,
    service,
)
from fresque.app.pages.atelier.ids import (
    B_COUNT,
    B_GRAPH,
    B_MAP,
    B_MAP_SHOWN,
    B_RECENT,
    B_TICK,
    B_VERSION,
    LANG,
    URL,
)
from fresque.app.pages.atelier.live import SCREEN_POLL_MS
from fresque.app.pages.atelier.pieces import _workshop_head
from fresque.app.payload import fingerprint, plain_outputs
from fresque.coverage import stages_offered_from_structures
from fresque.i18n import t, t_count
from fresque.views.board import BoardDrawing
from fresque.views.network import cytoscape_layout, network_stylesheet
from fresque.views.workshop import (
    arrived,
    board_map_figure,
    event_rows,
    format_code,
    join_url,
    just_added,
    just_added_style,
    mark_just_added,
    qr_svg_data_uri,
)

#: The feed shows the latest structure changes among the workshop's last this many events.
FEED_EVENTS = 60


def _board_parts(token: str | None, lang: str) -> tuple[list, list, str]:
    """Elements (just-added marked), what just arrived, the count."""
    if token is None:
        return [], [], ""
    svc = service()
    ws = svc.workshop(token)
    records = svc.current_records(token, revealed_only=True)
    # What has arrived follows undo and moderation (not others' pending edits under
    # pre-moderation, whatever the token may see).
    recent = just_added(arrived(svc.recent_events(token, 300), ws.moderation), _now())
    changes = svc.changes_since(token, max(0, ws.version - FEED_EVENTS))
    cache = context.current()
    # One drawing per workshop and language, kept from one version to the next: it
    # redraws only the cards that changed.
    drawing = cache.cached(("atelier-drawing", ws.id, lang), lambda: BoardDrawing(lang))
    elements = cache.cached(
        ("atelier-board", ws.id, ws.version, lang),
        lambda: drawing.elements(records.structures, records.links),
        maxsize=16,
    )
    elements = mark_just_added(elements, recent)
    feed = [
        html.Li([html.Time(r["time"]), " ", html.Strong(r["author"]), " ", r["summary"]])
        for r in event_rows(
            [
                e
                for e in arrived(changes.events, ws.moderation)
                if e.kind in ("add_structure", "edit_structure", "add_link", "merge")
            ],
            limit=8,
        )
    ]
    count = t("network.count", lang).format(
        structures=t_count("count.structures", len(records.structures), lang),
        links=t_count("count.links", len(records.links), lang),
    )
    return elements, feed, count


def _board_map(token: str | None, lang: str) -> tuple[dict[str, str], Any]:
    """The coverage map of the board, and what identifies it: ``frame`` (its
    départements and language) and ``values`` (the stages offered in each), worked out
    once per workshop version."""
    if token is None:
        return {}, {}
    svc = service()
    ws = svc.workshop(token)
    cache = context.current()
    try:
        offered = cache.cached(
            ("atelier-stages", ws.id, ws.version),
            lambda: stages_offered_from_structures(
                svc.current_records(token, revealed_only=True).structures,
                svc.territories,
                region=ws.region,
            ).to_dict(),
            maxsize=8,
        )
        figure = board_map_figure(offered, ws.region, lang)
    except (FileNotFoundError, KeyError, ValueError):
        return {}, {}
    key = {
        "frame": fingerprint((lang, ws.region, sorted(offered))),
        "values": fingerprint(sorted(offered.items())),
    }
    return key, figure


def _map_update(key: dict[str, str], figure: Any, shown: Any) -> tuple[Any, Any]:
    """What the board's map needs, from what it shows (``shown``, the key it was sent
    with): nothing when the values are the same (most changes leave every count as it
    was), the new values alone when only they changed (a few KB instead of the whole
    map's 400 KB), else the whole figure; and the key to keep."""
    if not key or key == shown:
        return no_update, no_update
    if isinstance(shown, dict) and shown.get("frame") == key["frame"]:
        patch = dash.Patch()
        trace = patch["data"][0]
        trace["z"] = figure["data"][0]["z"]
        trace["customdata"] = figure["data"][0]["customdata"]
        return patch, key
    return figure, key


def board_view(token: str | None, lang: str, ws=None, *, show_code: bool = True) -> html.Div:
    """The projector: the Fresque board, the coverage map, what just arrived, and, unless
    ``show_code`` is false (a read-only link: it does not invite), the code to join."""
    from fresque.views.maps import map_graph_config

    elements, feed, count = _board_parts(token, lang)
    shown, figure = _board_map(token, lang)
    join = None
    if ws is not None and show_code:
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
    head = _workshop_head(ws, lang, show_code=show_code) if ws is not None else None
    asset_url = (
        context.asset_url("topojson/") if flask.has_request_context() else "/assets/topojson/"
    )
    return html.Div(
        className="atelier-board",
        children=[
            dcc.Interval(id=B_TICK, interval=SCREEN_POLL_MS),
            dcc.Store(id=B_VERSION, data=[ws.version, 0] if ws is not None else [0, 0]),
            dcc.Store(id=B_MAP_SHOWN, data=shown),
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

    # One callback for the whole board: a redraw builds the workshop's ecosystem once,
    # in one process, instead of once per callback in whichever process takes each.
    @app.callback(
        Output(B_GRAPH, "elements"),
        Output(B_GRAPH, "layout"),
        Output(B_RECENT, "children"),
        Output(B_COUNT, "children"),
        Output(B_MAP, "figure"),
        Output(B_MAP_SHOWN, "data"),
        Input(B_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        State(B_MAP_SHOWN, "data"),
        prevent_initial_call=True,
    )
    def board_live(version, search, lang, shown):
        token = request_token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            elements, feed, count = _board_parts(token, lang)
            key, figure = _board_map(token, lang)
        figure, key = _map_update(key, figure, shown)
        return plain_outputs((elements, no_update, feed, count, figure, key), no_update)
