"""The page's frame: its layout (the skeleton Dash validates callbacks against), the
view the device's token and the URL ask for, and the language link that keeps the view."""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto
from dash import Input, Output, State, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app import ids as shell_ids
from fresque.app.pages.atelier.access import (
    MEMBER_COOKIE,
    SCREEN_COOKIE,
    _query,
    _store_errors,
    request_token,
    service,
)
from fresque.app.pages.atelier.board import board_view
from fresque.app.pages.atelier.facilitator import facilitator_view
from fresque.app.pages.atelier.ids import (
    B_COUNT,
    B_GRAPH,
    B_MAP,
    B_MAP_SHOWN,
    B_RECENT,
    B_TICK,
    B_VERSION,
    BOARD_VIEW,
    CONTENT,
    CREATE_BASE,
    CREATE_ERROR,
    CREATE_GO,
    CREATE_KEY,
    CREATE_MODERATION,
    CREATE_NAME,
    CREATE_REGION,
    F_ACCEPT_ALL,
    F_DOWNLOAD,
    F_DUPLICATES,
    F_EXPORT_JSON,
    F_EXPORT_MESSAGE,
    F_EXPORT_XLSX,
    F_LOG,
    F_MEMBERS,
    F_MERGE_CONFIRM,
    F_MERGE_DIFF,
    F_MERGE_PREVIEW,
    F_MERGE_SEEN,
    F_MESSAGE,
    F_PENDING,
    F_SHOWN,
    F_STATE,
    F_STATUS,
    F_TICK,
    F_VERSION,
    F_VIEWER,
    F_VIEWER_LINK,
    FIELD_ID,
    FIELDS,
    JOIN_CODE,
    JOIN_ERROR,
    JOIN_GO,
    JOIN_NICK,
    L_CANCEL,
    L_DETAILS,
    L_EDITING,
    L_LOAD,
    L_MESSAGE,
    L_MINE,
    L_RELATION,
    L_SAVE,
    L_SOURCE,
    L_TARGET,
    LANG,
    LEAVE,
    M_AFTER,
    M_ALL,
    M_ASKED,
    M_CONFIRM,
    M_CONFIRM_TEXT,
    M_MESSAGE,
    M_NO,
    M_NONE,
    M_PICK,
    M_SHOWN,
    M_YES,
    OTHER_DEVICE,
    OTHER_DEVICE_LINK,
    P_ACK,
    P_ASKED,
    P_CANCEL,
    P_CARDS,
    P_CONFIRM,
    P_CONFIRM_NO,
    P_CONFIRM_TEXT,
    P_CONFIRM_YES,
    P_CONFLICT,
    P_CONFLICT_TEXT,
    P_EDITING,
    P_FORM_TITLE,
    P_HEAD,
    P_KEEP_MINE,
    P_LOAD,
    P_MESSAGE,
    P_REMOVED,
    P_RETRY,
    P_SAVE,
    P_SHOWN,
    P_SIMILAR,
    P_SIMILAR_FOUND,
    P_SUBMIT,
    P_TICK,
    P_UNSAVED,
    P_VERSION,
    PAGE,
    PH_KINDS,
    PH_LINKS,
    PH_NAME,
    PH_SAVE,
    SAVED,
    URL,
)
from fresque.app.pages.atelier.join import _resume, join_view
from fresque.app.pages.atelier.live import offline_notice
from fresque.app.pages.atelier.phone import participant_view
from fresque.app.pages.atelier.session import _cookie, device_section, forget_tokens
from fresque.app.state import ViewState, page_from_path
from fresque.i18n import DEFAULT_LANGUAGE


