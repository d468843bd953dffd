"""How a device holds its workshop token: in an HttpOnly cookie, never in the address.

A link that opens the Atelier as someone (the facilitator's panel on another device, the
projector's board) is ``/atelier/entrer#t=TOKEN`` (:data:`ENTRY_PATH`, ``?vue=tableau``
for the board): the token sits in the fragment, which the browser never sends to the
server, never writes in a log or a ``Referer``. The entry page (a few lines of script)
takes it out of the address bar at once, posts it to :data:`SESSION_PATH` (a same-origin
``POST``), which checks it with the store and answers with an HttpOnly,
``SameSite=Strict`` cookie (``Secure`` over https), then replaces the location with
``/atelier`` (``/atelier?vue=tableau`` for a screen). Joining and creating set the
cookie from their Dash callback. A screen token goes into its own cookie
(:data:`~fresque.app.pages.atelier.access.SCREEN_COOKIE`), so that the facilitator's
laptop holds both its panel and the projector's board.

The panel's board link carries a display-only screen token
(:meth:`~fresque.store.WorkshopService.create_screen_link`), made once per device and
kept in its screen cookie; "Quitter cet atelier sur cet appareil" clears both cookies.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import dash
import flask
from dash import Input, Output, State, html, no_update
from dash.exceptions import MissingCallbackContextException, PreventUpdate

from fresque.app import proxies
from fresque.app.pages.atelier.access import (
    MEMBER_COOKIE,
    SCREEN_COOKIE,
    _base_url,
    _store_errors,
    request_token,
    service,
)
from fresque.app.pages.atelier.ids import (
    BOARD_VIEW,
    CONTENT,
    LANG,
    LEAVE,
    OTHER_DEVICE,
    OTHER_DEVICE_LINK,
)
from fresque.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from fresque.views.workshop import ENTRY_PATH, entry_url

#: The route the entry page posts the token to; it answers with the cookie.
SESSION_PATH = "/_atelier/session"
#: How long a device keeps its token (a workshop lasts a day; people come back to it).
COOKIE_DAYS = 14


def cookie_options(secure: bool) -> dict[str, Any]:
    """The attributes of a token cookie: out of reach of scripts (HttpOnly), sent by
    the site's own requests only (``SameSite=Strict``), over https only when the site
    is served over https.

    Examples
    --------
    >>> options = cookie_options(secure=True)
    >>> options["httponly"], options["samesite"], options["secure"], options["path"]
    (True, 'Strict', True, '/')
    """
    return {
        "httponly": True,
        "samesite": "Strict",
        "secure": secure,
        "path": "/",
        "max_age": int(timedelta(days=COOKIE_DAYS).total_seconds()),
    }


def cookie_for(role: str) -> str:
    """The cookie a token of ``role`` goes into: screens apart from members.

    Examples
    --------
    >>> cookie_for("screen"), cookie_for("facilitator")
    ('fresque_ecran', 'fresque_atelier')
    """
    return SCREEN_COOKIE if role == "screen" else MEMBER_COOKIE


def entry_path(token: str, lang: str = DEFAULT_LANGUAGE, vue: str | None = None) -> str:
    """The link (path) that opens the Atelier with ``token``: the token in the fragment
    (:func:`fresque.views.workshop.entry_url`).

    Examples
    --------
    >>> entry_path("abc")
    '/atelier/entrer#t=abc'
    >>> entry_path("abc", "en", vue="tableau")
    '/atelier/entrer?vue=tableau&lang=en#t=abc'
    """
    return entry_url("", token, vue=vue, lang=lang)


def entry_address(
    base_url: str, token: str, lang: str = DEFAULT_LANGUAGE, vue: str | None = None
) -> str:
    """The whole address of :func:`entry_path` on the server at ``base_url``.

    Examples
    --------
    >>> entry_address("http://127.0.0.1:8050/", "abc", vue="tableau")
    'http://127.0.0.1:8050/atelier/entrer?vue=tableau#t=abc'
    """
    return entry_url(base_url, token, vue=vue, lang=lang)


def _secure() -> bool:
    return proxies.request_scheme(flask.request.environ, proxies.configured_proxies()) == "https"


def _callback_response() -> Any:
    """The response of the Dash callback being run, or ``None`` outside a callback."""
    try:
        return dash.callback_context.response
    except (MissingCallbackContextException, LookupError):
        return None


def keep_token(token: str, role: str) -> None:
    """From a Dash callback: keep ``token`` (of ``role``) in this device's cookie."""
    response = _callback_response()
    if response is not None:
        response.set_cookie(cookie_for(role), token, **cookie_options(_secure()))


