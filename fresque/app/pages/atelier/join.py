"""The screen without a token: join a workshop with its code and a nickname, create
one (facilitators: from the machine itself or with the key), or go back to the
workshop this device has open (or leave it)."""

from __future__ import annotations

from typing import Any

import dash
import flask
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app.pages.atelier.access import (
    MEMBER_COOKIE,
    SCREEN_COOKIE,
    _href,
    _may_create,
    _store_errors,
    client_address,
    service,
)
from fresque.app.pages.atelier.ids import (
    BOARD_VIEW,
    CONTENT,
    CREATE_BASE,
    CREATE_ERROR,
    CREATE_GO,
    CREATE_KEY,
    CREATE_MODERATION,
    CREATE_NAME,
    CREATE_REGION,
    JOIN_CODE,
    JOIN_ERROR,
    JOIN_GO,
    JOIN_NICK,
    LANG,
    LEAVE,
)
from fresque.app.pages.atelier.pieces import _message
from fresque.app.pages.atelier.session import _cookie, keep_token
from fresque.app.widgets import dropdown_labels, labelled
from fresque.i18n import t


def join_view(lang: str, code: str = "", notice: str | None = None, resume: Any = None) -> html.Div:
    """Join with a code and a nickname; create a workshop (facilitators)."""
    regions: list[dict[str, str]] = []
    if flask.has_request_context():
        try:
            from fresque.views.network import territory_options

            regions = territory_options(service().territories, "region", lang)
        except Exception:  # pragma: no cover - the geography is missing
            regions = []
    return html.Div(
        className="atelier-join",
        children=[
            _message(notice, "error") if notice else None,
            resume,
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H2(t("atelier.join.heading", lang)),
                    html.P(t("atelier.join.intro", lang)),
                    labelled(
                        t("atelier.join.code", lang),
                        dcc.Input(
                            id=JOIN_CODE,
                            value=code,
                            maxLength=12,
                            autoComplete="off",
                            className="input code-input",
                            debounce=False,
                        ),
                        JOIN_CODE,
                    ),
                    labelled(
                        t("atelier.join.nickname", lang),
                        dcc.Input(
                            id=JOIN_NICK, value="", maxLength=40, className="input", debounce=False
                        ),
                        JOIN_NICK,
                    ),
                    html.P("", id=JOIN_ERROR, className="field-error", role="alert"),
                    html.Button(t("atelier.join.go", lang), id=JOIN_GO, className="button primary"),
                ],
            ),
            html.Details(
                className="panel atelier-card",
                children=[
                    html.Summary(t("atelier.create.heading", lang)),
                    html.P(t("atelier.create.intro", lang)),
                    labelled(
                        t("atelier.create.name", lang),
                        dcc.Input(id=CREATE_NAME, value="", maxLength=200, className="input"),
                        CREATE_NAME,
                    ),
                    labelled(
                        t("atelier.create.base", lang),
                        dcc.RadioItems(
                            id=CREATE_BASE,
                            options=[
                                {
                                    "label": t("atelier.create.base.national", lang),
                                    "value": "national",
                                },
                                {"label": t("atelier.create.base.empty", lang), "value": "vide"},
                            ],
                            value="national",
                            className="choice-list",
                        ),
                        CREATE_BASE,
                    ),
                    labelled(
                        t("atelier.create.region", lang),
                        dcc.Dropdown(
                            id=CREATE_REGION,
                            options=regions,
                            placeholder=t("atelier.create.region.any", lang),
                            labels=dropdown_labels(lang),
                        ),
                        CREATE_REGION,
                    ),
                    labelled(
                        t("atelier.create.moderation", lang),
                        dcc.RadioItems(
                            id=CREATE_MODERATION,
                            options=[
                                {
                                    "label": t("atelier.create.moderation.post", lang),
                                    "value": "post",
                                },
                                {"label": t("atelier.create.moderation.pre", lang), "value": "pre"},
                            ],
                            value="post",
                            className="choice-list",
                        ),
                        CREATE_MODERATION,
                    ),
                    labelled(
                        t("atelier.create.key", lang),
                        dcc.Input(id=CREATE_KEY, type="password", value="", className="input"),
                        CREATE_KEY,
                    ),
                    html.P("", id=CREATE_ERROR, className="field-error", role="alert"),
                    html.Button(t("atelier.create.go", lang), id=CREATE_GO, className="button"),
                ],
            ),
        ],
    )


def _resume(lang: str) -> html.Section | None:
    """A way back to the workshop this device has open (its member cookie), else to the
    board it shows (its screen cookie: the board, never the panel), and a way to leave
    it on this device."""
    errors = _store_errors()
    for name, vue in ((MEMBER_COOKIE, None), (SCREEN_COOKIE, BOARD_VIEW)):
        token = _cookie(name)
        if token is None:
            continue
        try:
            me, ws = service().me(token), service().workshop(token)
        except errors.StoreError:
            continue
        if me.role.value == "screen":
            text = t("atelier.resume.screen", lang).format(name=ws.name)
            go, href = t("atelier.resume.board", lang), _href(lang, vue=BOARD_VIEW)
        else:
            who = me.nickname or t(f"atelier.role.{me.role.value}", lang)
            text = t("atelier.resume", lang).format(name=ws.name, who=who)
            go, href = t("atelier.resume.go", lang), _href(lang, vue=vue or "")
        return html.Section(
            className="panel atelier-card atelier-resume",
            children=[
                html.P(text),
                dcc.Link(go, href=href, className="button primary", id="atl-resume"),
                html.Button(
                    t("atelier.device.leave", lang), id=LEAVE, className="button", n_clicks=0
                ),
            ],
        )
    return None


def register_callbacks(app: dash.Dash) -> None:
    """Join and create: both keep the new token in this device's cookie (never in the
    address) and show the new member's screen."""

    def screen_of(token: str, lang: str) -> Any:
        from fresque.app.pages.atelier.page import view_of

        svc = service()
        return view_of(token, svc.me(token), svc.workshop(token), None, lang)

    @app.callback(
        Output(CONTENT, "children", allow_duplicate=True),
        Output(JOIN_ERROR, "children"),
        Input(JOIN_GO, "n_clicks"),
        Input(JOIN_NICK, "n_submit"),
        State(JOIN_CODE, "value"),
        State(JOIN_NICK, "value"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def join(clicks, submitted, code, nickname, lang):
        if not clicks and not submitted:
            raise PreventUpdate
        errors = _store_errors()
        try:
            token = service().join(code or "", nickname or "", address=client_address())
            shown = screen_of(token, lang)
        except errors.StoreError as error:
            return no_update, str(error)
        keep_token(token, "participant")
        return shown, no_update

    @app.callback(
        Output(CONTENT, "children", allow_duplicate=True),
        Output(CREATE_ERROR, "children"),
        Input(CREATE_GO, "n_clicks"),
        State(CREATE_NAME, "value"),
        State(CREATE_BASE, "value"),
        State(CREATE_REGION, "value"),
        State(CREATE_MODERATION, "value"),
        State(CREATE_KEY, "value"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def create(clicks, name, base, region, moderation, key, lang):
        if not clicks:
            raise PreventUpdate
        if not _may_create(key):
            return no_update, t("atelier.create.refused", lang)
        errors = _store_errors()
        try:
            _ws, token = service().create_workshop(
                name or "",
                base=base or "national",
                region=region or None,
                moderation=moderation or "post",
            )
            shown = screen_of(token, lang)
        except errors.StoreError as error:
            return no_update, str(error)
        keep_token(token, "facilitator")
        return shown, no_update
