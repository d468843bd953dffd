"""The facilitator's panel: phase, moderation, duplicates and merge, members, undo
from the audit log, close / reopen, the read-only link (the export and the merge into
the curated dataset: :mod:`~fresque.app.pages.atelier.export`)."""

from __future__ import annotations

import functools

import dash
from dash import ALL, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app.pages.atelier.access import (
    _base_url,
    _store_errors,
    _store_refusals_change_nothing,
    request_token,
    service,
)
from fresque.app.pages.atelier.ids import (
    BOARD_VIEW,
    F_ACCEPT_ALL,
    F_DOWNLOAD,
    F_DUPLICATES,
    F_EXPORT_JSON,
    F_EXPORT_MESSAGE,
    F_EXPORT_XLSX,
    F_LOG,
    F_MEMBERS,
    F_MERGE,
    F_MERGE_CONFIRM,
    F_MERGE_DIFF,
    F_MERGE_PREVIEW,
    F_MERGE_SEEN,
    F_MESSAGE,
    F_MODERATE,
    F_PENDING,
    F_SHOWN,
    F_STATE,
    F_STATUS,
    F_TICK,
    F_UNDO,
    F_VERSION,
    F_VIEWER,
    F_VIEWER_LINK,
    LANG,
    PH_KINDS,
    PH_LINKS,
    PH_NAME,
    PH_SAVE,
    URL,
)
from fresque.app.pages.atelier.live import SCREEN_POLL_MS
from fresque.app.pages.atelier.members import member_counts, member_counts_line, members_section
from fresque.app.pages.atelier.pieces import _capitalized, _workshop_head
from fresque.app.pages.atelier.session import board_link, entry_address
from fresque.app.payload import fingerprint, plain, plain_outputs
from fresque.app.widgets import labelled
from fresque.i18n import enum_choices, t, t_count
from fresque.model import Kind
from fresque.views.workshop import event_rows, join_url, shown_status

#: The panel lists the latest this many edits awaiting moderation ("accept all" takes all).
PENDING_SHOWN = 100
#: Duplicate suggestions listed, best first.
DUPLICATES_SHOWN = 30
#: Events of the audit log listed, latest first.
LOG_SHOWN = 60


def _pending_rows(token: str) -> list[dict]:
    """Under pre-moderation, the latest edits awaiting moderation, newest first, read
    without the others; else how many edits are not accepted yet (``[{"unaccepted": n}]``:
    only accepted edits go into the dataset)."""
    svc = service()
    if svc.workshop(token).moderation != "pre":
        return [{"unaccepted": svc.pending_count(token)}]
    return event_rows(svc.pending(token, latest=PENDING_SHOWN), limit=PENDING_SHOWN)


def _pending_list(rows: list[dict], lang: str) -> list:
    if rows and "unaccepted" in rows[0]:
        count = rows[0]["unaccepted"]
        if not count:
            return [html.P(t("atelier.panel.unaccepted.none", lang))]
        return [html.P(t_count("atelier.panel.unaccepted", count, lang))]
    if not rows:
        return [html.P(t("atelier.panel.pending.none", lang))]
    items = [_pending_item(lang, *(r[k] for k in _PENDING_FIELDS)) for r in rows]
    return [plain(html.Ul(className="atelier-list", children=items))]


_PENDING_FIELDS = ("seq", "time", "author", "summary")


@functools.lru_cache(maxsize=1024)
def _pending_item(lang: str, seq: int, time: str, author: str, summary: str) -> dict:
    """One edit awaiting moderation, as sent (cached: each redraw adds one or two)."""
    return plain(
        html.Li(
            [
                html.Span(f"n° {seq} · {time} · "),
                html.Strong(author),
                " ",
                summary,
                html.Button(
                    t("atelier.panel.accept", lang),
                    id={"type": F_MODERATE, "seq": seq, "decision": "accepted"},
                    className="button small",
                    n_clicks=0,
                ),
                html.Button(
                    t("atelier.panel.reject", lang),
                    id={"type": F_MODERATE, "seq": seq, "decision": "rejected"},
                    className="button small",
                    n_clicks=0,
                ),
            ]
        )
    )


def _duplicate_rows(token: str) -> list[tuple[str, str, str, str, float]]:
    """The best duplicate suggestions: (kept id, merged id, their names, score)."""
    return [
        (d.first, d.second, d.first_name, d.second_name, d.score)
        for d in service().duplicate_suggestions(token)[:DUPLICATES_SHOWN]
    ]


