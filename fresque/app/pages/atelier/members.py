"""The facilitator panel's members: how many are active, suspended and removed, and
several participants ticked (one by one, all, or everyone who joined since a time) then
removed, suspended or restored in one action, after a confirmation.

The counts are one of the panel's live lists (:mod:`~fresque.app.pages.atelier.
facilitator`); the tick list gets its options on every change of the workshop but
keeps what the facilitator ticked (its ``value`` is only the facilitator's). The work
is the store's (:meth:`~fresque.store.WorkshopService.remove_members`,
:meth:`~fresque.store.WorkshopService.block_members`).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app.pages.atelier.access import (
    _store_errors,
    _store_refusals_change_nothing,
    request_token,
    service,
)
from fresque.app.pages.atelier.ids import (
    F_MEMBERS,
    F_VERSION,
    LANG,
    M_ACTION,
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
    URL,
)
from fresque.app.payload import fingerprint
from fresque.i18n import format_time, t, t_count
from fresque.views.maps import format_number_fr

__all__ = ["member_counts", "members_section", "register_callbacks"]

ACTIONS = ("remove", "suspend", "restore")
#: Names a confirmation spells out before "…".
NAMES_SHOWN = 5


def member_counts(token: str) -> list:
    """The panel's live list of members: their counts (plain values, fingerprinted)."""
    counts = service().member_counts(token)
    return [counts.active, counts.suspended, counts.removed, counts.seats]


def member_counts_line(rows: list, lang: str) -> list:
    """The counts as the panel shows them."""
    if not rows:
        return []
    active, suspended, removed, seats = rows
    number = format_number_fr if lang == "fr" else "{:,}".format
    text = t("atelier.members.counts", lang).format(
        active=number(active),
        suspended=number(suspended),
        removed=number(removed),
        seats=number(seats),
    )
    return [html.P(text, className="atelier-member-counts")]


def _rows(token: str) -> list[tuple[int, str, str, bool]]:
    """The participants still in (active or suspended), by arrival: (id, nickname,
    arrival HH:MM:SS, suspended)."""
    return [
        (
            m.id,
            m.nickname or "?",
            format_time(m.joined_at) if m.joined_at else "",
            m.blocked,
        )
        for m in service().members(token)
        if m.role.value == "participant" and not m.removed
    ]


def _options(rows: list[tuple[int, str, str, bool]], lang: str) -> tuple[list, list]:
    """The tick list's options and the "joined since" choices."""
    suspended = t("atelier.panel.members.blocked", lang)
    picks = [
        {
            "label": t("atelier.members.row", lang).format(name=name, time=time)
            + (f" · {suspended}" if blocked else ""),
            "value": mid,
        }
        for mid, name, time, blocked in rows
    ]
    since = []
    for i, (mid, name, time, _blocked) in enumerate(rows):
        after = len(rows) - i - 1
        if after:
            label = t_count("atelier.members.after.option", after, lang, time=time, name=name)
        else:
            label = t("atelier.members.after.option.last", lang).format(time=time, name=name)
        since.append({"label": label, "value": mid})
    return picks, since[::-1]  # the latest first: a flood is at the end


def members_section(counts: list, token: str | None, lang: str) -> html.Div:
    """The members part of the panel: the live counts (``counts``, from the panel's live
    lists), the tick list, the actions and their confirmation."""
    rows = _rows(token) if token is not None else []
    picks, since = _options(rows, lang)
    return html.Div(
        className="atelier-members",
        children=[
            html.Div(counts, id=F_MEMBERS),
            dcc.Store(id=M_SHOWN, data=fingerprint((lang, rows))),
            dcc.Store(id=M_ASKED),
            dcc.Dropdown(
                id=M_AFTER,
                options=since,
                placeholder=t("atelier.members.after", lang),
                clearable=True,
                searchable=False,
            ),
            html.Div(
                className="atelier-actions",
                children=[
                    html.Button(t("atelier.members.all", lang), id=M_ALL, className="button small"),
                    html.Button(
                        t("atelier.members.none", lang), id=M_NONE, className="button small"
                    ),
                ],
            ),
            dcc.Checklist(
                id=M_PICK,
                options=picks,
                value=[],
                className="atelier-member-pick",
                labelStyle={"display": "block"},
            ),
            html.Div(
                className="atelier-actions",
                children=[
                    html.Button(
                        t(f"atelier.members.{action}", lang),
                        id={"type": M_ACTION, "action": action},
                        className="button small danger" if action == "remove" else "button small",
                        n_clicks=0,
                    )
                    for action in ACTIONS
                ],
            ),
            html.Div(
                id=M_CONFIRM,
                className="atelier-confirm",
                hidden=True,
                role="alertdialog",
                children=[
                    html.P(id=M_CONFIRM_TEXT),
                    html.Button(id=M_YES, className="button primary", n_clicks=0),
                    html.Button(t("atelier.members.no", lang), id=M_NO, className="button"),
                ],
            ),
            html.P(id=M_MESSAGE, className="atelier-message", role="status"),
        ],
    )


