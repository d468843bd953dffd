"""What leaves a workshop: its export (xlsx or json) and, once closed, its merge into
the curated dataset: a diff in words, field by field, then a confirmation, refused
when the diff changed since it was shown."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app.pages.atelier.access import _store_errors, request_token, service
from fresque.app.pages.atelier.ids import (
    F_DOWNLOAD,
    F_EXPORT_JSON,
    F_EXPORT_MESSAGE,
    F_EXPORT_XLSX,
    F_MERGE_CONFIRM,
    F_MERGE_DIFF,
    F_MERGE_PREVIEW,
    F_MERGE_SEEN,
    LANG,
    URL,
)
from fresque.app.pages.atelier.pieces import _message
from fresque.i18n import DEFAULT_LANGUAGE, t, t_count
from fresque.views.workshop import dataset_diff


def merge_fingerprint(result: Any) -> str:
    """What identifies a dataset merge's diff (to check the confirmed one is the one
    shown)."""
    import hashlib

    text = f"{result.folder}\n{result.format()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def merge_summary(diff: dict[str, Any], lang: str) -> str:
    """How many additions, changes and removals a dataset merge makes, in words.

    Examples
    --------
    >>> merge_summary({"added": 1, "changed": 0, "removed": 2}, "fr")
    '1 ajout, 0 modification, 2 retraits.'
    """
    return t("atelier.merge.summary", lang).format(
        added=t_count("count.additions", diff["added"], lang),
        changed=t_count("count.changes", diff["changed"], lang),
        removed=t_count("count.removals", diff["removed"], lang),
    )


def diff_view(result: Any, lang: str) -> list:
    """A dataset merge's diff, in words: counts, then one list per kind of change."""
    diff = dataset_diff(result, lang)
    summary = merge_summary(diff, lang)
    out: list = [
        html.P(summary, className="diff-summary"),
        html.P(
            t("atelier.merge.target", lang).format(folder=str(result.folder)),
            className="diff-target",
        ),
    ]
    if not diff["sections"]:
        out.append(html.P(t("atelier.merge.nothing", lang)))
    for section in diff["sections"]:
        out.append(html.H4(section["title"], className=f"diff-{section['key']}"))
        out.append(
            html.Ul(
                className=f"diff-list diff-{section['key']}",
                children=[
                    html.Li(
                        [
                            html.Span(item["text"]),
                            html.Ul([html.Li(c) for c in item["changes"]])
                            if item["changes"]
                            else None,
                        ]
                    )
                    for item in section["items"]
                ],
            )
        )
    return out


def register_callbacks(app: dash.Dash) -> None:
    """Preview, then confirm, the merge into the dataset; export."""

    @app.callback(
        Output(F_MERGE_DIFF, "children"),
        Output(F_MERGE_CONFIRM, "hidden"),
        Output(F_MERGE_SEEN, "data"),
        Input(F_MERGE_PREVIEW, "n_clicks"),
        Input(F_MERGE_CONFIRM, "n_clicks"),
        State(F_MERGE_SEEN, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def merge_dataset(_preview, _confirm, seen, search, lang):
        token = request_token(search)
        if token is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        lang = lang or DEFAULT_LANGUAGE
        errors = _store_errors()
        svc = service()
        try:
            preview = svc.merge_into_dataset(token)
            fingerprint = merge_fingerprint(preview)
            if dash.ctx.triggered_id == F_MERGE_PREVIEW or not preview.changed_anything:
                return diff_view(preview, lang), not preview.changed_anything, fingerprint
            if seen != fingerprint:  # what would be written is not what was shown
                warning = _message(t("atelier.merge.changed_since", lang), "error")
                return [warning, *diff_view(preview, lang)], False, fingerprint
            done = svc.merge_into_dataset(token, write=True)
        except errors.StoreError as error:
            return _message(str(error), "error"), True, None
        diff = dataset_diff(done, lang)
        summary = merge_summary(diff, lang)
        text = t("atelier.merge.done", lang).format(summary=summary, folder=str(done.folder))
        return [_message(text, "success"), *diff_view(done, lang)[2:]], True, None

    @app.callback(
        Output(F_DOWNLOAD, "data"),
        Output(F_EXPORT_MESSAGE, "children"),
        Input(F_EXPORT_XLSX, "n_clicks"),
        Input(F_EXPORT_JSON, "n_clicks"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def export(_x, _j, search, lang):
        token = request_token(search)
        if token is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        fmt = "xlsx" if dash.ctx.triggered_id == F_EXPORT_XLSX else "json"
        download, message = export_download(service(), token, fmt, lang or DEFAULT_LANGUAGE)
        shown = _message(message, "error") if message else ""
        return (no_update if download is None else download), shown


def export_download(svc: Any, token: str, fmt: str, lang: str) -> tuple[dict | None, str]:
    """The panel's export: the file to download and the message to show.

    Parameters
    ----------
    svc
        The workshop service.
    token
        The facilitator's token.
    fmt
        ``xlsx`` or ``json``.
    lang
        Language of the message.

    Returns
    -------
    download : dict or None
        What ``dcc.Download`` sends (``dcc.send_bytes``); ``None`` when nothing was made.
    message : str
        Empty on success, else why nothing was downloaded, in words.
    """
    errors = _store_errors()
    try:
        ws = svc.workshop(token)
        with tempfile.TemporaryDirectory() as folder:
            name = f"atelier-{ws.code.lower()}.{fmt}"
            path = svc.export(token, Path(folder) / name, fmt)
            data = path.read_bytes()
    except errors.StoreError as error:  # a refusal, already in words
        return None, str(error)
    except Exception:  # a full disk, a bug: the panel says so, the log keeps the cause
        logging.getLogger(__name__).exception("workshop export (%s) failed", fmt)
        return None, t("atelier.export.failed", lang)
    return dcc.send_bytes(data, name), ""