def forget_tokens(*names: str) -> None:
    """From a Dash callback: clear this device's cookies ``names`` (default: both)."""
    response = _callback_response()
    if response is None:
        return
    gone = {**cookie_options(_secure()), "max_age": 0, "expires": 0}
    for name in names or (MEMBER_COOKIE, SCREEN_COOKIE):
        response.set_cookie(name, "", **gone)


def _cookie(name: str) -> str | None:
    value = flask.request.cookies.get(name) if flask.has_request_context() else None
    return value if value and len(value) <= 200 else None


def board_link(token: str, lang: str) -> str | None:
    """The panel's link to the projector board: a display-only screen token of this
    workshop in the fragment (this device's, when its screen cookie holds one, else a
    new one, then kept in that cookie), never the facilitator's token."""
    errors = _store_errors()
    svc = service()
    screen = _cookie(SCREEN_COOKIE)
    try:
        ws = svc.workshop(token)
        if screen is not None:
            try:
                if svc.me(screen).role.value != "screen" or svc.workshop(screen).id != ws.id:
                    screen = None
            except errors.StoreError:
                screen = None
        if screen is None:
            screen = svc.create_screen_link(token)
            keep_token(screen, "screen")
    except errors.StoreError:
        return None
    return entry_path(screen, lang, vue=BOARD_VIEW)


# --- the entry page and the session route ----------------------------------------------

_ENTRY_SCRIPT = """
(function () {
 var say = function (text) { document.getElementById("entry-message").textContent = text; };
 var enter = function () {
  var found = /(?:^#|&)t=([^&]*)/.exec(window.location.hash || "");
  // The token leaves the address bar (and the history) before anything else.
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  if (!found) { say(__NO_TOKEN__); return; }
  say(__OPENING__);
  var query = new URLSearchParams(window.location.search);
  fetch(__SESSION__, {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: {"Content-Type": "application/json", "Accept": "application/json"},
    body: JSON.stringify({token: decodeURIComponent(found[1]), vue: query.get("vue"),
                          lang: query.get("lang")})
  }).then(function (reply) {
    return reply.json().then(function (body) { return {ok: reply.ok, body: body}; });
  }).then(function (answer) {
    if (answer.ok && answer.body.location) { window.location.replace(answer.body.location); }
    else { say(answer.body.error || __FAILED__); }
  }).catch(function () { say(__FAILED__); });
 };
 // A link opened while this page is shown changes only its fragment: no new page load.
 window.addEventListener("hashchange", enter);
 enter();
})();
"""

