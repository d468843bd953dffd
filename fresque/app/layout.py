"""The page: a header and the map of France by région or département."""

from __future__ import annotations

import threading

import dash
import plotly.graph_objects as go
from dash import dcc, html

from fresque.app import ids
from fresque.i18n import DEFAULT_LANGUAGE, t
from fresque.views.maps import map_graph_config, population_map

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


def serve_layout(app: dash.Dash, maps: MapFigures | None, lang: str = DEFAULT_LANGUAGE) -> html.Div:
    """Build the page (called by Dash on each page load).

    With ``maps=None`` the page comes without its map: the skeleton Dash validates the
    callbacks against (Dash embeds that one in every HTML page, so it must stay light).
    """
    figure, message = maps.get(DEFAULT_MAP_LEVEL, lang) if maps else ({}, None)
    return html.Div(
        className="fresque",
        children=[
            html.Header(
                className="fresque-header",
                children=[
                    html.H1(t("app.title", lang)),
                    html.P(t("app.subtitle", lang), className="subtitle"),
                ],
            ),
            html.Main(
                className="fresque-main",
                children=[
                    html.Section(
                        className="map-panel",
                        children=[
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
                                            {"label": t(f"map.level.{level}", lang), "value": level}
                                            for level in MAP_LEVELS
                                        ],
                                        value=DEFAULT_MAP_LEVEL,
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
                                    config=map_graph_config(app.get_asset_url("topojson/")),
                                    className="map-graph",
                                    responsive=True,
                                ),
                            ),
                            html.P(t("map.insets_note", lang), className="map-note"),
                        ],
                    )
                ],
            ),
        ],
    )