def confirmation(action: str, names: list[str], lang: str) -> str:
    """What the facilitator confirms: the action, how many and who.

    Examples
    --------
    >>> confirmation("remove", ["Alice"], "fr").split(" ?")[0]
    'Retirer Alice'
    >>> confirmation("suspend", [f"p{i}" for i in range(7)], "fr").split(" ?")[0]
    'Suspendre ces participants (7 en tout : p0, p1, p2, p3, p4…)'
    """
    shown = ", ".join(names[:NAMES_SHOWN]) + ("…" if len(names) > NAMES_SHOWN else "")
    one = "single" if len(names) == 1 else "many"
    return t(f"atelier.members.confirm.{action}.{one}", lang).format(names=shown, count=len(names))


def act(token: str, action: str, ids: list[int]) -> int:
    """Do ``action`` on the participants ``ids``; return how many changed."""
    svc = service()
    if action == "remove":
        return len(svc.remove_members(token, ids))
    return len(svc.block_members(token, ids, blocked=action == "suspend"))


def register_callbacks(app: dash.Dash) -> None:
    """The tick list's live options, ticking, asking and doing."""

    @app.callback(
        Output(M_PICK, "options"),
        Output(M_AFTER, "options"),
        Output(M_SHOWN, "data"),
        Input(F_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        State(M_SHOWN, "data"),
        prevent_initial_call=True,
    )
    def members_live(_version, search, lang, shown):
        token = request_token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            rows = _rows(token)
        key = fingerprint((lang, rows))
        if key == shown:
            raise PreventUpdate
        picks, since = _options(rows, lang)
        return picks, since, key

    @app.callback(
        Output(M_PICK, "value"),
        Input(M_AFTER, "value"),
        Input(M_ALL, "n_clicks"),
        Input(M_NONE, "n_clicks"),
        State(M_PICK, "options"),
        prevent_initial_call=True,
    )
    def members_tick(after, _all, _none, options):
        ids = [o["value"] for o in options or []]
        trigger = dash.ctx.triggered_id
        if trigger == M_ALL:
            return ids
        if trigger == M_NONE:
            return []
        if after is None or after not in ids:
            raise PreventUpdate
        return ids[ids.index(after) :]

    @app.callback(
        Output(M_ASKED, "data"),
        Output(M_CONFIRM, "hidden"),
        Output(M_CONFIRM_TEXT, "children"),
        Output(M_YES, "children"),
        Output(M_MESSAGE, "children"),
        Input({"type": M_ACTION, "action": dash.ALL}, "n_clicks"),
        State(M_PICK, "value"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def members_ask(_clicks, ticked, search, lang):
        token = request_token(search)
        trigger = dash.ctx.triggered_id
        if token is None or not isinstance(trigger, dict) or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        if not ticked:
            return None, True, "", no_update, t("atelier.members.pick_first", lang)
        with _store_refusals_change_nothing():
            names = {mid: name for mid, name, _time, _blocked in _rows(token)}
        ids = [i for i in ticked if i in names]
        action = trigger["action"]
        text = confirmation(action, [names[i] for i in ids], lang)
        asked: dict[str, Any] = {"action": action, "ids": ids}
        return asked, False, text, t(f"atelier.members.yes.{action}", lang), ""

    @app.callback(
        Output(M_CONFIRM, "hidden", allow_duplicate=True),
        Output(M_MESSAGE, "children", allow_duplicate=True),
        Output(M_PICK, "value", allow_duplicate=True),
        Input(M_YES, "n_clicks"),
        Input(M_NO, "n_clicks"),
        State(M_ASKED, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def members_act(yes, no, asked, search, lang):
        token = request_token(search)
        if token is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        if dash.ctx.triggered_id == M_NO or not isinstance(asked, dict):
            return True, "", no_update
        action, ids = asked.get("action"), [int(i) for i in asked.get("ids") or []]
        if action not in ACTIONS:
            raise PreventUpdate
        errors = _store_errors()
        try:
            changed = act(token, action, ids)
        except errors.StoreError as error:
            return True, str(error), no_update
        if not changed:
            return True, t("atelier.members.done.nothing", lang), []
        return True, t(f"atelier.members.done.{action}", lang).format(count=changed), []