_ENTRY_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; padding: 2rem 1rem; color: #1b1b1b; }}
main {{ max-width: 32rem; margin: 0 auto; }}
a {{ color: #0b5394; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p id="entry-message" role="status">{opening}</p>
<noscript><p>{noscript}</p></noscript>
<p><a href="{home}">{home_label}</a></p>
</main>
<script>{script}</script>
</body>
</html>
"""


def _lang(value: Any) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def entry_page(lang: str, session_url: str, home_url: str) -> str:
    """The HTML of :data:`ENTRY_PATH` (no token in it: the script reads the fragment)."""
    from html import escape

    def js(text: str) -> str:  # a JavaScript string that cannot close the script
        return json.dumps(text).replace("</", "<\\/")

    script = (
        _ENTRY_SCRIPT.replace("__SESSION__", js(session_url))
        .replace("__NO_TOKEN__", js(t("atelier.entry.no_token", lang)))
        .replace("__FAILED__", js(t("atelier.entry.failed", lang)))
        .replace("__OPENING__", js(t("atelier.entry.opening", lang)))
    )
    return _ENTRY_PAGE.format(
        lang=lang,
        title=escape(t("atelier.entry.title", lang)),
        opening=escape(t("atelier.entry.opening", lang)),
        noscript=escape(t("atelier.entry.noscript", lang)),
        home=escape(home_url),
        home_label=escape(t("atelier.entry.home", lang)),
        script=script,
    )


def open_session(body: Any, server: flask.Flask | None = None) -> tuple[int, dict[str, Any]]:
    """What :data:`SESSION_PATH` answers to ``body`` (``{"token", "vue", "lang"}``):
    HTTP status, JSON body, and, on success, ``"cookie"``: the cookie to set
    (``(name, token)``) and ``"location"``: where the device goes (``/atelier``, the
    board for a screen token or a facilitator asking for it)."""
    errors = _store_errors()
    body = body if isinstance(body, dict) else {}
    lang = _lang(body.get("lang"))
    token = body.get("token")
    if not isinstance(token, str) or not token or len(token) > 200:
        return 400, {"error": t("atelier.entry.no_token", lang)}
    try:
        svc = service(server)
        me = svc.me(token)
        svc.workshop(token)
    except errors.StoreError as error:
        return 403, {"error": str(error)}
    role = me.role.value
    board = role == "screen" or (
        body.get("vue") == BOARD_VIEW and role in ("facilitator", "viewer")
    )
    query = {"vue": BOARD_VIEW} if board else {}
    if lang != DEFAULT_LANGUAGE:
        query["lang"] = lang
    location = "/atelier" + ("?" + urlencode(query) if query else "")
    return 200, {"location": location, "cookie": (cookie_for(role), token)}


def install_routes(app: dash.Dash) -> None:
    """Serve :data:`ENTRY_PATH` and :data:`SESSION_PATH` on ``app``'s server (once)."""
    server = app.server
    if "fresque_atelier_entry" in server.view_functions:
        return

    def entry() -> flask.Response:
        lang = _lang(flask.request.args.get("lang"))
        home = app.get_relative_path("/atelier")
        page = entry_page(lang, app.get_relative_path(SESSION_PATH), home)
        response = flask.Response(page, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response

    def session() -> flask.Response:
        status, body = open_session(flask.request.get_json(silent=True))
        cookie = body.pop("cookie", None)
        if "location" in body:
            body["location"] = app.get_relative_path(body["location"])
        response = flask.jsonify(body)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        if cookie is not None:
            response.set_cookie(cookie[0], cookie[1], **cookie_options(_secure()))
        return response

    server.add_url_rule(
        app.get_relative_path(ENTRY_PATH), "fresque_atelier_entry", entry, methods=["GET"]
    )
    server.add_url_rule(
        app.get_relative_path(SESSION_PATH), "fresque_atelier_session", session, methods=["POST"]
    )


# --- this device: leave the workshop, open the panel elsewhere --------------------------


def device_section(role: str, lang: str) -> html.Section:
    """Under a participant's phone and the facilitator's panel: leave the workshop on
    this device and, for the facilitator, a link to open the panel on another device
    (shown on demand, never on the board)."""
    children: list = [html.H3(t("atelier.device.heading", lang))]
    if role == "facilitator":
        children += [
            html.P(t("atelier.device.other.intro", lang)),
            html.Button(
                t("atelier.device.other", lang), id=OTHER_DEVICE, className="button", n_clicks=0
            ),
            html.Div(id=OTHER_DEVICE_LINK, className="atelier-viewer-link"),
        ]
    children.append(
        html.Button(t("atelier.device.leave", lang), id=LEAVE, className="button", n_clicks=0)
    )
    wide = " for-panel" if role == "facilitator" else ""
    return html.Section(className="panel atelier-card atelier-device" + wide, children=children)


def register_callbacks(app: dash.Dash) -> None:
    """The entry routes, leaving the workshop, the panel's link for another device."""
    install_routes(app)

    @app.callback(
        Output(CONTENT, "children", allow_duplicate=True),
        Input(LEAVE, "n_clicks"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def leave(clicks, lang):
        if not clicks:
            raise PreventUpdate
        from fresque.app.pages.atelier.join import join_view

        forget_tokens()
        return join_view(lang or DEFAULT_LANGUAGE, notice=None)

    @app.callback(
        Output(OTHER_DEVICE_LINK, "children"),
        Input(OTHER_DEVICE, "n_clicks"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def other_device(clicks, lang):
        lang = lang or DEFAULT_LANGUAGE
        token = request_token("")
        if not clicks or token is None:
            raise PreventUpdate
        errors = _store_errors()
        try:
            if service().me(token).role.value != "facilitator":
                return no_update
        except errors.StoreError as error:
            return str(error)
        address = entry_address(_base_url(), token, lang)
        return [
            html.Code(address, id="atl-other-device-href"),
            html.Br(),
            html.Small(t("atelier.device.other.hint", lang)),
        ]
