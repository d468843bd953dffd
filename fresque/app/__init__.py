"""The Dash app: a shell (header, navigation, language) around the pages.

Pages live in :mod:`fresque.app.pages` (Réseau, Carte), each with ``layout(state, lang)``
and ``register_callbacks(app)``; the view state travels in the URL
(:mod:`fresque.app.state`). Callbacks only translate interface events into calls of the
core (:class:`~fresque.ecosystem.Ecosystem`) and of the builders in :mod:`fresque.views`.

Everything is served by the app itself (Dash's JavaScript, dash-cytoscape, the CSS,
plotly's topojson stub): the app works offline.

Examples
--------
>>> from fresque.app import create_app
>>> app = create_app()
>>> app.title
'Fresque de l’accompagnement de l’ESS'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import dash

from fresque.app import context, shell
from fresque.app.compress import install_gzip
from fresque.app.pages import PAGE_MODULES
from fresque.i18n import DEFAULT_LANGUAGE, t

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem

ASSETS_DIR = Path(__file__).resolve().parent / "assets"


def create_app(ecosystem: Ecosystem | None = None, *, compress: bool = True) -> dash.Dash:
    """Build the Fresque Dash app.

    Parameters
    ----------
    ecosystem : Ecosystem, optional
        What the app shows; by default the curated dataset, read once per process on
        first use (tests pass their own).
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
    context.install(app.server, context.AppContext(ecosystem, get_asset_url=app.get_asset_url))
    # Dash embeds the validation layout in the HTML page: it holds the light skeleton of
    # every page (no data), the pages themselves come from the routing callback.
    with app.server.app_context():
        app.validation_layout = shell.validation_layout(app)
    app.layout = shell.root_layout(app)
    shell.register_callbacks(app)
    for module in PAGE_MODULES.values():
        module.register_callbacks(app)
    if compress:
        install_gzip(app.server)
    return app


__all__ = ["create_app"]