def render(search: str | None, lang: str) -> Any:
    """The view this device's token (from its cookies, :func:`~fresque.app.pages.
    atelier.access.request_token`) and the URL's query (``vue``, ``code``) ask for."""
    query = _query(search)
    code = query.get("code", "")[:12]
    token = request_token(search)
    if token is None:
        return join_view(lang, code=code, resume=None if code else _resume(lang))
    errors = _store_errors()
    svc = service()
    try:
        me = svc.me(token)
        ws = svc.workshop(token)
    except errors.StoreError as error:
        if isinstance(error, errors.InvalidToken):  # gone for good: the device forgets it
            forget_tokens(SCREEN_COOKIE if token == _cookie(SCREEN_COOKIE) else MEMBER_COOKIE)
        return join_view(lang, code=code, notice=str(error))
    if code and "".join(c for c in code.upper() if c.isalnum()) != ws.code:
        # The QR code of another workshop: join it, or go back to this device's.
        return join_view(lang, code=code, resume=_resume(lang))
    return view_of(token, me, ws, query.get("vue"), lang)


def view_of(token: str, me: Any, ws: Any, vue: str | None, lang: str) -> Any:
    """The screen of ``token``'s member ``me`` in workshop ``ws``: the board for a
    screen, a viewer, or the facilitator asking for it (``vue``); else the panel or the
    phone, with what concerns this device under it."""
    role = me.role.value
    if role in ("screen", "viewer") or (role == "facilitator" and vue == BOARD_VIEW):
        return board_view(token, lang, ws, show_code=role != "viewer")
    if role == "facilitator":
        return [facilitator_view(token, lang, ws), device_section(role, lang)]
    return [participant_view(token, lang, ws, me), device_section(role, lang)]


def _skeleton() -> list:
    """Every component the callbacks name, bare (no text, no options): what Dash
    validates callbacks against, kept small because it travels in every page."""
    inputs = [JOIN_CODE, JOIN_NICK, CREATE_NAME, CREATE_KEY, PH_NAME]
    inputs += [cid for field, cid in FIELDS if field in ("name", "website")]
    dropdowns = [CREATE_REGION, L_SOURCE, L_TARGET, L_RELATION]
    dropdowns += [
        FIELD_ID[f] for f in ("kind", "dispositifs", "themes", "territory_level", "territory_codes")
    ]
    buttons = [JOIN_GO, CREATE_GO, P_SAVE, P_CANCEL, L_SAVE, PH_SAVE, F_STATUS, F_VIEWER]
    buttons += [F_EXPORT_XLSX, F_EXPORT_JSON, F_ACCEPT_ALL, L_CANCEL, P_CONFIRM_YES]
    buttons += [P_CONFIRM_NO, F_MERGE_PREVIEW, F_MERGE_CONFIRM, LEAVE, OTHER_DEVICE]
    divs = [JOIN_ERROR, CREATE_ERROR, P_HEAD, P_CARDS, P_FORM_TITLE, P_MESSAGE, P_SIMILAR]
    divs += [L_MESSAGE, B_RECENT, B_COUNT, F_STATE, F_PENDING, F_DUPLICATES, F_MEMBERS, F_LOG]
    divs += [F_MESSAGE, F_VIEWER_LINK, L_MINE, P_CONFIRM, P_CONFIRM_TEXT, P_REMOVED, F_MERGE_DIFF]
    # issue 13, the join door: the panel's members (members.py)
    members = [
        dcc.Dropdown(id=M_AFTER),
        dcc.Checklist(id=M_PICK),
        *(html.Button(id=i) for i in (M_ALL, M_NONE, M_YES, M_NO)),
        *(html.Div(id=i) for i in (M_CONFIRM, M_CONFIRM_TEXT, M_MESSAGE)),
        *(dcc.Store(id=i) for i in (M_ASKED, M_SHOWN)),
    ]
    # issue 13 (h-phone): the phone's save
    buttons += [P_RETRY, P_KEEP_MINE]
    divs += [P_UNSAVED, P_CONFLICT, P_CONFLICT_TEXT]
    stores = [P_SUBMIT, P_ACK, P_SIMILAR_FOUND]
    divs += [OTHER_DEVICE_LINK]
    divs += [F_EXPORT_MESSAGE]  # issue 13, export hygiene
    return [
        *members,
        *(dcc.Store(id=i) for i in stores),
        *(dcc.Input(id=i) for i in inputs),
        dcc.Textarea(id=FIELD_ID["description"]),
        *(dcc.Dropdown(id=i) for i in dropdowns),
        *(dcc.RadioItems(id=i) for i in (CREATE_BASE, CREATE_MODERATION)),
        *(dcc.Checklist(id=i) for i in (FIELD_ID["stages"], PH_KINDS, PH_LINKS)),
        *(html.Button(id=i) for i in buttons),
        *(html.Div(id=i) for i in divs),
        *(dcc.Interval(id=i) for i in (P_TICK, B_TICK, F_TICK)),
        *(dcc.Store(id=i) for i in (P_VERSION, B_VERSION, F_VERSION, P_EDITING, P_LOAD)),
        *(dcc.Store(id=i) for i in (B_MAP_SHOWN, F_SHOWN)),
        *(dcc.Store(id=i) for i in (L_EDITING, L_LOAD, P_ASKED, F_MERGE_SEEN, P_SHOWN)),
        html.Details(id=L_DETAILS),
        dcc.Download(id=F_DOWNLOAD),
        cyto.Cytoscape(id=B_GRAPH),
        dcc.Graph(id=B_MAP),
    ]


