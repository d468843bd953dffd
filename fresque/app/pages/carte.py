"""Carte: France by région or département (for now, the population map).

The map figure is built once per level and language (:class:`MapFigures`) and travels in
the page layout; changing the level swaps the figure and writes the level into the URL.
"""

from __future__ import annotations

import threading

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app import context, ids
from fresque.app.state import ViewState, page_from_path, parse_url, replace, to_search
from fresque.i18n import DEFAULT_LANGUAGE, t
from fresque.views.maps import map_graph_config, population_map

PAGE = "carte"

#: Levels offered by the selector, and the one shown first.
MAP_LEVELS = ("regions", "departements")
DEFAULT_MAP_LEVEL = "departements"


class MapFigures:
    """The population maps, built once per app, level and language.

    Building a map (insets, framing) takes a few tenths of a second: every page load and
    level change reuses it. Figures are never modified after they are built.
    """

    def __init__(self) -> None:
        self._figures: dict[tuple[str, str], go.Figure] = {}
        self._lock = threading.Lock()

    def get(self, level: str, lang: str = DEFAULT_LANGUAGE) -> tuple[go.Figure | dict, str | None]:
        """Return ``(figure, message)``: the population map, or an empty figure and why.

        The reference geography may not be built yet; the page then says how to build it
        instead of failing (and the map appears once it is built).
        """
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


def _level(state: ViewState) -> str:
    return state.level if state.level in MAP_LEVELS else DEFAULT_MAP_LEVEL


def layout(state: ViewState | None, lang: str = DEFAULT_LANGUAGE) -> html.Section:
    """The Carte page for ``state``; ``None`` gives the light skeleton callbacks are
    validated against (no figure)."""
    level = _level(state) if state else DEFAULT_MAP_LEVEL
    if state is None:
        figure, message = {}, None
    else:
        figure, message = context.current().maps.get(level, lang)
    return html.Section(
        className="map-panel",
        children=[
            dcc.Location(
                id=ids.MAP_URL, refresh="callback-nav", search=to_search(state or ViewState())
            ),
            dcc.Store(id=ids.MAP_LANG, data=lang),
            html.Div(
                className="map-toolbar",
                children=[
                    html.H2(t("map.heading", lang)),
                    html.Label(
                        t("map.level.label", lang),
                        htmlFor=ids.MAP_LEVEL,
                        className="toolbar-label",
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
            ),
            html.P(
                message or "",
                id=ids.MAP_MESSAGE,
                className="map-message",
                hidden=message is None,
            ),
            html.Div(
                className="map-frame",
                children=dcc.Graph(
                    id=ids.MAP_GRAPH,
                    figure=figure,
                    config=map_graph_config(context.asset_url("topojson/")),
                    className="map-graph",
                    responsive=True,
                ),
            ),
            html.P(t("map.insets_note", lang), className="map-note"),
        ],
    )


def register_callbacks(app: dash.Dash) -> None:
    """Attach the Carte page's callbacks to ``app``."""

    @app.callback(
        Output(ids.MAP_GRAPH, "figure"),
        Output(ids.MAP_MESSAGE, "children"),
        Output(ids.MAP_MESSAGE, "hidden"),
        Output(ids.MAP_URL, "search"),
        Output(ids.MAP_LEVEL, "value"),
        Input(ids.MAP_LEVEL, "value"),
        Input(ids.MAP_URL, "search"),
        State(ids.MAP_URL, "pathname"),
        State(ids.MAP_LANG, "data"),
        prevent_initial_call=True,  # the layout already holds the first map
    )
    def update_map(level: str, search: str | None, pathname: str | None, lang: str):
        state = parse_url(PAGE, search)
        # Another page or another language: the shell renders a new page instead.
        if page_from_path(app.strip_relative_path(pathname or "/") or "") != PAGE:
            raise PreventUpdate
        if state.lang != lang:
            raise PreventUpdate
        from_url = dash.ctx.triggered_id == ids.MAP_URL
        if from_url:
            level = _level(state)
        elif level not in MAP_LEVELS:
            raise PreventUpdate
        figure, message = context.current().maps.get(level, state.lang)
        new_search = to_search(replace(state, level=level))
        return (
            figure,
            message or "",
            message is None,
            no_update if from_url or new_search == (search or "") else new_search,
            level if from_url else no_update,
        )
