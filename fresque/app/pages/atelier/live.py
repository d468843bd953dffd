"""Live screens: every view polls the bare route :data:`VERSION_PATH` (a WSGI layer
ahead of Flask) from the browser every :data:`POLL_MS`, and moves its version store,
which re-renders, only when the workshop moved."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import dash
import flask
from dash import Input, Output, State
from werkzeug.http import parse_cookie

from fresque.app.pages.atelier.access import _store_errors, service, token_from_cookies
from fresque.app.pages.atelier.ids import (
    B_TICK,
    B_VERSION,
    F_TICK,
    F_VERSION,
    P_TICK,
    P_VERSION,
    URL,
)
from fresque.i18n import DEFAULT_LANGUAGE, t

#: How often a phone asks whether the workshop moved: a change shows within 2 s (1.5 s
#: at worst, plus the redraw), and 300 phones make 200 polls a second (about 1.7 ms of
#: server CPU each, benchmarks/workshop_load.py).
POLL_MS = 1500
#: How often the projector's board and the facilitator's panel ask: they are a few
#: screens, whose redraw takes longer than a phone's, so they ask more often.
SCREEN_POLL_MS = 1000


#: The route a screen polls: ``GET /_atelier/version`` (``?vue=tableau`` on the board),
#: the token from the device's cookie → ``{"version": n}``.
VERSION_PATH = "/_atelier/version"


# A screen's poll, in the browser: the new version (and, on the board, a beat every
# 10 ticks so that "just added" marks fade), or nothing when it did not move, when the
# token is refused or when the server cannot be reached (the next tick asks again). The
# token travels in the device's cookie; the query says only which screen asks.
_POLL_JS = """
async function (n, version, search) {
    const none = window.dash_clientside.no_update;
    const vue = new URLSearchParams(search || "").get("vue");
    let answer;
    try {
        const reply = await fetch(__URL__ + (vue ? "?vue=" + encodeURIComponent(vue) : ""),
                                  {cache: "no-store", credentials: "same-origin",
                                   headers: {Accept: "application/json"}});
        if (!reply.ok) { return none; }
        answer = await reply.json();
    } catch (error) {
        return none;
    }
    const beat = __FADE__ ? Math.floor((n || 0) / 10) : 0;
    if (Array.isArray(version) && version[0] === answer.version && version[1] === beat) {
        return none;
    }
    return [answer.version, beat];
}
"""


def workshop_version(
    token: str | None, server: flask.Flask | None = None
) -> tuple[int, dict[str, Any]]:
    """Answer a screen's poll: HTTP status and JSON body.

    ``200 {"version": n}`` for a token the store accepts (any role: the version says
    only that something moved), ``403 {"error": …}`` otherwise (unknown, blocked, or a
    workshop that is gone), with the store's message in French; ``400`` without a token
    (the device has no workshop open).
    """
    errors = _store_errors()
    if not token:
        return 400, {"error": t("atelier.version.no_token", DEFAULT_LANGUAGE)}
    try:
        version = service(server).version(token)
    except errors.StoreError as error:
        return 403, {"error": str(error)}
    return 200, {"version": version}


class VersionRoute:
    """:data:`VERSION_PATH` as a WSGI layer in front of the Flask app ``server``.

    Three hundred phones poll it 200 times a second: answered here, a poll skips
    Flask's routing, request context and after-request hooks, a third of its server
    time; every other request goes on to Flask unchanged.
    """

    def __init__(self, server: flask.Flask, path: str) -> None:
        self.server, self.path, self.app = server, path, server.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 METHOD NOT ALLOWED", [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        token = token_from_cookies(cookies, environ.get("QUERY_STRING", ""))
        status, body = workshop_version(token, self.server)
        data = json.dumps(body, ensure_ascii=False).encode()
        start_response(
            f"{status} {HTTPStatus(status).phrase.upper()}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(data))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [data]


def install_version_route(app: dash.Dash) -> None:
    """Serve :data:`VERSION_PATH` on ``app``'s server (once), ahead of Flask."""
    server = app.server
    if isinstance(server.wsgi_app, VersionRoute):
        return
    path = app.config.routes_pathname_prefix.rstrip("/") + VERSION_PATH
    server.wsgi_app = VersionRoute(server, path)  # type: ignore[method-assign]


def register_callbacks(app: dash.Dash) -> None:
    """Serve the version route and poll it from every view."""

    # Each screen asks every POLL_MS whether the workshop moved, from the browser
    # (a clientside callback) to a bare JSON route: the token's role and the workshop's
    # version, two lookups by key, without Dash's callback machinery (about 10× less
    # server time: 300 phones poll 150 times a second). The rendering hangs on the store,
    # so a slow render is never cancelled by the next tick.
    install_version_route(app)
    url = json.dumps(app.get_relative_path(VERSION_PATH))
    for tick, store in ((P_TICK, P_VERSION), (B_TICK, B_VERSION), (F_TICK, F_VERSION)):
        fade = "true" if store == B_VERSION else "false"
        app.clientside_callback(
            _POLL_JS.replace("__URL__", url).replace("__FADE__", fade),
            Output(store, "data"),
            Input(tick, "n_intervals"),
            State(store, "data"),
            State(URL, "search"),
            prevent_initial_call=True,
        )
