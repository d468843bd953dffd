"""The phone's save says what happened.

- **Sent**: pressing "Enregistrer" sets, in the browser, the save to send
  (:data:`~fresque.app.pages.atelier.ids.P_SUBMIT`: a submission key and a time) and
  clears the earlier success banner at once; the card form's callback answers it
  (:data:`~fresque.app.pages.atelier.ids.P_ACK` gets its key).
- **No answer**: when the request fails (Dash's ``callback_resolved`` renderer hook,
  :data:`RENDERER_HOOKS`) or nothing comes within :data:`SAVE_TIMEOUT_MS`, the page
  says "Non enregistré" with a "Réessayer" button and keeps the form. A retry sends the
  same key (a key changes only once the server answered it), so a save whose answer
  was lost after it was written returns the first result and never makes the card
  twice (:func:`fresque.store.edits.submission_key`).
- **Conflict**: someone changed the card while the participant typed: the form keeps
  what the participant changed, takes the other's value for what they did not
  (:func:`after_conflict`), shows the other's changes beside it
  (:func:`conflict_lines`), and "Enregistrer ma version" saves theirs on the current
  version in one tap.

The browser's side is ``fresque/app/assets/atelier.js``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, dcc, html

from fresque.app.pages.atelier.ids import (
    FIELD_ID,
    FIELDS,
    LIST_FIELDS,
    P_ACK,
    P_CONFLICT,
    P_CONFLICT_TEXT,
    P_EDITING,
    P_KEEP_MINE,
    P_MESSAGE,
    P_RETRY,
    P_SAVE,
    P_SIMILAR,
    P_SIMILAR_FOUND,
    P_SUBMIT,
    P_UNSAVED,
)
from fresque.i18n import t
from fresque.views.workshop import value_words

#: How long the phone waits for a save's answer before it says "Non enregistré" (a
#: failed request says so at once): a save takes well under a second, 300 phones
#: included (benchmarks/workshop_load.py).
SAVE_TIMEOUT_MS = 20_000

#: Dash renderer hooks (``dash.Dash(hooks=…)``): a failed callback request reaches the
#: phone's save logic (``dash_clientside.atelier.resolved``).
RENDERER_HOOKS = {
    "callback_resolved": (
        "function (callback, result) {"
        " var atelier = window.dash_clientside && window.dash_clientside.atelier;"
        " if (atelier && atelier.resolved) { atelier.resolved(callback, result); } }"
    )
}

#: The territory pair changes together (a level without its codes means nothing).
_TERRITORY = ("territory_level", "territory_codes")


def _same(field: str, a: Any, b: Any) -> bool:
    """Whether two form values of ``field`` say the same (blank is blank, list order
    aside)."""
    if field in LIST_FIELDS:
        return sorted(map(str, a or [])) == sorted(map(str, b or []))
    a = a.strip() if isinstance(a, str) else a
    b = b.strip() if isinstance(b, str) else b
    return (a or None) == (b or None)


def changed_fields(form: Sequence[Any], loaded: Sequence[Any]) -> set[str]:
    """The fields of ``form`` (values in :data:`~fresque.app.pages.atelier.ids.FIELDS`
    order) that differ from the card as it was ``loaded``; the territory level and
    codes count as one.

    Examples
    --------
    >>> loaded = ["TAg29", "network", [], [], [], "departement", ["29"], "", ""]
    >>> sorted(changed_fields(["TAg 29", *loaded[1:]], loaded))
    ['name']
    >>> sorted(changed_fields([*loaded[:6], ["22", "29"], "", " "], loaded))
    ['territory_codes', 'territory_level']
    """
    out = {
        field
        for (field, _cid), new, old in zip(FIELDS, form, loaded, strict=True)
        if not _same(field, new, old)
    }
    if out & set(_TERRITORY):
        out |= set(_TERRITORY)
    return out


def after_conflict(
    form: Sequence[Any], loaded: Sequence[Any], current: Sequence[Any]
) -> tuple[list[Any], set[str]]:
    """What the form shows after a conflict, and what the other person changed.

    The participant's own changes (``form`` against ``loaded``) stay; every other field
    takes the ``current`` value, so that saving theirs on the current version keeps
    the other's changes too. All three are values in
    :data:`~fresque.app.pages.atelier.ids.FIELDS` order.

    Examples
    --------
    >>> loaded = ["Pépinière", "network", [], [], [], "departement", ["29"], "", ""]
    >>> form = ["Pépinière", "network", [], [], [], "departement", ["29"], "", "Mine"]
    >>> current = ["Pépinière B", "network", [], [], [], "departement", ["29"], "", ""]
    >>> shown, theirs = after_conflict(form, loaded, current)
    >>> shown[0], shown[-1], sorted(theirs)
    ('Pépinière B', 'Mine', ['name'])
    """
    mine = changed_fields(form, loaded)
    theirs = changed_fields(current, loaded)
    shown = [
        value if field in mine else now
        for (field, _cid), value, now in zip(FIELDS, form, current, strict=True)
    ]
    return shown, theirs


def conflict_lines(
    current: Sequence[Any],
    fields: set[str],
    lang: str,
    territory_label: Callable[[str, str | None], str] | None = None,
) -> list[str]:
    """The ``fields`` of the ``current`` card (values in
    :data:`~fresque.app.pages.atelier.ids.FIELDS` order) in words, one line each;
    ``territory_label(code, level)`` names a territory.

    Examples
    --------
    >>> current = ["Pépinière B", "network", [], [], [], "departement", ["29"], "", ""]
    >>> [line.replace("\\xa0", " ") for line in conflict_lines(current, {"name", "kind"}, "fr")]
    ['Nom : Pépinière B', 'Type d’acteur : Réseau']
    """
    values = dict(zip((f for f, _cid in FIELDS), current, strict=True))
    lines = []
    for field, _cid in FIELDS:
        if field not in fields:
            continue
        value = values[field]
        if field == "territory_codes" and territory_label is not None:
            level = values.get("territory_level")
            words = ", ".join(territory_label(code, level) for code in value or [])
            words = words or t("atelier.field.empty", lang)
        else:
            words = value_words(field, value if value != "" else None, lang)
        lines.append(t(f"atelier.field.{field}", lang) + t("punct.colon", lang) + words)
    return lines


def conflict_box(lang: str) -> html.Div:
    """The box a conflict opens under the form: who changed the card, their version,
    and the button that saves one's own on it (hidden until a conflict)."""
    return html.Div(
        id=P_CONFLICT,
        hidden=True,
        className="atelier-conflict",
        role="alert",
        children=[
            html.Div(id=P_CONFLICT_TEXT),
            html.Button(
                t("atelier.conflict.keep_mine", lang),
                id=P_KEEP_MINE,
                className="button primary",
            ),
        ],
    )