def _duplicate_list(rows: list[tuple[str, str, str, str, float]], lang: str) -> list:
    if not rows:
        return [html.P(t("atelier.panel.duplicates.none", lang))]
    return [
        html.Ul(
            className="atelier-list",
            children=[
                html.Li(
                    [
                        f"« {first_name} » ≈ « {second_name} » ({round(score * 100)} %) ",
                        html.Button(
                            t("atelier.panel.merge", lang).format(
                                merged=second_name, kept=first_name
                            ),
                            id={"type": F_MERGE, "keep": first, "merge": second},
                            className="button small",
                            n_clicks=0,
                        ),
                    ]
                )
                for first, second, first_name, second_name, score in rows
            ],
        )
    ]


def _log_rows(token: str) -> list[dict]:
    """The latest events of the audit log, newest first, read without the others; each
    with the status worth showing (:func:`~fresque.views.workshop.shown_status`)."""
    svc = service()
    ws = svc.workshop(token)
    rows = event_rows(svc.audit_log(token, since=max(0, ws.version - LOG_SHOWN)), limit=LOG_SHOWN)
    for row in rows:
        row["status"] = shown_status(row["status"], row["undone"], ws.moderation)
    return rows


def _log_list(rows: list[dict], lang: str) -> list:
    # A list without numbers of its own: each line starts with its event's "n° 12",
    # the number an undo names.
    items = [_log_item(lang, *(r[k] for k in _LOG_FIELDS)) for r in rows]
    return [plain(html.Ul(className="atelier-list atelier-log", children=items))]


_LOG_FIELDS = ("seq", "time", "author", "summary", "status", "undoable", "undone")


@functools.lru_cache(maxsize=1024)
def _log_item(
    lang: str,
    seq: int,
    time: str,
    author: str,
    summary: str,
    status: str | None,
    undoable: bool,
    undone: bool,
) -> dict:
    """One event of the audit log, as sent (cached: each redraw adds one or two)."""
    return plain(
        html.Li(
            className="undone" if undone else None,
            children=[
                html.Span(f"n° {seq} · {time} · "),
                html.Strong(author),
                " ",
                summary,
                f" [{t('atelier.status.' + status, lang)}]" if status else "",
                html.Button(
                    t("atelier.panel.undo", lang),
                    id={"type": F_UNDO, "seq": seq},
                    className="button small",
                    n_clicks=0,
                )
                if undoable
                else None,
            ],
        )
    )


#: The panel's live lists: output id, what the list shows (plain rows), how it shows them.
_LISTS = (
    (F_PENDING, _pending_rows, _pending_list),
    (F_DUPLICATES, _duplicate_rows, _duplicate_list),
    (F_MEMBERS, member_counts, member_counts_line),
    (F_LOG, _log_rows, _log_list),
)


def _lists(token: str | None, lang: str, shown: dict | None = None) -> tuple[list, dict]:
    """Each live list's children, or ``no_update`` where the panel shows them already
    (``shown``: the fingerprint of each list's rows, as the panel keeps it), and the
    new fingerprints. Three hundred participants and a hundred pending edits make
    100 KB of components: sent only when they change."""
    shown = shown or {}
    children, fingerprints = [], {}
    for list_id, rows_of, render in _LISTS:
        rows = rows_of(token) if token is not None else []
        key = fingerprint((lang, rows))
        fingerprints[list_id] = key
        children.append(no_update if shown.get(list_id) == key else render(rows, lang))
    return children, fingerprints


