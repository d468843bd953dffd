"""The participant's phone: the card form, the workshop's cards, the link form, and
its live redraw (only what changed since what the phone shows; the link pick lists
fill as one types)."""

from __future__ import annotations

import json
import zlib
from typing import Any

import dash
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app.pages.atelier.access import _store_refusals_change_nothing, request_token
from fresque.app.pages.atelier.ids import (
    F_ERR,
    FIELD_ID,
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
    P_CANCEL,
    P_CARDS,
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
    URL,
)
from fresque.app.pages.atelier.live import POLL_MS
from fresque.app.pages.atelier.phone_lists import (
    _card_list,
    _card_list_state,
    _cards_update,
    _link_options,
    _my_links,
    _reader,
)
from fresque.app.pages.atelier.pieces import _capitalized, _workshop_head
from fresque.app.pages.atelier.removal import _confirm_box
from fresque.app.pages.atelier.saving import conflict_box, stores, unsaved_box
from fresque.app.payload import plain, plain_outputs
from fresque.app.widgets import dropdown_labels, labelled
from fresque.i18n import DEFAULT_LANGUAGE, enum_choices, t
from fresque.model import Kind, Level, Stage


def _error_id(field: str) -> dict[str, str]:
    """The id of a field's error line (pattern-matched: none in the skeleton)."""
    return {"type": F_ERR, "field": field}


def _kind_options(ws, lang: str) -> list[dict[str, str]]:
    """The kinds a participant may add now (those the phase opens)."""
    options = _capitalized(enum_choices(Kind, lang))
    if ws is None or ws.phase.kinds is None:
        return options
    opened = {k.value for k in ws.phase.kinds}
    return [o for o in options if o["value"] in opened]


def participant_redraw(token: str, lang: str, shown: Any = None) -> tuple[Any, ...]:
    """What a phone redraws when the workshop moved: its card list, the head (phase), the
    kinds it may add, its links, and the new :data:`P_SHOWN`. Given what the phone shows
    (``shown``), only what changed is sent: ``no_update`` for the parts that did not, a
    patch of the card rows that did (:func:`_cards_update`). The link pick lists are
    not resent (they fill as one types, :func:`_link_options`)."""
    parts = _reader(token)
    ws, me = parts.workshop, parts.member
    children, state, items = _card_list_state(token, lang, parts)
    head = [ws.name, ws.status, ws.phase.name, ws.phase.links_open, me.nickname]
    head.append(None if ws.phase.kinds is None else [k.value for k in ws.phase.kinds])
    links = _my_links(token, lang, parts)
    state["head"] = head
    state["links"] = zlib.crc32(json.dumps(plain(links), sort_keys=True).encode())
    old = shown if isinstance(shown, dict) else {}
    same_head = old.get("head") == head and old.get("lang") == lang
    return (
        _cards_update(shown, state, children, items),
        no_update if same_head else _workshop_head(ws, lang, me.nickname),
        no_update if same_head else _kind_options(ws, lang),
        no_update if old.get("links") == state["links"] and same_head else links,
        state,
    )


