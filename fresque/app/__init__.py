"""The Dash app: a shell (header, navigation, language) around the pages.

Pages live in :mod:`fresque.app.pages` (Réseau, Carte), each with ``layout(state, lang)``
and ``register_callbacks(app)``; the view state travels in the URL
(:mod:`fresque.app.state`). Callbacks only translate interface events into calls of the
core (:class:`~fresque.ecosystem.Ecosystem`) and of the builders in :mod:`fresque.views`.

Everything is served by the app itself (Dash's JavaScript, dash-cytoscape, the CSS,
plotly.js and its topojson stub): the app works offline. Maps draw with plotly.js's geo
bundle (``assets/vendor/plotly-geo.min.js``, a third of the full bundle), which
``dcc.Graph`` loads on the pages that have a graph.

Examples
--------
>>> from fresque.app import create_app
>>> app = create_app()
>>> app.title
'Fresque de l’accompagnement de l’ESS'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import dash
from dash import dcc
from dash.exceptions import DependencyException

from fresque.app import context, shell
from fresque.app.compress import install_gzip
from fresque.app.origin import install_origin_check
from fresque.app.pages import PAGE_MODULES
from fresque.app.pages.atelier.saving import RENDERER_HOOKS
from fresque.i18n import DEFAULT_LANGUAGE, t

if TYPE_CHECKING:
    from fresque.ecosystem import Ecosystem

ASSETS_DIR = Path(__file__).resolve().parent / "assets"

#: Folder of ``ASSETS_DIR`` holding third-party files loaded on demand, never on every
#: page (see its README: source, version, licence, how to update).
VENDOR_FOLDER = "vendor"

#: The plotly.js bundle every ``dcc.Graph`` of the app loads, relative to ``ASSETS_DIR``:
#: the geo partial bundle (choropleth, scattergeo, scatter), which draws every figure of
#: :mod:`fresque.views` at a third of the full bundle's weight.
PLOTLY_BUNDLE = f"{VENDOR_FOLDER}/plotly-geo.min.js"


def create_app(
    ecosystem: Ecosystem | None = None, *, compress: bool = True, warm_up: bool = True
) -> dash.Dash:
    """Build the Fresque Dash app.

    Parameters
    ----------
    ecosystem : Ecosystem, optional
        What the app shows; by default the curated dataset, read once per process on
        first use (tests pass their own).
    compress : bool
        Gzip responses for browsers that accept it.
    warm_up : bool
        With the default dataset, start reading it (and its network metrics) in the
        background once the first response has gone out, so that the first page with
        data does not wait for it; the app starts serving without waiting for the data.

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
        # Vendored bundles are loaded where needed (plotly.js by dcc.Graph), not by
        # every page.
        assets_path_ignore=[f"^{VENDOR_FOLDER}$"],
        serve_locally=True,
        external_scripts=[],
        external_stylesheets=[],
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        hooks=RENDERER_HOOKS,
    )
    app.index_string = app.index_string.replace("<html>", f'<html lang="{DEFAULT_LANGUAGE}">', 1)
    serialize_setup(app)
    use_plotly_bundle(app, PLOTLY_BUNDLE)
    # Every state-changing request (Dash's callbacks among them) comes from this site.
    install_origin_check(app.server)
    app_context = context.AppContext(ecosystem, get_asset_url=app.get_asset_url)
    context.install(app.server, app_context)
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
    if warm_up and ecosystem is None:
        context.warm_up_after_first_response(app.server, app_context)
    return app


def use_plotly_bundle(app: dash.Dash, asset: str) -> None:
    """Make every ``dcc.Graph`` of ``app`` load plotly.js from ``asset``.

    Parameters
    ----------
    app : dash.Dash
        The app, before its first request.
    asset : str
        Path of the plotly.js bundle under the app's assets folder.

    Notes
    -----
    ``dcc.Graph`` loads plotly.js on demand, from ``window.Plotly`` if a script already
    defined it, else from the URL in ``window._dashPlotlyJSURL``, which Dash's renderer
    sets to plotly's full bundle (``_dash-component-suites/plotly/…/plotly.min.js``)
    when it mounts. A script in the page, before Dash's, pins that URL to ``asset``
    (its modification time in the query string, as Dash does for its assets, so that a
    new bundle is not taken from the browser's cache); pages without a graph load no
    plotly.js at all. Dash also declares the full bundle among dcc's resources (once per
    app created, in a list shared by the process): it is removed, so the app no longer
    serves it (a request for it gets an error, not 4.8 MB).
    """
    path = Path(app.config.assets_folder) / asset
    url = f"{app.get_asset_url(asset)}?m={path.stat().st_mtime:.0f}"
    # json.dumps quotes the URL for JavaScript; "</" could close the script element.
    quoted = json.dumps(url).replace("</", "<\\/")
    script = (
        "<script>Object.defineProperty(window, '_dashPlotlyJSURL', "
        f"{{get: function () {{ return {quoted}; }}, set: function () {{}}}});</script>"
    )
    app.index_string = app.index_string.replace("{%scripts%}", script + "{%scripts%}", 1)
    # dcc._js_dist is the (shared) list of dcc's scripts; Dash appends plotly's to it.
    dcc._js_dist[:] = [
        resource for resource in dcc._js_dist if resource.get("namespace") != "plotly"
    ]
    # Dash answers a script it does not serve with a 500 and a traceback in the log.
    app.server.register_error_handler(DependencyException, _unknown_script)


def serialize_setup(app: dash.Dash) -> None:
    """Make every request of ``app`` wait until Dash's first-request setup is done.

    Parameters
    ----------
    app : dash.Dash
        The app, before its first request.

    Notes
    -----
    Dash prepares a process on its first request (``Dash._setup_server``, run before
    each request): it registers, among other things, the scripts that
    ``/_dash-component-suites`` serves. It marks itself done before doing that work, so
    a request served meanwhile by another thread skipped the setup and found no script
    registered: a 404 for the polyfill and React, then « regeneratorRuntime is not
    defined » in the browser. A gunicorn worker's threads meet this when a page's scripts
    are the first requests of that worker (the page came from another worker). Here the
    first request runs the setup under a lock, and the others wait for it to end.

    Raises
    ------
    RuntimeError
        When Dash no longer runs its setup as a ``before_request`` hook (a Dash upgrade
        to look at).

    Examples
    --------
    >>> app = create_app(warm_up=False)
    >>> app.server.test_client().get("/").status_code
    200
    """
    import threading

    hooks = app.server.before_request_funcs.setdefault(None, [])
    dash_setup = app._setup_server  # a new bound method, equal to the registered one
    if dash_setup not in hooks:
        raise RuntimeError("Dash’s _setup_server is not a before_request hook any more")
    lock = threading.Lock()
    done = threading.Event()

    def setup_server() -> None:
        if done.is_set():
            return
        with lock:
            if not done.is_set():
                try:
                    dash_setup()
                finally:  # Dash does not try again after a failure either
                    done.set()

    hooks[hooks.index(dash_setup)] = setup_server


def _unknown_script(error: DependencyException) -> tuple[str, int]:
    """A 404 for a script Dash does not serve (the full plotly bundle, among others)."""
    return f"Not found: {error}", 404


__all__ = ["create_app", "serialize_setup", "use_plotly_bundle"]
