"""The Dash app: layout and callbacks, thin over :mod:`fresque.views`.

Everything is served by the app itself (Dash's JavaScript, the CSS, plotly's topojson
stub): the page works offline.

Examples
--------
>>> from fresque.app import create_app
>>> app = create_app()
>>> app.title
'Fresque de l’accompagnement de l’ESS'
"""

from __future__ import annotations

from pathlib import Path

import dash

from fresque.app.callbacks import register_callbacks
from fresque.app.compress import install_gzip
from fresque.app.layout import MapFigures, serve_layout
from fresque.i18n import DEFAULT_LANGUAGE, t

ASSETS_DIR = Path(__file__).resolve().parent / "assets"


def create_app(*, compress: bool = True) -> dash.Dash:
    """Build the Fresque Dash app.

    Parameters
    ----------
    compress : bool
        Gzip responses for browsers that accept it.

    Returns
    -------
    dash.Dash
        The app; ``app.server`` is the Flask (WSGI) application.
    """
    app = dash.Dash(
        __name__,
        title=t("app.title"),
        update_title=None,
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        external_scripts=[],
        external_stylesheets=[],
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = app.index_string.replace("<html>", f'<html lang="{DEFAULT_LANGUAGE}">', 1)
    maps = MapFigures()
    # Dash embeds the validation layout in the HTML page: without this light skeleton it
    # would call the layout function and ship the whole map twice.
    app.validation_layout = serve_layout(app, None)
    app.layout = lambda: serve_layout(app, maps)
    register_callbacks(app, maps)
    if compress:
        install_gzip(app.server)
    return app


__all__ = ["create_app"]