def participant_view(token: str | None, lang: str, ws=None, me=None) -> html.Div:
    """The mobile-first participant page: the card form, the cards, the link form."""
    choices = {}
    if token is not None:
        from fresque.store import forms

        choices = forms.choices(lang)
    opts = lambda name: _capitalized(choices.get(name, []))  # noqa: E731
    labels = dropdown_labels(lang)

    def error(field: str) -> str:
        return _error_id(field)

    form = html.Section(
        className="panel atelier-card atelier-form",
        children=[
            html.H3(t("atelier.form.add", lang), id=P_FORM_TITLE),
            dcc.Store(id=P_EDITING, data=None),
            dcc.Store(id=P_LOAD, data=None),
            labelled(
                t("atelier.form.name", lang),
                dcc.Input(id=FIELD_ID["name"], value="", maxLength=120, className="input"),
                FIELD_ID["name"],
                error("name"),
            ),
            html.Div(id=P_SIMILAR, className="atelier-similar", **{"aria-live": "polite"}),
            labelled(
                t("atelier.form.kind", lang),
                dcc.Dropdown(
                    id=FIELD_ID["kind"],
                    options=_kind_options(ws, lang),
                    searchable=False,
                    labels=labels,
                ),
                FIELD_ID["kind"],
                error("kind"),
            ),
            labelled(
                t("atelier.form.dispositifs", lang),
                dcc.Dropdown(
                    id=FIELD_ID["dispositifs"],
                    options=opts("dispositifs"),
                    multi=True,
                    labels=labels,
                ),
                FIELD_ID["dispositifs"],
                error("dispositifs"),
            ),
            labelled(
                t("atelier.form.stages", lang),
                dcc.Checklist(
                    id=FIELD_ID["stages"],
                    options=opts("stages") or _capitalized(enum_choices(Stage, lang)),
                    value=[],
                    className="choice-list",
                ),
                FIELD_ID["stages"],
                error("stages"),
            ),
            labelled(
                t("atelier.form.themes", lang),
                dcc.Dropdown(
                    id=FIELD_ID["themes"], options=opts("themes"), multi=True, labels=labels
                ),
                FIELD_ID["themes"],
                error("themes"),
            ),
            labelled(
                t("atelier.form.level", lang),
                dcc.Dropdown(
                    id=FIELD_ID["territory_level"],
                    options=opts("territory_level"),
                    value=Level.DEPARTEMENT.value,
                    searchable=False,
                    clearable=False,
                    labels=labels,
                ),
                FIELD_ID["territory_level"],
                error("territory_level"),
            ),
            labelled(
                t("atelier.form.territories", lang),
                dcc.Dropdown(
                    id=FIELD_ID["territory_codes"],
                    options=[],
                    multi=True,
                    placeholder=t("atelier.form.territories.placeholder", lang),
                    labels=labels,
                ),
                FIELD_ID["territory_codes"],
                error("territory_codes"),
            ),
            labelled(
                t("atelier.form.website", lang),
                dcc.Input(
                    id=FIELD_ID["website"], value="", type="url", maxLength=300, className="input"
                ),
                FIELD_ID["website"],
                error("website"),
            ),
            labelled(
                t("atelier.form.description", lang),
                dcc.Textarea(
                    id=FIELD_ID["description"], value="", maxLength=1000, className="input"
                ),
                FIELD_ID["description"],
                error("description"),
            ),
            html.Div(id=P_MESSAGE, className="atelier-form-message", role="alert"),
            # issue 13 (h-phone): a save without answer, a conflict's other version
            unsaved_box(lang),
            conflict_box(lang),
            *stores(),
            html.Div(
                className="atelier-buttons",
                children=[
                    html.Button(
                        t("atelier.form.save", lang), id=P_SAVE, className="button primary"
                    ),
                    html.Button(
                        t("atelier.form.cancel", lang),
                        id=P_CANCEL,
                        className="button",
                        hidden=True,
                    ),
                ],
            ),
        ],
    )
    link_form = html.Details(
        id=L_DETAILS,
        className="panel atelier-card",
        children=[
            html.Summary(t("atelier.link.heading", lang)),
            dcc.Store(id=L_EDITING, data=None),
            dcc.Store(id=L_LOAD, data=None),
            labelled(
                t("atelier.link.source", lang),
                dcc.Dropdown(id=L_SOURCE, options=_link_options(token), labels=labels),
                L_SOURCE,
            ),
            labelled(
                t("atelier.link.relation", lang),
                dcc.Dropdown(
                    id=L_RELATION, options=opts("relation"), searchable=False, labels=labels
                ),
                L_RELATION,
            ),
            labelled(
                t("atelier.link.target", lang),
                dcc.Dropdown(id=L_TARGET, options=_link_options(token), labels=labels),
                L_TARGET,
            ),
            html.Div(id=L_MESSAGE, role="alert"),
            html.Div(
                className="atelier-buttons",
                children=[
                    html.Button(t("atelier.link.save", lang), id=L_SAVE, className="button"),
                    html.Button(
                        t("atelier.link.cancel", lang), id=L_CANCEL, className="button", hidden=True
                    ),
                ],
            ),
            html.H4(t("atelier.link.mine", lang)),
            html.Div(_my_links(token, lang), id=L_MINE, **{"aria-live": "polite"}),
        ],
    )
    head = _workshop_head(ws, lang, me.nickname) if ws is not None else None
    return html.Div(
        className="atelier-participant",
        children=[
            dcc.Interval(id=P_TICK, interval=POLL_MS),
            dcc.Store(id=P_VERSION, data=[ws.version, 0] if ws is not None else [0, 0]),
            dcc.Store(id=P_SHOWN, data=None),
            html.Div(head, id=P_HEAD),
            form,
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H3(t("atelier.cards.heading", lang)),
                    _confirm_box(lang),
                    html.Div(id=P_REMOVED, role="status"),
                    html.Div(_card_list(token, lang), id=P_CARDS, **{"aria-live": "polite"}),
                ],
            ),
            link_form,
        ],
    )


def register_callbacks(app: dash.Dash) -> None:
    """The phone's live parts: its redraw when the workshop moved, and the link ends'
    pick lists as one types."""

    @app.callback(
        Output(P_CARDS, "children"),
        Output(P_HEAD, "children"),
        Output(FIELD_ID["kind"], "options"),
        Output(L_MINE, "children"),
        Output(P_SHOWN, "data"),
        Input(P_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        State(P_SHOWN, "data"),
        prevent_initial_call=True,
    )
    def participant_live(_version, search, lang, shown):
        token = request_token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            redraw = participant_redraw(token, lang or DEFAULT_LANGUAGE, shown)
            return plain_outputs(redraw, no_update)

    def link_search(text, chosen, search):
        token = request_token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            return _link_options(token, text, chosen)

    for end in (L_SOURCE, L_TARGET):
        app.callback(
            Output(end, "options"),
            Input(end, "search_value"),
            Input(end, "value"),
            State(URL, "search"),
            prevent_initial_call=True,
        )(link_search)