def facilitator_view(token: str | None, lang: str, ws=None) -> html.Div:
    """The facilitator's panel."""
    (pending, duplicates, members, log), shown = _lists(token, lang)
    if ws is not None:
        board = board_link(token, lang)  # a display-only screen token, never this one
        join = join_url(_base_url(), ws.code)
        links = html.Ul(
            [
                html.Li(
                    html.A(
                        t("atelier.panel.board", lang),
                        href=board,
                        target="_blank",
                        id="atl-fa-board-link",
                    )
                ),
                html.Li(
                    [t("atelier.panel.join_url", lang) + t("punct.colon", lang), html.Code(join)]
                ),
            ]
        )
        kinds = (
            [k.value for k in ws.phase.kinds]
            if ws.phase.kinds is not None
            else [k.value for k in Kind]
        )
        head = _workshop_head(ws, lang)
        closed = ws.status != "open"
    else:
        links, kinds, head, closed = None, [], None, False
    # Under pre-moderation, "À modérer" lists what waits; otherwise edits are on the
    # board at once and the section is left out, but only accepted edits go into the
    # dataset: the merge section says how many are not, with "accept all".
    pre = ws is None or ws.moderation == "pre"
    moderation = [
        html.Div(pending, id=F_PENDING),
        html.Button(t("atelier.panel.accept_all", lang), id=F_ACCEPT_ALL, className="button"),
    ]
    if not pre:
        moderation = [html.Div(moderation, className="atelier-unaccepted")]
    return html.Div(
        className="atelier-panel",
        children=[
            dcc.Interval(id=F_TICK, interval=SCREEN_POLL_MS),
            dcc.Store(id=F_VERSION, data=[ws.version, 0] if ws is not None else [0, 0]),
            dcc.Store(id=F_SHOWN, data=shown),
            dcc.Download(id=F_DOWNLOAD),
            html.Div(head, id=F_STATE),
            html.P("", id=F_MESSAGE, className="atelier-message", role="status"),
            html.Section(
                className="panel atelier-card",
                children=[html.H3(t("atelier.panel.links", lang)), links],
            ),
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H3(t("atelier.panel.phase", lang)),
                    labelled(
                        t("atelier.panel.phase.name", lang),
                        dcc.Input(id=PH_NAME, value=ws.phase.name if ws else "", className="input"),
                        PH_NAME,
                    ),
                    labelled(
                        t("atelier.panel.phase.kinds", lang),
                        dcc.Checklist(
                            id=PH_KINDS,
                            options=_capitalized(enum_choices(Kind, lang)),
                            value=kinds,
                            className="choice-list",
                        ),
                        PH_KINDS,
                    ),
                    dcc.Checklist(
                        id=PH_LINKS,
                        options=[{"label": t("atelier.panel.phase.links", lang), "value": "on"}],
                        value=["on"] if ws is None or ws.phase.links_open else [],
                        className="choice-list",
                    ),
                    html.Button(
                        t("atelier.panel.phase.save", lang), id=PH_SAVE, className="button"
                    ),
                ],
            ),
            html.Section(
                className="panel atelier-card",
                children=[html.H3(t("atelier.panel.pending", lang)), *moderation],
            )
            if pre
            else None,
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H3(t("atelier.panel.duplicates", lang)),
                    html.Div(duplicates, id=F_DUPLICATES),
                ],
            ),
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H3(t("atelier.panel.end", lang)),
                    html.Div(
                        className="atelier-buttons",
                        children=[
                            html.Button(
                                t(
                                    "atelier.panel.reopen" if closed else "atelier.panel.close",
                                    lang,
                                ),
                                id=F_STATUS,
                                className="button",
                            ),
                            html.Button(
                                t("atelier.panel.export_xlsx", lang),
                                id=F_EXPORT_XLSX,
                                className="button",
                            ),
                            html.Button(
                                t("atelier.panel.export_json", lang),
                                id=F_EXPORT_JSON,
                                className="button",
                            ),
                            html.Button(
                                t("atelier.panel.viewer", lang), id=F_VIEWER, className="button"
                            ),
                        ],
                    ),
                    html.Div(id=F_EXPORT_MESSAGE),  # issue 13: a failed export, in words
                    html.P("", id=F_VIEWER_LINK, className="atelier-viewer-link"),
                ],
            ),
            html.Section(
                className="panel atelier-card atelier-merge",
                children=[
                    html.H3(t("atelier.merge.heading", lang)),
                    html.P(t("atelier.merge.intro", lang)),
                    *([] if pre else moderation),
                    dcc.Store(id=F_MERGE_SEEN, data=None),
                    html.Button(
                        t("atelier.merge.preview", lang), id=F_MERGE_PREVIEW, className="button"
                    ),
                    html.Div(id=F_MERGE_DIFF, className="atelier-diff", role="status"),
                    html.Button(
                        t("atelier.merge.confirm", lang),
                        id=F_MERGE_CONFIRM,
                        className="button primary",
                        hidden=True,
                    ),
                ],
            ),
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H3(t("atelier.panel.members", lang)),
                    members_section(members, token, lang),
                ],
            ),
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H3(t("atelier.panel.log", lang)),
                    html.Div(log, id=F_LOG),
                ],
            ),
        ],
    )


