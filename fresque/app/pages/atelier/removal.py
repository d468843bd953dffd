"""Removing one's own cards and links, after a confirmation: a sheet at the bottom of
the screen that takes the keyboard focus and, when the card or link changed meanwhile,
shows its current value and asks again on that version."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from fresque.app.pages.atelier.access import _store_errors, request_token, service
from fresque.app.pages.atelier.ids import (
    LANG,
    P_ASKED,
    P_CONFIRM,
    P_CONFIRM_NO,
    P_CONFIRM_TEXT,
    P_CONFIRM_YES,
    P_REMOVE,
    P_REMOVED,
    URL,
)
from fresque.app.pages.atelier.phone_lists import _names
from fresque.app.pages.atelier.pieces import _message
from fresque.i18n import DEFAULT_LANGUAGE, t
from fresque.views.workshop import link_words, structure_words


def _confirm_box(lang: str) -> html.Div:
    """The confirmation a removal asks for (hidden until a "Retirer" button is pressed)."""
    return html.Div(
        id=P_CONFIRM,
        hidden=True,
        className="atelier-confirm",
        role="alertdialog",
        **{"aria-labelledby": P_CONFIRM_TEXT},
        children=[
            dcc.Store(id=P_ASKED, data=None),
            html.Div(id=P_CONFIRM_TEXT, className="confirm-text"),
            html.Div(
                className="atelier-buttons",
                children=[
                    html.Button(
                        t("atelier.remove.yes", lang),
                        id=P_CONFIRM_YES,
                        className="button primary danger",
                    ),
                    html.Button(t("atelier.remove.no", lang), id=P_CONFIRM_NO, className="button"),
                ],
            ),
        ],
    )


def removal_question(token: str, asked: dict[str, Any], lang: str) -> str:
    """What the confirmation asks before removing a card or a link (``asked``: ``what``,
    ``id``); the service's refusals (an unknown card or link) pass through."""
    svc = service()
    if asked["what"] == "card":
        name = svc.get_structure(token, str(asked["id"])).structure.name
        return t("atelier.remove.card.ask", lang).format(name=name)
    link = svc.get_link(token, int(asked["id"])).link
    text = link_words(link.source, link.target, link.relation, _names(token), lang)
    return t("atelier.remove.link.ask", lang).format(name=text)


def removal_conflict(error: Any, what: str, token: str | None, lang: str) -> list:
    """A removal refused because the card or link changed meanwhile: the service's
    message, the current value in words, and the question again (on that version)."""
    if what == "card":
        lines = structure_words(error.current, lang)
    else:
        link = error.current
        names = _names(token) if token is not None else {}
        lines = [link_words(link.source, link.target, link.relation, names, lang)]
        if link.description:
            lines.append(
                t("atelier.field.description", lang) + t("punct.colon", lang) + link.description
            )
    return [
        html.P(str(error), className="atelier-message error conflict"),
        html.P(t("atelier.remove.current", lang) + t("punct.colon", lang)),
        html.Ul([html.Li(line) for line in lines], className="current-value"),
        html.P(t("atelier.remove.again", lang), className="confirm-question"),
    ]


def register_callbacks(app: dash.Dash) -> None:
    """Ask, then remove (or keep); the confirmation's keyboard focus."""

    @app.callback(
        Output(P_ASKED, "data"),
        Output(P_CONFIRM, "hidden"),
        Output(P_CONFIRM_TEXT, "children"),
        Output(P_REMOVED, "children"),
        Input({"type": P_REMOVE, "what": ALL, "id": ALL, "version": ALL}, "n_clicks"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def ask_removal(_clicks, search, lang):
        token = request_token(search)
        trigger = dash.ctx.triggered_id
        if token is None or not isinstance(trigger, dict) or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate  # buttons appearing or going, not a click
        lang = lang or DEFAULT_LANGUAGE
        errors = _store_errors()
        asked = {"what": trigger["what"], "id": trigger["id"], "version": trigger["version"]}
        try:
            question = removal_question(token, asked, lang)
        except errors.StoreError as error:
            return None, True, "", _message(str(error), "error")
        return asked, False, question, ""

    @app.callback(
        Output(P_ASKED, "data", allow_duplicate=True),
        Output(P_CONFIRM, "hidden", allow_duplicate=True),
        Output(P_CONFIRM_TEXT, "children", allow_duplicate=True),
        Output(P_REMOVED, "children", allow_duplicate=True),
        Input(P_CONFIRM_YES, "n_clicks"),
        Input(P_CONFIRM_NO, "n_clicks"),
        State(P_ASKED, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def confirm_removal(_yes, _no, asked, search, lang):
        token = request_token(search)
        if token is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        lang = lang or DEFAULT_LANGUAGE
        if dash.ctx.triggered_id == P_CONFIRM_NO or not isinstance(asked, dict):
            return None, True, "", ""
        errors = _store_errors()
        svc = service()
        try:
            if asked["what"] == "card":
                name = svc.get_structure(token, str(asked["id"])).structure.name
                svc.remove_structure(token, str(asked["id"]), int(asked["version"]))
                done = t("atelier.remove.card.done", lang).format(name=name)
            else:
                svc.remove_link(token, int(asked["id"]), int(asked["version"]))
                done = t("atelier.link.removed", lang)
        except errors.ConflictError as error:
            if error.current is None:  # gone meanwhile: nothing left to remove
                return None, True, "", _message(str(error), "error conflict")
            again = {**asked, "version": error.version}
            return again, False, removal_conflict(error, asked["what"], token, lang), ""
        except errors.StoreError as error:
            return None, True, "", _message(str(error), "error")
        return None, True, "", _message(done, "success")

    # The confirmation takes the keyboard focus when it opens, so that a keyboard or
    # screen-reader user lands on it, closes with Escape ("Non, garder"), and gives the
    # focus back to the button that opened it when it closes (when that button is
    # still there).
    clientside_callback(
        """function(hidden) {
            if (!window.fresqueConfirmKeys) {
                window.fresqueConfirmKeys = function(event) {
                    var box = document.getElementById('atl-p-confirm');
                    var no = document.getElementById('atl-p-confirm-no');
                    if (event.key === 'Escape' && box && !box.hidden && no) {
                        event.preventDefault();
                        no.click();
                    }
                };
                document.addEventListener('keydown', window.fresqueConfirmKeys);
            }
            if (!hidden) {
                if (document.activeElement && document.activeElement.id !== 'atl-p-confirm-yes') {
                    window.fresqueConfirmFrom = document.activeElement;
                }
                setTimeout(function() {
                    var yes = document.getElementById('atl-p-confirm-yes');
                    if (yes) { yes.focus(); }
                }, 0);
            } else {
                var from = window.fresqueConfirmFrom;
                window.fresqueConfirmFrom = null;
                if (from && document.body.contains(from)) { from.focus(); }
            }
            return window.dash_clientside.no_update;
        }""",
        Output(P_CONFIRM_YES, "title"),
        Input(P_CONFIRM, "hidden"),
        prevent_initial_call=True,
    )