def layout(state: ViewState | None, lang: str = DEFAULT_LANGUAGE) -> html.Div:
    """The Atelier page; its content comes from the device's token (a callback renders it).
    ``state=None`` gives the skeleton of every view (for Dash's validation)."""
    content = _skeleton() if state is None else []
    return html.Div(
        className="atelier",
        children=[
            dcc.Location(id=URL, refresh="callback-nav"),
            dcc.Store(id=LANG, data=lang),
            dcc.Store(id=SAVED, storage_type="local"),
            offline_notice(lang),
            html.Div(id=CONTENT, children=content),
        ],
    )


def register_callbacks(app: dash.Dash) -> None:
    """Render the view the URL asks for."""

    def on_page(pathname: str | None) -> bool:
        return page_from_path(app.strip_relative_path(pathname or "/") or "") == PAGE

    @app.callback(
        Output(CONTENT, "children"),
        Output(SAVED, "data"),
        Input(URL, "search"),
        State(URL, "pathname"),
        State(LANG, "data"),
        State(SAVED, "data"),
    )
    def show(search: str | None, pathname: str | None, lang: str, saved: Any):
        if not on_page(pathname):
            raise PreventUpdate
        # Earlier versions kept the token in the browser's local storage: it goes.
        return render(search, lang or DEFAULT_LANGUAGE), None if saved is not None else no_update


def register_language_link(app: dash.Dash) -> None:
    """Keep the board view in the shell's language link."""

    # The shell builds the language link from the view state, which knows nothing of the
    # Atelier's views: on the board (``?vue=tableau``), the link gets the view back, so
    # that switching language leaves the screen on the board (the token is in the
    # device's cookie, never in the address). The shell's link is the only input (it is
    # on every page, and the shell rewrites it whenever the URL changes); the address is
    # read from the browser.
    clientside_callback(
        """function(href) {
            var no = window.dash_clientside.no_update;
            if (!href || !/\\/atelier$/.test(window.location.pathname)) { return no; }
            var vue = new URLSearchParams(window.location.search).get('vue');
            if (!vue) { return no; }
            var url = new URL(href, window.location.href);
            if (!/\\/atelier$/.test(url.pathname) || url.searchParams.get('vue') === vue) {
                return no;
            }
            url.searchParams.set('vue', vue);
            return url.pathname + url.search;
        }""",
        Output(shell_ids.LANG_LINK, "href", allow_duplicate=True),
        Input(shell_ids.LANG_LINK, "href"),
        prevent_initial_call="initial_duplicate",
    )