def register_callbacks(app: dash.Dash) -> None:
    """The panel's live redraw, its lists' buttons and its fixed buttons."""

    @app.callback(
        Output(F_PENDING, "children"),
        Output(F_DUPLICATES, "children"),
        Output(F_MEMBERS, "children"),
        Output(F_LOG, "children"),
        Output(F_SHOWN, "data"),
        Output(F_STATE, "children"),
        Output(F_STATUS, "children"),
        Input(F_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        State(F_SHOWN, "data"),
        prevent_initial_call=True,
    )
    def facilitator_live(_version, search, lang, shown):
        token = request_token(search)
        if token is None:
            raise PreventUpdate
        svc = service()
        with _store_refusals_change_nothing():
            ws = svc.workshop(token)
            closed = ws.status != "open"
            children, shown = _lists(token, lang, shown)
            values = (
                *children,
                shown,
                _workshop_head(ws, lang),
                t("atelier.panel.reopen" if closed else "atelier.panel.close", lang),
            )
            return plain_outputs(values, no_update)

    # The lists' buttons and the panel's fixed buttons have callbacks apart: the lists'
    # refreshes re-trigger theirs, which would drop the reply of a fixed button in flight.
    @app.callback(
        Output(F_MESSAGE, "children", allow_duplicate=True),
        Input({"type": F_MODERATE, "seq": ALL, "decision": ALL}, "n_clicks"),
        Input({"type": F_MERGE, "keep": ALL, "merge": ALL}, "n_clicks"),
        Input({"type": F_UNDO, "seq": ALL}, "n_clicks"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def facilitator_list_act(_m, _g, _u, search, lang):
        token = request_token(search)
        trigger = dash.ctx.triggered_id
        if token is None or not isinstance(trigger, dict) or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate  # buttons appearing or going, not a click
        errors = _store_errors()
        svc = service()
        try:
            if trigger["type"] == F_MODERATE:
                svc.moderate(token, int(trigger["seq"]), trigger["decision"])
                return t("atelier.panel.done.moderate", lang)
            if trigger["type"] == F_MERGE:
                svc.merge_structures(token, trigger["keep"], trigger["merge"])
                return t("atelier.panel.done.merge", lang)
            if trigger["type"] == F_UNDO:
                svc.undo(token, int(trigger["seq"]))
                return t("atelier.panel.done.undo", lang)
        except errors.StoreError as error:
            return str(error)
        raise PreventUpdate

    @app.callback(
        Output(F_MESSAGE, "children"),
        Output(F_VIEWER_LINK, "children"),
        Input(PH_SAVE, "n_clicks"),
        Input(F_STATUS, "n_clicks"),
        Input(F_VIEWER, "n_clicks"),
        Input(F_ACCEPT_ALL, "n_clicks"),
        State(PH_NAME, "value"),
        State(PH_KINDS, "value"),
        State(PH_LINKS, "value"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def facilitator_act(_ph, _st, _v, _a, phase_name, kinds, links, search, lang):
        token = request_token(search)
        trigger = dash.ctx.triggered_id
        if token is None or trigger is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        errors = _store_errors()
        svc = service()
        viewer = no_update
        try:
            if trigger == F_ACCEPT_ALL:
                svc.moderate(token, [e.seq for e in svc.pending(token)], "accepted")
                text = t("atelier.panel.done.moderate", lang)
            elif trigger == PH_SAVE:
                every = set(kinds or []) == {k.value for k in Kind}
                svc.set_phase(
                    token,
                    phase_name or "",
                    None if every else list(kinds or []),
                    links_open=bool(links),
                )
                text = t("atelier.panel.done.phase", lang)
            elif trigger == F_STATUS:
                ws = svc.workshop(token)
                (svc.reopen if ws.status == "closed" else svc.close)(token)
                text = t("atelier.panel.done.status", lang)
            elif trigger == F_VIEWER:
                viewer_token = svc.create_screen_link(token)  # display only, with the code
                address = entry_address(_base_url(), viewer_token, lang, vue=BOARD_VIEW)
                viewer = [
                    t("atelier.panel.viewer.link", lang) + t("punct.colon", lang),
                    html.A(address, href=address, target="_blank", id="atl-fa-viewer-href"),
                    html.Br(),
                    html.Small(t("atelier.panel.viewer.hint", lang)),
                ]
                text = ""
            else:
                raise PreventUpdate
        except errors.StoreError as error:
            return str(error), viewer
        return text, viewer