def conflict_text(author: str | None, lines: list[str], lang: str) -> list:
    """What :func:`conflict_box` says: who changed the card, and their version."""
    who = author or t("atelier.conflict.someone", lang)
    return [
        html.P(
            t("atelier.conflict.edited", lang).format(who=who[:1].upper() + who[1:]),
            className="atelier-message error conflict",
        ),
        html.P(t("atelier.conflict.theirs", lang) + t("punct.colon", lang)),
        html.Ul([html.Li(line) for line in lines], className="current-value"),
    ]


def unsaved_box(lang: str) -> html.Div:
    """ "Non enregistré" with its retry button (hidden until a save gets no answer)."""
    return html.Div(
        id=P_UNSAVED,
        hidden=True,
        className="atelier-unsaved",
        role="alert",
        children=[
            html.P([html.Strong(t("atelier.unsaved", lang)), " ", t("atelier.unsaved.why", lang)]),
            html.Button(t("atelier.unsaved.retry", lang), id=P_RETRY, className="button primary"),
        ],
    )


def stores() -> list[dcc.Store]:
    """The save being sent, the key last answered, what the name search found."""
    return [
        dcc.Store(id=P_SUBMIT, data=None),
        dcc.Store(id=P_ACK, data=None),
        dcc.Store(id=P_SIMILAR_FOUND, data=None),
    ]


def register_callbacks(app: dash.Dash) -> None:
    """The browser's side of the save (``dash_clientside.atelier``)."""
    app.clientside_callback(
        ClientsideFunction("atelier", "submit"),
        Output(P_SUBMIT, "data"),
        Output(P_MESSAGE, "children", allow_duplicate=True),
        Output(P_UNSAVED, "hidden", allow_duplicate=True),
        Output(P_SAVE, "disabled", allow_duplicate=True),
        Output(P_KEEP_MINE, "disabled", allow_duplicate=True),
        Input(P_SAVE, "n_clicks"),
        Input(P_RETRY, "n_clicks"),
        Input(P_KEEP_MINE, "n_clicks"),
        State(P_SUBMIT, "data"),
        State(P_ACK, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction("atelier", "similar"),
        Output(P_SIMILAR, "children"),
        Input(P_SIMILAR_FOUND, "data"),
        Input(FIELD_ID["name"], "value"),
        Input(P_EDITING, "data"),
        prevent_initial_call=True,
    )
