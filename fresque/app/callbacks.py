"""Callbacks: read the controls, call the view builders, return what to render."""

from __future__ import annotations

import dash
from dash import Input, Output
from dash.exceptions import PreventUpdate

from fresque.app import ids
from fresque.app.layout import MAP_LEVELS, MapFigures


def register_callbacks(app: dash.Dash, maps: MapFigures) -> None:
    """Attach the page's callbacks to ``app`` (``maps`` holds its built figures)."""

    @app.callback(
        Output(ids.MAP_GRAPH, "figure"),
        Output(ids.MAP_MESSAGE, "children"),
        Output(ids.MAP_MESSAGE, "hidden"),
        Input(ids.MAP_LEVEL, "value"),
        prevent_initial_call=True,  # the layout already holds the first map
    )
    def update_map(level: str):
        if level not in MAP_LEVELS:
            raise PreventUpdate
        figure, message = maps.get(level)
        return figure, message or "", message is None
