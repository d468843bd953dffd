"""The page's frame: its layout (the skeleton Dash validates callbacks against), the
view a URL's token asks for, and the language link that keeps the token."""

from __future__ import annotations

from typing import Any

import dash
import dash_cytoscape as cyto
from dash import Input, Output, State, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app import ids as shell_ids
from fresque.app.pages.atelier.access import _query, _store_errors, _token, service
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
    P_ASKED,
    P_CANCEL,
    P_CARDS,
    P_CONFIRM,
    P_CONFIRM_NO,
    P_CONFIRM_TEXT,
    P_CONFIRM_YES,
    P_EDITING,
    P_FORM_TITLE,
    P_HEAD,
    P_LOAD,
    P_MESSAGE,
    P_REMOVED,
    P_SAVE,
    P_SHOWN,
    P_SIMILAR,
    P_TICK,
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
from fresque.app.pages.atelier.phone import participant_view
from fresque.app.state import ViewState, page_from_path
from fresque.i18n import DEFAULT_LANGUAGE


def render(search: str | None, lang: str, saved: Any = None) -> tuple[Any, Any]:
    """The view a URL asks for (from its token's role), and what to keep in the
    browser's local storage (the token, to come back to it)."""
    query = _query(search)
    token = _token(search)
    if token is None:
        resume = None if query.get("code") else _resume(saved, lang)
        return join_view(lang, code=query.get("code", "")[:12], resume=resume), no_update
    errors = _store_errors()
    svc = service()
    try:
        me = svc.me(token)
        ws = svc.workshop(token)
    except errors.StoreError as error:
        return join_view(lang, notice=str(error)), no_update
    keep = {"t": token} if not isinstance(saved, dict) or saved.get("t") != token else no_update
    if me.role.value == "viewer" or (
        me.role.value == "facilitator" and query.get("vue") == BOARD_VIEW
    ):
        return board_view(token, lang, ws), keep
    if me.role.value == "facilitator":
        return facilitator_view(token, lang, ws), keep
    return participant_view(token, lang, ws, me), keep


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
    buttons += [P_CONFIRM_NO, F_MERGE_PREVIEW, F_MERGE_CONFIRM]
    divs = [JOIN_ERROR, CREATE_ERROR, P_HEAD, P_CARDS, P_FORM_TITLE, P_MESSAGE, P_SIMILAR]
    divs += [L_MESSAGE, B_RECENT, B_COUNT, F_STATE, F_PENDING, F_DUPLICATES, F_MEMBERS, F_LOG]
    divs += [F_MESSAGE, F_VIEWER_LINK, L_MINE, P_CONFIRM, P_CONFIRM_TEXT, P_REMOVED, F_MERGE_DIFF]
    divs += [F_EXPORT_MESSAGE]  # issue 13, export hygiene
    return [
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
    """The Atelier page; its content comes from the URL's token (a callback renders it).
    ``state=None`` gives the skeleton of every view (for Dash's validation)."""
    content = _skeleton() if state is None else []
    return html.Div(
        className="atelier",
        children=[
            dcc.Location(id=URL, refresh="callback-nav"),
            dcc.Store(id=LANG, data=lang),
            dcc.Store(id=SAVED, storage_type="local"),
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
        return render(search, lang or DEFAULT_LANGUAGE, saved)


def register_language_link(app: dash.Dash) -> None:
    """Keep the token in the shell's language link."""

    # The shell builds the language link from the view state, which knows nothing of the
    # token: on an Atelier screen, the link gets the token (and the board view) back, so
    # that switching language leaves everyone on their screen. The shell's link is the
    # only input (it is on every page, and the shell rewrites it whenever the URL
    # changes); the address is read from the browser.
    clientside_callback(
        """function(href) {
            var no = window.dash_clientside.no_update;
            if (!href || !/\\/atelier$/.test(window.location.pathname)) { return no; }
            var here = new URLSearchParams(window.location.search);
            var token = here.get('t');
            if (!token) { return no; }
            var url = new URL(href, window.location.href);
            if (!/\\/atelier$/.test(url.pathname) || url.searchParams.get('t') === token) {
                return no;
            }
            url.searchParams.set('t', token);
            if (here.get('vue')) { url.searchParams.set('vue', here.get('vue')); }
            return url.pathname + url.search;
        }""",
        Output(shell_ids.LANG_LINK, "href", allow_duplicate=True),
        Input(shell_ids.LANG_LINK, "href"),
        prevent_initial_call="initial_duplicate",
    )
