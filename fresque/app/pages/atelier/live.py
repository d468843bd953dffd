"""Live screens: every view polls the bare route :data:`VERSION_PATH` (a WSGI layer
ahead of Flask) from the browser every :data:`POLL_MS`, and moves its version store,
which re-renders, only when the workshop moved. While the route cannot be reached (no
network, a server down or answering 5xx), the page shows "Connexion perdue, nouvel
essai…" (:func:`offline_notice`) and asks again less and less often (up to
:data:`MAX_RETRY_MS` apart), then hides the notice at the first answer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import dash
import flask
from dash import Input, Output, State, html
from werkzeug.http import parse_cookie

from fresque.app.pages.atelier.access import _store_errors, service, token_from_cookies
from fresque.app.pages.atelier.ids import (
    B_TICK,
    B_VERSION,
    F_TICK,
    F_VERSION,
    OFFLINE,
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


#: The longest wait between two polls while the version route cannot be reached (the
#: wait doubles from the screen's poll interval at each failure).
MAX_RETRY_MS = 8000

#: The route a screen polls: ``GET /_atelier/version`` (``?vue=tableau`` on the board),
#: the token from the device's cookie → ``{"version": n}``.
VERSION_PATH = "/_atelier/version"


# A screen's poll, in the browser: the new version (and, on the board, a beat every
# 10 ticks so that "just added" marks fade), or nothing when it did not move or when the
# token is refused; and whether the "connection lost" notice hides. When the server
# cannot be reached (network error, or a 5xx from it or a proxy), the notice shows and
# the next polls wait twice as long each time (ticks in between are skipped), up to
# MAX_RETRY_MS; the first answer hides it. The token travels in the device's cookie; the
# query says only which screen asks.
_POLL_JS = """
async function (n, version, search) {
    const none = window.dash_clientside.no_update;
    const vue = new URLSearchParams(search || "").get("vue");
    const polls = window.fresqueAtelierPolls = window.fresqueAtelierPolls || {};
    const mine = polls[__STORE__] = polls[__STORE__] || {failures: 0, next: 0};
    if (Date.now() < mine.next) { return [none, none]; }
    let answer = null;
    try {
        const reply = await fetch(__URL__ + (vue ? "?vue=" + encodeURIComponent(vue) : ""),
                                  {cache: "no-store", credentials: "same-origin",
                                   headers: {Accept: "application/json"}});
        if (reply.status >= 500) { throw new Error("HTTP " + reply.status); }
        if (reply.ok) { answer = await reply.json(); }
    } catch (error) {
        mine.failures += 1;
        mine.next = Date.now() + Math.min(__POLL__ * 2 ** (mine.failures - 1), __MAX__);
        return [none, false];
    }
    const back = mine.failures > 0 ? true : none;
    mine.failures = 0;
    mine.next = 0;
    if (answer === null) { return [none, back]; }
    const beat = __FADE__ ? Math.floor((n || 0) / 10) : 0;
    if (Array.isArray(version) && version[0] === answer.version && version[1] === beat) {
        return [none, back];
    }
    return [[answer.version, beat], back];
}
"""


def offline_notice(lang: str) -> html.P:
    """The notice a screen shows while its poll cannot reach the server (hidden until
    then; one per page, whatever the view)."""
    return html.P(
        t("atelier.offline", lang),
        id=OFFLINE,
        hidden=True,
        className="atelier-offline",
        role="status",
        **{"aria-live": "polite"},
    )


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
    polls = ((P_TICK, P_VERSION, POLL_MS), (B_TICK, B_VERSION, SCREEN_POLL_MS))
    polls += ((F_TICK, F_VERSION, SCREEN_POLL_MS),)
    for tick, store, every in polls:
        fade = "true" if store == B_VERSION else "false"
        code = _POLL_JS.replace("__URL__", url).replace("__FADE__", fade)
        code = code.replace("__STORE__", json.dumps(store)).replace("__POLL__", str(every))
        app.clientside_callback(
            code.replace("__MAX__", str(MAX_RETRY_MS)),
            Output(store, "data"),
            Output(OFFLINE, "hidden", allow_duplicate=True),
            Input(tick, "n_intervals"),
            State(store, "data"),
            State(URL, "search"),
            prevent_initial_call=True,
        )
