"""The phone's forms: add or edit a card (similar names, territory autocomplete,
version conflicts, the service's problems under their fields), undo one's own edits,
add or edit a link."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
from dash import ALL, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app.pages.atelier.access import (
    _store_errors,
    _store_refusals_change_nothing,
    request_token,
    service,
)
from fresque.app.pages.atelier.ids import (
    F_ERR,
    FIELD_ID,
    FIELDS,
    L_CANCEL,
    L_DETAILS,
    L_EDIT,
    L_EDITING,
    L_LOAD,
    L_MESSAGE,
    L_RELATION,
    L_SAVE,
    L_SOURCE,
    L_TARGET,
    LANG,
    LIST_FIELDS,
    P_ACK,
    P_CANCEL,
    P_CONFLICT,
    P_CONFLICT_TEXT,
    P_EDIT,
    P_EDITING,
    P_FORM_TITLE,
    P_KEEP_MINE,
    P_LOAD,
    P_MESSAGE,
    P_SAVE,
    P_SIMILAR_FOUND,
    P_SUBMIT,
    P_UNDO,
    P_UNSAVED,
    URL,
)
from fresque.app.pages.atelier.phone_lists import _link_options
from fresque.app.pages.atelier.pieces import _message
from fresque.app.pages.atelier.saving import (
    after_conflict,
    changed_fields,
    conflict_lines,
    conflict_text,
)
from fresque.app.payload import plain
from fresque.i18n import DEFAULT_LANGUAGE, t
from fresque.model import Level


def _form_values(values: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for (field, _cid), value in zip(FIELDS, values, strict=True):
        if field in LIST_FIELDS:
            out[field] = list(value or [])
        else:
            text = (value or "").strip() if isinstance(value, str) else value
            out[field] = text or None
    return out


def _card_values(structure) -> list[Any]:
    data = structure.model_dump(mode="json")
    out = []
    for field, _cid in FIELDS:
        value = data.get(field)
        if field in LIST_FIELDS:
            out.append(list(value or []))
        else:
            out.append(value if value is not None else "")
    return out


def field_errors(fields: dict[str, list[str]], lang: str) -> dict[str, list[str]]:
    """The service's problems by form field, worded for a form: a missing value says
    "choose one" (not the import's "missing column"), a missing territory shows under
    the territories.

    Examples
    --------
    >>> field_errors({"kind": ["colonne obligatoire absente : « kind »"]}, "fr")
    {'kind': ['Valeur obligatoire : choisissez-en une.']}
    """
    out: dict[str, list[str]] = {}
    for field, messages in fields.items():
        for message in messages:
            target = field
            if message.startswith("colonne obligatoire absente"):
                message = t("atelier.form.required", lang)
            elif field == "territory_level" and "territoire servi" in message:
                target = "territory_codes"
            out.setdefault(target, []).append(message)
    return out


def _territory_labels(codes: list[str], level: str | None) -> list[dict[str, str]]:
    svc = service()
    out = []
    for code in codes or []:
        try:
            out.append({"label": svc.territories[(level, code)].label, "value": code})
        except (KeyError, ValueError, LookupError):
            out.append({"label": code, "value": code})
    return out


def _similar_list(found, lang: str) -> list:
    """The "may already be there" box: the similar cards, each with its edit button."""
    return [
        html.P(t("atelier.form.similar", lang)),
        html.Ul(
            [
                html.Li(
                    [
                        html.Strong(c.structure.name),
                        html.Button(
                            t("atelier.cards.edit", lang),
                            id={"type": P_EDIT, "id": c.structure.id, "at": "similar"},
                            className="button small",
                            n_clicks=0,
                        ),
                    ]
                )
                for c in found
            ]
        ),
    ]


def _territory_label(code: str, level: str | None) -> str:
    """A territory's name (its code when the geography does not know it)."""
    try:
        return service().territories[(level, code)].label
    except (KeyError, ValueError, LookupError):
        return code


def register_callbacks(app: dash.Dash) -> None:
    """The card form's and the link form's callbacks."""

    # --- participant: "may already be there" ----------------------------------------------
    # What it found goes to a store, shown while the name is the one searched
    # (saving.register_callbacks): a save that empties the form hides it, even when
    # the search answers after the save.
    @app.callback(
        Output(P_SIMILAR_FOUND, "data"),
        Input(FIELD_ID["name"], "n_blur"),
        State(FIELD_ID["name"], "value"),
        State(FIELD_ID["territory_level"], "value"),
        State(FIELD_ID["territory_codes"], "value"),
        State(P_EDITING, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def similar(_blur, name, level, codes, editing, search, lang):
        token = request_token(search)
        if token is None or editing or not name or len(name.strip()) < 4:
            return None
        values: dict[str, Any] = {"name": name}
        if level and codes:  # without territories, a similar name is enough
            values.update(territory_level=level, territory_codes=codes)
        with _store_refusals_change_nothing():
            found = service().similar_structures(token, values)[:3]
        if not found:
            return None
        return {"name": name, "children": plain(_similar_list(found, lang))}

    # --- participant: territory autocomplete ------------------------------------------
    @app.callback(
        Output(FIELD_ID["territory_codes"], "options"),
        Input(FIELD_ID["territory_codes"], "search_value"),
        Input(FIELD_ID["territory_level"], "value"),
        State(FIELD_ID["territory_codes"], "value"),
        prevent_initial_call=True,
    )
    def territory_search(text, level, chosen):
        from fresque.store import forms

        chosen_options = _territory_labels(chosen or [], level)
        if not text:
            return chosen_options
        found = forms.territory_options(service().territories, text, level or None)
        seen = {o["value"] for o in chosen_options}
        return chosen_options + [
            {"label": o["label"], "value": o["value"]} for o in found if o["value"] not in seen
        ]

    # --- participant: add, edit, conflicts --------------------------------------------
    # The save comes from the browser (saving.P_SUBMIT, with its submission key): the
    # reply names the key it answers (P_ACK), so that a save without answer can say so.
    field_values = [State(cid, "value") for _f, cid in FIELDS]

    @app.callback(
        *[Output(cid, "value") for _f, cid in FIELDS],
        Output(FIELD_ID["territory_codes"], "options", allow_duplicate=True),
        Output({"type": F_ERR, "field": ALL}, "children"),
        Output(P_MESSAGE, "children"),
        Output(P_EDITING, "data"),
        Output(P_FORM_TITLE, "children"),
        Output(P_CANCEL, "hidden"),
        # issue 13 (h-phone): what the save says happened
        Output(P_ACK, "data"),
        Output(P_UNSAVED, "hidden"),
        Output(P_SAVE, "disabled"),
        Output(P_KEEP_MINE, "disabled"),
        Output(P_CONFLICT, "hidden"),
        Output(P_CONFLICT_TEXT, "children"),
        Output(P_SIMILAR_FOUND, "data"),
        Input(P_SUBMIT, "data"),
        Input(P_CANCEL, "n_clicks"),
        Input(P_LOAD, "data"),
        *field_values,
        State(P_EDITING, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def card_form(submit, _cancel, _edits, *args):
        values = list(args[: len(FIELDS)])
        editing, search, lang = args[len(FIELDS) :]
        lang = lang or DEFAULT_LANGUAGE
        token = request_token(search)
        if token is None:
            raise PreventUpdate
        errors = _store_errors()
        svc = service()
        n = len(FIELDS)
        keep = [no_update] * n
        no_errors = [""] * n
        key = submit.get("key") if isinstance(submit, dict) else None

        def reply(vals, options, errs, message, edit, title, cancel_hidden, **after):
            if all(e is no_update for e in errs):
                shown = no_update
            else:  # in the order of the error lines on the page
                by_field = dict(zip((f for f, _cid in FIELDS), errs, strict=True))
                group = dash.ctx.outputs_list[len(FIELDS) + 1]
                shown = [by_field.get(o["id"]["field"], "") for o in group]
            answered = trigger == P_SUBMIT
            return (
                *vals,
                options,
                shown,
                message,
                edit,
                title,
                cancel_hidden,
                key if answered else no_update,
                True if answered else no_update,  # an answer came: not "Non enregistré"
                False if answered else no_update,
                False if answered else no_update,
                after.get("conflict_hidden", True),
                after.get("conflict", no_update),
                after.get("similar"),
            )

        def blank():
            vals = ["", None, [], [], [], Level.DEPARTEMENT.value, [], "", ""]
            return vals

        def loaded(structure, version, message=""):
            vals = _card_values(structure)
            codes = vals[[f for f, _ in FIELDS].index("territory_codes")]
            return reply(
                vals,
                _territory_labels(codes, structure.territory_level.value),
                no_errors,
                message,
                {"sid": structure.id, "version": version, "loaded": vals},
                t("atelier.form.edit", lang).format(name=structure.name),
                False,
            )

        fired = {item["prop_id"] for item in dash.ctx.triggered}
        if f"{P_SUBMIT}.data" in fired and key:
            trigger = P_SUBMIT
        elif f"{P_CANCEL}.n_clicks" in fired:
            trigger = P_CANCEL
        elif f"{P_LOAD}.data" in fired and isinstance(_edits, dict) and _edits.get("id"):
            trigger = _edits
        else:
            raise PreventUpdate
        if isinstance(trigger, dict):  # a card's edit button
            try:
                card = svc.get_structure(token, trigger["id"])
            except errors.StoreError as error:
                return reply(
                    keep,
                    no_update,
                    no_errors,
                    _message(str(error), "error"),
                    no_update,
                    no_update,
                    no_update,
                )
            return loaded(card.structure, card.version)
        if trigger == P_CANCEL:
            return reply(blank(), [], no_errors, "", None, t("atelier.form.add", lang), True)
        form = _form_values(values)
        try:
            if editing:
                base = editing.get("loaded")
                if isinstance(base, list) and len(base) == n:
                    mine = changed_fields(values, base)
                    changes = {k: v for k, v in form.items() if k in mine}
                else:  # a form loaded before the page knew what it loaded
                    changes = dict(form)
                card = svc.edit_structure(
                    token,
                    editing["sid"],
                    changes,
                    expected_version=int(editing["version"]),
                    submission=key,
                )
                message = t("atelier.form.saved", lang).format(name=card.structure.name)
            else:
                card = svc.add_structure(
                    token, {k: v for k, v in form.items() if v not in (None, [])}, submission=key
                )
                message = t("atelier.form.added", lang).format(name=card.structure.name)
        except errors.ConflictError as error:
            if error.current is None:  # removed meanwhile: the text stays, to add it anew
                text = str(error) + "\n" + t("atelier.conflict.removed", lang)
                return reply(
                    keep,
                    no_update,
                    no_errors,
                    _message(text, "error conflict"),
                    None,
                    t("atelier.form.add", lang),
                    True,
                )
            current = _card_values(error.current)
            base = editing.get("loaded") if isinstance(editing, dict) else None
            if not isinstance(base, list) or len(base) != n:
                base = values  # nothing known of what was loaded: all of it is theirs
            shown, theirs = after_conflict(values, base, current)
            vals = [v if v != old else no_update for v, old in zip(shown, values, strict=True)]
            codes = shown[[f for f, _ in FIELDS].index("territory_codes")]
            level = shown[[f for f, _ in FIELDS].index("territory_level")]
            lines = conflict_lines(current, theirs, lang, _territory_label)
            return reply(
                vals,
                _territory_labels(codes, level),
                no_errors,
                "",
                {"sid": error.current.id, "version": error.version, "loaded": current},
                no_update,
                False,
                conflict_hidden=False,
                conflict=conflict_text(error.author, lines, lang),
            )
        except errors.InvalidInput as error:
            by_field = field_errors(error.fields, lang)
            errs = ["\n".join(by_field.get(f, [])) for f, _cid in FIELDS]
            general = [m for f, ms in by_field.items() if f not in FIELD_ID for m in ms]
            text = "\n".join(general) or t("atelier.form.fix", lang)
            return reply(
                keep,
                no_update,
                errs,
                _message(text, "error"),
                no_update,
                no_update,
                no_update,
                conflict_hidden=no_update,
                similar=no_update,
            )
        except errors.StoreError as error:
            return reply(
                keep,
                no_update,
                no_errors,
                _message(str(error), "error"),
                no_update,
                no_update,
                no_update,
                conflict_hidden=no_update,
                similar=no_update,
            )
        return reply(
            blank(),
            [],
            no_errors,
            _message(message, "success"),
            None,
            t("atelier.form.add", lang),
            True,
        )

    # --- participant: an edit button loads its card (apart from the form's callback,
    # which the lists' refreshes would otherwise re-trigger, dropping a save's reply) -----
    @app.callback(
        Output(P_LOAD, "data"),
        Input({"type": P_EDIT, "id": ALL, "at": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def pick_card(_clicks):
        trigger = dash.ctx.triggered_id
        if not isinstance(trigger, dict) or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate  # buttons appearing or going, not a click
        return {"id": trigger["id"], "at": datetime.now(UTC).timestamp()}

    # --- participant: undo one's own edits ------------------------------------------
    @app.callback(
        Output(P_MESSAGE, "children", allow_duplicate=True),
        Input({"type": P_UNDO, "seq": ALL}, "n_clicks"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def participant_undo(_clicks, search, lang):
        token = request_token(search)
        trigger = dash.ctx.triggered_id
        if token is None or trigger is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        errors = _store_errors()
        try:
            service().undo(token, int(trigger["seq"]))
        except errors.StoreError as error:
            return _message(str(error), "error")
        return _message(t("atelier.panel.done.undo", lang), "success")

    # --- participant: links (add, and edit one's own) -----------------------------------
    @app.callback(
        Output(L_LOAD, "data"),
        Input({"type": L_EDIT, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def pick_link(_clicks):
        trigger = dash.ctx.triggered_id
        if not isinstance(trigger, dict) or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate  # buttons appearing or going, not a click
        return {"id": trigger["id"], "at": datetime.now(UTC).timestamp()}

    @app.callback(
        Output(L_SOURCE, "value"),
        Output(L_RELATION, "value"),
        Output(L_TARGET, "value"),
        Output(L_MESSAGE, "children"),
        Output(L_EDITING, "data"),
        Output(L_SAVE, "children"),
        Output(L_CANCEL, "hidden"),
        Output(L_DETAILS, "open"),
        Output(L_SOURCE, "options", allow_duplicate=True),
        Output(L_TARGET, "options", allow_duplicate=True),
        Input(L_SAVE, "n_clicks"),
        Input(L_CANCEL, "n_clicks"),
        Input(L_LOAD, "data"),
        State(L_SOURCE, "value"),
        State(L_RELATION, "value"),
        State(L_TARGET, "value"),
        State(L_EDITING, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def link_form(_save, _cancel, load, source, relation, target, editing, search, lang):
        # The pick lists get the chosen ends' names with their values (they fill as one
        # types otherwise), so a loaded link shows its ends at once.
        out = link_form_values(
            _save, _cancel, load, source, relation, target, editing, search, lang
        )
        token = request_token(search)

        def options(value):
            if value is no_update:
                return no_update
            try:
                return _link_options(token, None, value)
            except _store_errors().StoreError:
                return no_update

        return (*out, options(out[0]), options(out[2]))

    def link_form_values(_save, _cancel, load, source, relation, target, editing, search, lang):
        token = request_token(search)
        lang = lang or DEFAULT_LANGUAGE
        if token is None:
            raise PreventUpdate
        fired = {item["prop_id"] for item in dash.ctx.triggered}
        errors = _store_errors()
        svc = service()
        unchanged = (no_update,) * 3

        def adding(message):
            return (None, None, None, message, None, t("atelier.link.save", lang), True, no_update)

        def loaded(link_id, link, version, message=""):
            return (
                link.source,
                link.relation.value,
                link.target,
                message,
                {"id": link_id, "version": version},
                t("atelier.link.update", lang),
                False,
                True,
            )

        if f"{L_SAVE}.n_clicks" in fired and _save:
            values = {"source": source, "relation": relation, "target": target}
            try:
                if editing:
                    svc.edit_link(
                        token, int(editing["id"]), values, expected_version=int(editing["version"])
                    )
                    return adding(_message(t("atelier.link.saved", lang), "success"))
                svc.add_link(token, values)
                return adding(_message(t("atelier.link.added", lang), "success"))
            except errors.ConflictError as error:
                if error.current is None:
                    return adding(_message(str(error), "error conflict"))
                return loaded(
                    editing["id"],
                    error.current,
                    error.version,
                    _message(str(error), "error conflict"),
                )
            except errors.StoreError as error:
                text = _message(str(error), "error")
                return (*unchanged, text, no_update, no_update, no_update, no_update)
        if f"{L_CANCEL}.n_clicks" in fired and _cancel:
            return adding("")
        if f"{L_LOAD}.data" in fired and isinstance(load, dict) and load.get("id") is not None:
            try:
                card = svc.get_link(token, int(load["id"]))
            except errors.StoreError as error:
                text = _message(str(error), "error")
                return (*unchanged, text, no_update, no_update, no_update, no_update)
            if card.deleted:
                return adding(_message(t("atelier.link.removed", lang), "error"))
            return loaded(card.id, card.link, card.version)
        raise PreventUpdate
