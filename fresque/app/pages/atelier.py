"""Atelier: the live workshop (join, participant forms, projector board, facilitator panel).

The page keeps no state in the process: the secret token travels in the URL
(``/atelier?t=TOKEN``), and every callback asks :class:`~fresque.store.WorkshopService`,
which checks the token's role on the server before it reads or writes anything. The
service is created once per process, on first use (``FRESQUE_DATABASE_URL`` or the SQLite
file ``var/fresque.db``); tests install their own with :func:`install_service`.

Who sees what (from the token's role):

- no token: join with the short code and a nickname; create a workshop (facilitators);
- participant: the mobile-first card form (pick lists, territory autocomplete), the
  workshop's cards with an edit button (version checked: a conflict shows the current
  value) and, on the cards one added, a remove button; a link form with "my links", each
  editable and removable. A removal asks for a confirmation first (a sheet at the
  bottom of the screen that takes the keyboard focus); if the card or link changed
  meanwhile, the sheet shows its current value and asks again on that version;
- facilitator: the panel (phase, moderation, duplicates and merge, undo from the audit
  log, close / reopen, export, read-only link, and the merge of a closed workshop into
  the curated dataset: a diff in words, field by field, then a confirmation, refused
  when the diff changed since it was shown) and, with ``&vue=tableau``, the projector
  board;
- viewer: the board, read only.

Live: every view holds a ``dcc.Interval`` (:data:`POLL_MS`) whose clientside callback
asks the bare route :data:`VERSION_PATH` for the workshop's version, and re-renders only
when it moved. A phone's redraw is cheap because hundreds of phones redraw
at every edit: it reads the service's per-version snapshot of the cards and only the
phone's own events (:meth:`~fresque.store.WorkshopService.reader`), builds the rows of
the few cards it shows (cached list items), and sends only what changed against what the
phone says it shows (``atl-p-shown``): nothing, or a patch of the rows that moved. The
link pick lists are filled as one types (never every card).

The shell's language link knows nothing of the token: on an Atelier screen a clientside
callback puts the token (and the board view) back into it, so that switching language
leaves everyone on their screen.

Creating a workshop from the page is allowed from the machine itself (127.0.0.1 / ::1)
or, from elsewhere, with the key set in the environment variable
``FRESQUE_FACILITATOR_KEY``. ``FRESQUE_PUBLIC_URL`` sets the address the join QR code
points to (by default, the address the facilitator's browser used).
"""

from __future__ import annotations

import functools
import hmac
import json
import os
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

import dash
import dash_cytoscape as cyto
import flask
from dash import ALL, Input, Output, State, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from fresque.app import context, ids
from fresque.app.payload import plain, plain_outputs
from fresque.app.state import ViewState, page_from_path
from fresque.app.widgets import dropdown_labels, labelled
from fresque.i18n import DEFAULT_LANGUAGE, enum_choices, t
from fresque.model import Kind, Level, Stage
from fresque.views.network import cytoscape_layout, network_elements, network_stylesheet
from fresque.views.workshop import (
    card_choices,
    card_options,
    card_rows,
    dataset_diff,
    event_rows,
    format_code,
    join_url,
    just_added,
    just_added_style,
    link_rows,
    link_words,
    list_candidates,
    list_edits,
    mark_just_added,
    qr_svg_data_uri,
    structure_words,
)

PAGE = "atelier"
EXTENSION = "fresque_atelier"
#: How often a screen asks whether the workshop moved: a change shows within 2 s (1.5 s
#: at worst, plus the redraw), and 300 phones make 200 polls a second (about 2.7 ms of
#: server CPU each, benchmarks/workshop_load.py).
POLL_MS = 1500
BOARD_VIEW = "tableau"

# --- component ids -----------------------------------------------------------------------
URL = "atl-url"
LANG = "atl-lang"
CONTENT = "atl-content"
SAVED = "atl-saved"
# join / create
JOIN_CODE = "atl-join-code"
JOIN_NICK = "atl-join-nick"
JOIN_GO = "atl-join-go"
JOIN_ERROR = "atl-join-error"
CREATE_NAME = "atl-create-name"
CREATE_BASE = "atl-create-base"
CREATE_REGION = "atl-create-region"
CREATE_MODERATION = "atl-create-moderation"
CREATE_KEY = "atl-create-key"
CREATE_GO = "atl-create-go"
CREATE_ERROR = "atl-create-error"
# participant
P_TICK = "atl-p-tick"
P_VERSION = "atl-p-version"
#: What the phone shows (card keys, its edits, head, links): live redraws send only changes.
P_SHOWN = "atl-p-shown"
P_HEAD = "atl-p-head"
P_CARDS = "atl-p-cards"
P_EDITING = "atl-p-editing"
P_FORM_TITLE = "atl-p-form-title"
P_SAVE = "atl-p-save"
P_CANCEL = "atl-p-cancel"
P_MESSAGE = "atl-p-message"
P_EDIT = "atl-edit"  # pattern type, id: the card's id
P_SIMILAR = "atl-p-similar"
P_UNDO = "atl-p-undo"  # pattern: seq
P_LOAD = "atl-p-load"  # the card an edit button asked for
F_ERR = "atl-ferr"  # pattern: field (a form field's error line)
L_SOURCE = "atl-l-source"
L_TARGET = "atl-l-target"
L_RELATION = "atl-l-relation"
L_SAVE = "atl-l-save"
L_MESSAGE = "atl-l-message"
L_CANCEL = "atl-l-cancel"
L_DETAILS = "atl-l-details"
L_EDITING = "atl-l-editing"  # the link being edited: {"id", "version"}
L_LOAD = "atl-l-load"  # the link an edit button asked for
L_MINE = "atl-l-mine"
L_EDIT = "atl-l-edit"  # pattern: id (a link of mine)
# removing one's own cards and links, with a confirmation
P_REMOVE = "atl-p-remove"  # pattern: what ("card" / "link"), id, version
P_ASKED = "atl-p-asked"  # what the confirmation is about: {"what", "id", "version"}
P_CONFIRM = "atl-p-confirm"
P_CONFIRM_TEXT = "atl-p-confirm-text"
P_CONFIRM_YES = "atl-p-confirm-yes"
P_CONFIRM_NO = "atl-p-confirm-no"
P_REMOVED = "atl-p-removed"  # the outcome of a removal
#: The card form's fields: (form field, component id).
FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "atl-f-name"),
    ("kind", "atl-f-kind"),
    ("dispositifs", "atl-f-dispositifs"),
    ("stages", "atl-f-stages"),
    ("themes", "atl-f-themes"),
    ("territory_level", "atl-f-level"),
    ("territory_codes", "atl-f-territories"),
    ("website", "atl-f-website"),
    ("description", "atl-f-description"),
)
FIELD_ID = dict(FIELDS)
LIST_FIELDS = ("dispositifs", "stages", "themes", "territory_codes")
# board
B_TICK = "atl-b-tick"
B_VERSION = "atl-b-version"
B_GRAPH = "atl-b-graph"
B_MAP = "atl-b-map"
B_RECENT = "atl-b-recent"
B_COUNT = "atl-b-count"
# facilitator
F_TICK = "atl-fa-tick"
F_VERSION = "atl-fa-version"
F_STATE = "atl-fa-state"
F_PENDING = "atl-fa-pending"
F_DUPLICATES = "atl-fa-duplicates"
F_LOG = "atl-fa-log"
F_MESSAGE = "atl-fa-message"
F_MODERATE = "atl-moderate"  # pattern: seq, decision
F_MERGE = "atl-merge"  # pattern: keep, merge
F_UNDO = "atl-undo"  # pattern: seq
PH_NAME = "atl-ph-name"
PH_KINDS = "atl-ph-kinds"
PH_LINKS = "atl-ph-links"
PH_SAVE = "atl-ph-save"
F_STATUS = "atl-fa-status"
F_VIEWER = "atl-fa-viewer"
F_VIEWER_LINK = "atl-fa-viewer-link"
F_EXPORT_XLSX = "atl-fa-export-xlsx"
F_EXPORT_JSON = "atl-fa-export-json"
F_DOWNLOAD = "atl-fa-download"
F_MEMBERS = "atl-fa-members"
F_BLOCK = "atl-block"  # pattern: member, blocked
F_ACCEPT_ALL = "atl-fa-accept-all"
F_MERGE_PREVIEW = "atl-fa-merge-preview"
F_MERGE_CONFIRM = "atl-fa-merge-confirm"
F_MERGE_DIFF = "atl-fa-merge-diff"
F_MERGE_SEEN = "atl-fa-merge-seen"  # fingerprint of the diff the facilitator was shown


# --------------------------------------------------------------------------------------
# The service, and the token
# --------------------------------------------------------------------------------------

_LOCK = threading.Lock()


def install_service(server: flask.Flask, service: Any) -> None:
    """Make the app's Atelier use ``service`` (tests: a temporary database)."""
    server.extensions[EXTENSION] = service


def service(server: flask.Flask | None = None) -> Any:
    """The app's :class:`~fresque.store.WorkshopService`, created on first use (of
    ``server``, by default the app of the current request)."""
    app = server if server is not None else flask.current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        with _LOCK:
            found = app.extensions.get(EXTENSION)
            if found is None:
                from fresque.store import WorkshopService

                found = app.extensions[EXTENSION] = WorkshopService()
    return found


def _query(search: str | None) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items() if v}


def _token(search: str | None) -> str | None:
    token = _query(search).get("t")
    return token if token and len(token) <= 200 else None


def _href(lang: str, **params: str) -> str:
    query = {k: v for k, v in params.items() if v}
    if lang != DEFAULT_LANGUAGE:
        query["lang"] = lang
    return "/atelier" + ("?" + urlencode(query) if query else "")


def _may_create(key: str | None) -> bool:
    """Creating a workshop: from the machine itself, or with the facilitator key."""
    expected = os.environ.get("FRESQUE_FACILITATOR_KEY")
    if expected and key and hmac.compare_digest(expected.encode(), str(key).encode()):
        return True
    return flask.request.remote_addr in ("127.0.0.1", "::1")


def _base_url() -> str:
    return os.environ.get("FRESQUE_PUBLIC_URL") or flask.request.host_url


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _store_errors():
    from fresque.store import errors

    return errors


@contextmanager
def _store_refusals_change_nothing() -> Iterator[None]:
    """In a background refresh, a store refusal (closed workshop, revoked link) leaves the
    screen as it is: Dash's ``PreventUpdate``."""
    try:
        yield
    except _store_errors().StoreError:
        raise PreventUpdate from None


# --------------------------------------------------------------------------------------
# Small pieces
# --------------------------------------------------------------------------------------


def _error_id(field: str) -> dict[str, str]:
    """The id of a field's error line (pattern-matched: none in the skeleton)."""
    return {"type": F_ERR, "field": field}


def _message(text: str, kind: str = "notice") -> html.P:
    return html.P(text, className=f"atelier-message {kind}", role="status")


def _capitalized(options: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**o, "label": o["label"][:1].upper() + o["label"][1:]} for o in options]


# --------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------


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


def _workshop_head(ws, lang: str, who: str | None = None) -> html.Div:
    phase = ws.phase
    if phase.kinds is None:
        opened = t("atelier.phase.all_kinds", lang)
    else:
        labels = {o["value"]: o["label"] for o in enum_choices(Kind, lang)}
        opened = ", ".join(labels[k.value] for k in phase.kinds) or t("atelier.phase.none", lang)
    parts = [html.H2(ws.name, className="atelier-title")]
    line = [
        t("atelier.head.code", lang) + t("punct.colon", lang),
        html.Strong(format_code(ws.code)),
    ]
    if who:
        line += [" · ", t("atelier.head.you", lang) + t("punct.colon", lang), html.Strong(who)]
    parts.append(html.P(line, className="atelier-sub"))
    phase_text = (f"« {phase.name} » — " if phase.name else "") + opened
    if not phase.links_open:
        phase_text += " · " + t("atelier.phase.links_closed", lang)
    parts.append(
        html.P(
            [t("atelier.head.phase", lang) + t("punct.colon", lang), phase_text],
            className="atelier-phase",
        )
    )
    if ws.status != "open":
        parts.append(_message(t("atelier.head.closed", lang), "error"))
    return html.Div(parts, className="atelier-head")


def _card_list(token: str | None, lang: str, parts: Any = None) -> list:
    """The latest cards (one's own and the just added first), with one's latest edits.

    Reads the workshop's cached snapshot of this version and only the reader's own
    events: the rows of a few dozen cards are built, never those of the whole base."""
    return _card_list_state(token, lang, parts)[0]


def _card_list_state(
    token: str | None, lang: str, parts: Any = None
) -> tuple[list, dict[str, Any], list]:
    """:func:`_card_list`, with what identifies it (``{"lang", "undo", "rows"}``: the
    undo buttons' events and each row's card, version and marks) and its rows' items."""
    if token is None:
        return [], {}, []
    svc = service()
    parts = parts if parts is not None else _reader(token)
    ws, me, snap, own = parts.workshop, parts.member, parts.snapshot, parts.own_events
    mine = {e.target for e in own if e.target}
    now = _now()
    if ws.moderation.value == "pre" and me.role.value != "facilitator":
        # Others' edits show once accepted (as on the board); one's own at once.
        accepted = svc.accepted_ids(token)
        shown = lambda sid: sid in accepted or sid in mine  # noqa: E731
        recent = just_added(parts.recent_events, now)
        ordered = snap.memo(("recent", frozenset(recent)), lambda: _in_list_order(snap, recent))
        cards = list_candidates(
            snap.latest, snap.cards_by_id, mine=mine, recent=ordered, shown=shown, limit=40
        )
        cards = [c for c in cards if shown(c.structure.id)]
    else:
        # Every phone sees the same events: what was just added, and everyone's cards in
        # list order, are worked out once per version and second; a phone puts its own
        # first.
        second = int(now.timestamp())
        recent = snap.memo(("just", second), lambda: just_added(parts.recent_events, now))
        others = snap.memo(
            ("others", second),
            lambda: list_candidates(
                snap.latest, snap.cards_by_id, recent=_in_list_order(snap, recent), limit=40
            ),
        )
        cards = list_candidates(others, snap.cards_by_id, mine=mine, limit=40)
    rows = card_rows(cards, lang=lang, mine=mine, recent=recent, limit=40, owner=me.id)
    undo_rows = _undo_rows(own, me.id)
    undo = _my_edits(own, me.id, lang, undo_rows)
    state = {
        "lang": lang,
        "undo": [r["seq"] for r in undo_rows],
        "rows": [[r["id"], r["version"], r["recent"], r["removable"]] for r in rows],
    }
    if not rows:
        return [html.P(t("atelier.cards.empty", lang), className="detail-empty"), *undo], state, []
    items = [
        _card_item(
            lang,
            r["id"],
            r["name"],
            r["kind"],
            r["details"],
            r["version"],
            r["recent"],
            r["removable"],
        )
        for r in rows
    ]
    children = [
        *undo,
        {
            "type": "Ul",
            "namespace": "dash_html_components",
            "props": {"className": "atelier-cards", "children": items},
        },
    ]
    return children, state, items


def _in_list_order(snap, sids) -> list[str]:
    """``sids`` (cards of ``snap``) by latest change then name, as lists show them."""
    found = [snap.cards_by_id[sid] for sid in sids if sid in snap.cards_by_id]
    found.sort(key=lambda c: (-(c.seq or 0), c.structure.name.casefold()))
    return [c.structure.id for c in found]


def _cards_update(old: Any, new: dict[str, Any], children: list, items: list) -> Any:
    """What to send for the card list a phone shows as ``old`` (its :data:`P_SHOWN`):
    nothing when it is the same, a :class:`dash.Patch` of the rows that moved when only
    rows did (a new card: one insertion, not forty rows), else the whole list."""
    if not isinstance(old, dict) or not isinstance(old.get("rows"), list):
        return children
    if old.get("lang") != new["lang"] or old.get("undo") != new["undo"]:
        return children
    before = [tuple(k) for k in old["rows"] if isinstance(k, list)]
    after = [tuple(k) for k in new["rows"]]
    if before == after:
        return no_update
    if not before or not after or len(before) != len(old["rows"]):
        return children
    patch = dash.Patch()
    rows = patch[len(children) - 1]["props"]["children"]
    for _op, i1, i2, j1, j2 in reversed(list_edits(before, after)):
        for _ in range(i2 - i1):
            del rows[i1]
        for offset, item in enumerate(items[j1:j2]):
            rows.insert(i1 + offset, item)
    return patch


@functools.lru_cache(maxsize=8192)
def _card_item(
    lang: str,
    sid: str,
    name: str,
    kind: str,
    details: str,
    version: int,
    recent: bool,
    removable: bool,
) -> dict[str, Any]:
    """One card of a phone's list, as sent (cached: the same card looks the same on every
    phone; every argument is in the key, so a changed card makes a new item)."""
    return plain(
        html.Li(
            className="atelier-card-row" + (" just-added" if recent else ""),
            children=[
                html.Div(
                    [
                        html.Strong(name, className="card-name"),
                        html.Span(kind, className="card-kind"),
                        html.Small(details, className="card-details"),
                    ],
                    className="card-text",
                ),
                html.Div(
                    className="card-actions",
                    children=[
                        html.Button(
                            t("atelier.cards.edit", lang),
                            id={"type": P_EDIT, "id": sid, "at": "list"},
                            className="button small",
                            n_clicks=0,
                            **{"aria-label": t("atelier.cards.edit", lang) + " " + name},
                        ),
                        _remove_button("card", sid, version, name, lang) if removable else None,
                    ],
                ),
            ],
        )
    )


def _remove_button(what: str, key: Any, version: int, name: str, lang: str) -> html.Button:
    """A "Retirer" button: it asks for a confirmation first (:data:`P_CONFIRM`)."""
    return html.Button(
        t("atelier.remove", lang),
        id={"type": P_REMOVE, "what": what, "id": key, "version": version},
        className="button small danger",
        n_clicks=0,
        **{"aria-label": t("atelier.remove", lang) + " " + name},
    )


def _reader(token: str) -> Any:
    """:meth:`~fresque.store.WorkshopService.reader`: the workshop, the member, the cards'
    snapshot and the events a phone's lists need, in one read (the token is checked: a
    blocked or unknown member is refused whatever is cached)."""
    return service().reader(token)


def _names(token: str) -> dict[str, str]:
    return service().snapshot(token).names


def _links_by_owner(snap) -> dict[int | None, list]:
    out: dict[int | None, list] = {}
    for card in snap.link_cards:
        out.setdefault(card.created_by, []).append(card)
    return out


def _my_links(token: str | None, lang: str, parts: Any = None) -> list:
    """The links one added, each with an edit and a remove button."""
    if token is None:
        return []
    parts = parts if parts is not None else _reader(token)
    me, snap = parts.member, parts.snapshot
    own = snap.memo("links_by_owner", lambda: _links_by_owner(snap)).get(me.id, [])
    rows = link_rows(own, snap.names, owner=me.id, lang=lang)[:40]
    if not rows:
        return [html.P(t("atelier.link.mine.none", lang), className="detail-empty")]
    return [
        {
            "type": "Ul",
            "namespace": "dash_html_components",
            "props": {
                "className": "atelier-cards atelier-links",
                "children": [_link_item(lang, r["id"], r["version"], r["text"]) for r in rows],
            },
        }
    ]


@functools.lru_cache(maxsize=4096)
def _link_item(lang: str, lid: int, version: int, text: str) -> dict[str, Any]:
    """One of a phone's links, as sent (cached like :func:`_card_item`)."""
    return plain(
        html.Li(
            className="atelier-card-row",
            children=[
                html.Span(text, className="card-text"),
                html.Div(
                    className="card-actions",
                    children=[
                        html.Button(
                            t("atelier.cards.edit", lang),
                            id={"type": L_EDIT, "id": lid},
                            className="button small",
                            n_clicks=0,
                            **{"aria-label": t("atelier.link.edit", lang) + " " + text},
                        ),
                        _remove_button("link", lid, version, text, lang),
                    ],
                ),
            ],
        )
    )


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


def _undo_rows(events, member_id: int) -> list[dict[str, Any]]:
    """One's own latest three undoable edits (:func:`~fresque.views.workshop.event_rows`)."""
    return [
        r
        for r in event_rows([e for e in events if e.author_id == member_id], limit=40)
        if r["undoable"]
    ][:3]


def _my_edits(events, member_id: int, lang: str, rows: list | None = None) -> list:
    """One's own latest edits, each with an undo button (participants undo their own)."""
    rows = rows if rows is not None else _undo_rows(events, member_id)
    if not rows:
        return []
    return [
        html.Details(
            className="atelier-mine",
            children=[
                html.Summary(t("atelier.cards.mine", lang)),
                html.Ul(
                    [
                        html.Li(
                            [
                                html.Span(f"{r['time']} · {r['summary']} "),
                                html.Button(
                                    t("atelier.panel.undo", lang),
                                    id={"type": P_UNDO, "seq": r["seq"]},
                                    className="button small",
                                    n_clicks=0,
                                ),
                            ]
                        )
                        for r in rows
                    ]
                ),
            ],
        )
    ]


def _kind_options(ws, lang: str) -> list[dict[str, str]]:
    """The kinds a participant may add now (those the phase opens)."""
    options = _capitalized(enum_choices(Kind, lang))
    if ws is None or ws.phase.kinds is None:
        return options
    opened = {k.value for k in ws.phase.kinds}
    return [o for o in options if o["value"] in opened]


def _link_options(
    token: str | None, text: str | None = None, chosen: Any = (), snap=None
) -> list[dict[str, str]]:
    """A link end's pick list: the chosen cards, then those matching ``text`` (at most
    :data:`~fresque.views.workshop.CARD_OPTIONS_LIMIT`: one types to find the others,
    so a phone never receives thousands of options)."""
    if token is None:
        return []
    snap = snap if snap is not None else service().snapshot(token)
    choices = snap.memo("card_choices", lambda: card_choices(snap.names))
    if isinstance(chosen, str):
        chosen = [chosen]
    return card_options(choices, text, chosen or (), names=snap.names)


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


def _board_parts(token: str | None, lang: str) -> tuple[list, list, str]:
    """Elements (just-added marked), what just arrived, the count."""
    if token is None:
        return [], [], ""
    svc = service()
    ws = svc.workshop(token)
    eco = svc.current_ecosystem(token, revealed_only=True)
    changes = svc.changes_since(token, max(0, ws.version - 300))
    recent = just_added(changes.events, _now())
    elements = context.current().cached(
        ("atelier-board", ws.id, ws.version, lang),
        lambda: network_elements(eco, layout="board", lang=lang),
        maxsize=16,
    )
    elements = mark_just_added(elements, recent)
    feed = [
        html.Li([html.Time(r["time"]), " ", html.Strong(r["author"]), " ", r["summary"]])
        for r in event_rows(
            [
                e
                for e in changes.events
                if e.kind in ("add_structure", "edit_structure", "add_link", "merge")
            ],
            limit=8,
        )
    ]
    count = t("network.count", lang).format(structures=len(eco), links=len(eco.links))
    return elements, feed, count


def _board_map(token: str | None, lang: str) -> Any:
    """The coverage map of the board (cached by the workshop's version)."""
    if token is None:
        return {}
    svc = service()
    ws = svc.workshop(token)
    eco = svc.current_ecosystem(token, revealed_only=True)
    return context.current().cached(
        ("atelier-map", ws.id, ws.version, lang),
        lambda: _coverage_map(eco, ws.region, lang),
        maxsize=8,
    )


def _coverage_map(eco, region: str | None, lang: str):
    """Départements coloured by the number of stages of the chain they are offered
    (local offers; 0 to 6)."""
    try:
        import pandas as pd

        from fresque.coverage import compute_coverage
        from fresque.views.maps import choropleth_figure, map_geojson

        table = compute_coverage(eco).table(
            "departement", [("stage", s.value) for s in Stage], region
        )
        covered = table[table["status"].isin(["single", "covered", "overlap"])]
        values = covered.groupby("code")["key"].nunique()
        codes = table["code"].unique()
        values = pd.Series(values, dtype=float).reindex(codes).fillna(0)
        geojson = map_geojson("departements")
        if region:
            keep = set(codes)
            geojson = {
                **geojson,
                "features": [f for f in geojson["features"] if str(f["id"]) in keep],
                "insets": [],
            }
        figure = choropleth_figure(
            geojson,
            values,
            colorbar_title=t("atelier.board.map.colorbar", lang),
            value_label=t("atelier.board.map.value", lang),
            lang=lang,
        )
        figure.update_traces(colorbar={"dtick": 1}, zmin=0, zmax=len(Stage), selector=0)
        return figure
    except (FileNotFoundError, KeyError, ValueError):
        return {}


def board_view(token: str | None, lang: str, ws=None) -> html.Div:
    """The projector: the Fresque board, the coverage map, what just arrived, the code."""
    from fresque.views.maps import map_graph_config

    elements, feed, count = _board_parts(token, lang)
    figure = _board_map(token, lang)
    if ws is not None:
        url = join_url(_base_url(), ws.code)
        join = html.Div(
            className="atelier-join-box",
            children=[
                html.P(t("atelier.board.join", lang), className="join-label"),
                html.P(format_code(ws.code), className="join-code", id="atl-b-code"),
                html.Img(
                    src=qr_svg_data_uri(url, scale=6),
                    alt=t("atelier.board.qr_alt", lang) + " " + url,
                    className="join-qr",
                    id="atl-b-qr",
                ),
                html.P(url, className="join-url"),
            ],
        )
        head = _workshop_head(ws, lang)
    else:
        join, head = None, None
    asset_url = (
        context.asset_url("topojson/") if flask.has_request_context() else "/assets/topojson/"
    )
    return html.Div(
        className="atelier-board",
        children=[
            dcc.Interval(id=B_TICK, interval=POLL_MS),
            dcc.Store(id=B_VERSION, data=[ws.version, 0] if ws is not None else [0, 0]),
            html.Div(className="board-top", children=[head, html.P(count, id=B_COUNT)]),
            html.Div(
                className="board-main",
                children=[
                    html.Div(
                        className="graph-frame board-graph",
                        children=cyto.Cytoscape(
                            id=B_GRAPH,
                            elements=elements,
                            stylesheet=network_stylesheet() + just_added_style(),
                            layout=cytoscape_layout("board", len(elements)),
                            style={"width": "100%", "height": "100%"},
                            minZoom=0.05,
                            maxZoom=4,
                            responsive=True,
                        ),
                    ),
                    html.Aside(
                        className="board-side",
                        children=[
                            join,
                            html.H3(t("atelier.board.recent", lang)),
                            html.Ul(feed, id=B_RECENT, className="board-recent"),
                            html.H3(t("atelier.board.map", lang)),
                            dcc.Graph(
                                id=B_MAP,
                                figure=figure,
                                config=map_graph_config(asset_url),
                                className="board-map",
                            ),
                        ],
                    ),
                ],
            ),
        ],
    )


def _pending_list(token: str | None, lang: str) -> list:
    if token is None:
        return []
    events = service().pending(token)
    if not events:
        return [html.P(t("atelier.panel.pending.none", lang))]
    return [
        html.Ul(
            className="atelier-list",
            children=[
                html.Li(
                    [
                        html.Span(f"n° {r['seq']} · {r['time']} · "),
                        html.Strong(r["author"]),
                        " ",
                        r["summary"],
                        html.Button(
                            t("atelier.panel.accept", lang),
                            id={"type": F_MODERATE, "seq": r["seq"], "decision": "accepted"},
                            className="button small",
                            n_clicks=0,
                        ),
                        html.Button(
                            t("atelier.panel.reject", lang),
                            id={"type": F_MODERATE, "seq": r["seq"], "decision": "rejected"},
                            className="button small",
                            n_clicks=0,
                        ),
                    ]
                )
                for r in event_rows(events, limit=100)
            ],
        )
    ]


def _duplicate_list(token: str | None, lang: str) -> list:
    if token is None:
        return []
    pairs = service().duplicate_suggestions(token)[:30]
    if not pairs:
        return [html.P(t("atelier.panel.duplicates.none", lang))]
    return [
        html.Ul(
            className="atelier-list",
            children=[
                html.Li(
                    [
                        f"« {d.first_name} » ≈ « {d.second_name} » ({round(d.score * 100)} %) ",
                        html.Button(
                            t("atelier.panel.merge", lang).format(
                                merged=d.second_name, kept=d.first_name
                            ),
                            id={"type": F_MERGE, "keep": d.first, "merge": d.second},
                            className="button small",
                            n_clicks=0,
                        ),
                    ]
                )
                for d in pairs
            ],
        )
    ]


def _member_list(token: str | None, lang: str) -> list:
    if token is None:
        return []
    people = [m for m in service().members(token) if m.role.value == "participant"]
    if not people:
        return [html.P(t("atelier.panel.members.none", lang))]
    return [
        html.Ul(
            className="atelier-list",
            children=[
                html.Li(
                    className="blocked" if m.blocked else None,
                    children=[
                        html.Strong(m.nickname),
                        f" ({t('atelier.panel.members.blocked', lang)})" if m.blocked else "",
                        html.Button(
                            t(
                                "atelier.panel.members.unblock"
                                if m.blocked
                                else "atelier.panel.members.block",
                                lang,
                            ),
                            id={"type": F_BLOCK, "member": m.id, "blocked": not m.blocked},
                            className="button small",
                            n_clicks=0,
                        ),
                    ],
                )
                for m in people
            ],
        )
    ]


def _log_list(token: str | None, lang: str) -> list:
    if token is None:
        return []
    rows = event_rows(service().audit_log(token), limit=60)
    return [
        html.Ol(
            className="atelier-list atelier-log",
            children=[
                html.Li(
                    className="undone" if r["undone"] else None,
                    children=[
                        html.Span(f"n° {r['seq']} · {r['time']} · "),
                        html.Strong(r["author"]),
                        " ",
                        r["summary"],
                        f" [{t('atelier.status.' + r['status'], lang)}]" if r["status"] else "",
                        html.Button(
                            t("atelier.panel.undo", lang),
                            id={"type": F_UNDO, "seq": r["seq"]},
                            className="button small",
                            n_clicks=0,
                        )
                        if r["undoable"]
                        else None,
                    ],
                )
                for r in rows
            ],
        )
    ]


def facilitator_view(token: str | None, lang: str, ws=None) -> html.Div:
    """The facilitator's panel."""
    if ws is not None:
        board = _href(lang, t=token, vue=BOARD_VIEW)
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
    return html.Div(
        className="atelier-panel",
        children=[
            dcc.Interval(id=F_TICK, interval=POLL_MS),
            dcc.Store(id=F_VERSION, data=[ws.version, 0] if ws is not None else [0, 0]),
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
                children=[
                    html.H3(t("atelier.panel.pending", lang)),
                    html.Div(_pending_list(token, lang), id=F_PENDING),
                    html.Button(
                        t("atelier.panel.accept_all", lang), id=F_ACCEPT_ALL, className="button"
                    ),
                ],
            ),
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H3(t("atelier.panel.duplicates", lang)),
                    html.Div(_duplicate_list(token, lang), id=F_DUPLICATES),
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
                    html.P("", id=F_VIEWER_LINK, className="atelier-viewer-link"),
                ],
            ),
            html.Section(
                className="panel atelier-card atelier-merge",
                children=[
                    html.H3(t("atelier.merge.heading", lang)),
                    html.P(t("atelier.merge.intro", lang)),
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
                    html.Div(_member_list(token, lang), id=F_MEMBERS),
                ],
            ),
            html.Section(
                className="panel atelier-card",
                children=[
                    html.H3(t("atelier.panel.log", lang)),
                    html.Div(_log_list(token, lang), id=F_LOG),
                ],
            ),
        ],
    )


def _resume(saved: Any, lang: str) -> html.Section | None:
    """A way back to the workshop this browser last opened (its token, kept locally)."""
    token = saved.get("t") if isinstance(saved, dict) else None
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    errors = _store_errors()
    try:
        me, ws = service().me(token), service().workshop(token)
    except errors.StoreError:
        return None
    who = me.nickname or t(f"atelier.role.{me.role.value}", lang)
    return html.Section(
        className="panel atelier-card atelier-resume",
        children=[
            html.P(t("atelier.resume", lang).format(name=ws.name, who=who)),
            dcc.Link(
                t("atelier.resume.go", lang),
                href=_href(lang, t=token),
                className="button primary",
                id="atl-resume",
            ),
        ],
    )


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


# --------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------


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


def merge_fingerprint(result: Any) -> str:
    """What identifies a dataset merge's diff (to check the confirmed one is the one
    shown)."""
    import hashlib

    text = f"{result.folder}\n{result.format()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def diff_view(result: Any, lang: str) -> list:
    """A dataset merge's diff, in words: counts, then one list per kind of change."""
    diff = dataset_diff(result, lang)
    summary = t("atelier.merge.summary", lang).format(
        added=diff["added"], changed=diff["changed"], removed=diff["removed"]
    )
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


def _territory_labels(codes: list[str], level: str | None) -> list[dict[str, str]]:
    svc = service()
    out = []
    for code in codes or []:
        try:
            out.append({"label": svc.territories[(level, code)].label, "value": code})
        except (KeyError, ValueError, LookupError):
            out.append({"label": code, "value": code})
    return out


#: The route a screen polls: ``GET /_atelier/version?t=TOKEN`` → ``{"version": n}``.
VERSION_PATH = "/_atelier/version"

# A screen's poll, in the browser: the new version (and, on the board, a beat every
# 10 ticks so that "just added" marks fade), or nothing when it did not move, when the
# token is refused or when the server cannot be reached (the next tick asks again).
_POLL_JS = """
async function (n, version, search) {
    const none = window.dash_clientside.no_update;
    const token = new URLSearchParams(search || "").get("t");
    if (!token) { return none; }
    let answer;
    try {
        const reply = await fetch(__URL__ + "?t=" + encodeURIComponent(token),
                                  {cache: "no-store", headers: {Accept: "application/json"}});
        if (!reply.ok) { return none; }
        answer = await reply.json();
    } catch (error) {
        return none;
    }
    const beat = __FADE__ ? Math.floor((n || 0) / 10) : 0;
    if (Array.isArray(version) && version[0] === answer.version && version[1] === beat) {
        return none;
    }
    return [answer.version, beat];
}
"""


def workshop_version(
    token: str | None, server: flask.Flask | None = None
) -> tuple[int, dict[str, Any]]:
    """Answer a screen's poll: HTTP status and JSON body.

    ``200 {"version": n}`` for a token the store accepts (any role: the version says
    only that something moved), ``403 {"error": …}`` otherwise (unknown, blocked, or a
    workshop that is gone), with the store's message in French.
    """
    errors = _store_errors()
    if not token:
        return 400, {"error": t("atelier.version.no_token", DEFAULT_LANGUAGE)}
    try:
        version = service(server).version(token)
    except errors.StoreError as error:
        return 403, {"error": str(error)}
    return 200, {"version": version}


class VersionRoute:
    """:data:`VERSION_PATH` as a WSGI layer in front of the Flask app ``server``.

    Three hundred phones poll it 200 times a second: answered here, a poll skips
    Flask's routing, request context and after-request hooks, a third of its server
    time; every other request goes on to Flask unchanged.
    """

    def __init__(self, server: flask.Flask, path: str) -> None:
        self.server, self.path, self.app = server, path, server.wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 METHOD NOT ALLOWED", [("Allow", "GET"), ("Content-Length", "0")])
            return [b""]
        token = parse_qs(environ.get("QUERY_STRING", "")).get("t", [None])[0]
        status, body = workshop_version(token, self.server)
        data = json.dumps(body, ensure_ascii=False).encode()
        start_response(
            f"{status} {HTTPStatus(status).phrase.upper()}",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(data))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [data]


def install_version_route(app: dash.Dash) -> None:
    """Serve :data:`VERSION_PATH` on ``app``'s server (once), ahead of Flask."""
    server = app.server
    if isinstance(server.wsgi_app, VersionRoute):
        return
    path = app.config.routes_pathname_prefix.rstrip("/") + VERSION_PATH
    server.wsgi_app = VersionRoute(server, path)  # type: ignore[method-assign]


def register_callbacks(app: dash.Dash) -> None:
    """Attach the Atelier page's callbacks to ``app``."""

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

    # --- join and create ------------------------------------------------------------
    @app.callback(
        Output(URL, "search", allow_duplicate=True),
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
            token = service().join(code or "", nickname or "")
        except errors.StoreError as error:
            return no_update, str(error)
        return _href(lang, t=token)[len("/atelier") :], ""

    @app.callback(
        Output(URL, "search", allow_duplicate=True),
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
        except errors.StoreError as error:
            return no_update, str(error)
        return _href(lang, t=token)[len("/atelier") :], ""

    # --- participant: "may already be there" ----------------------------------------------
    @app.callback(
        Output(P_SIMILAR, "children"),
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
        token = _token(search)
        if token is None or editing or not name or len(name.strip()) < 4:
            return []
        values: dict[str, Any] = {"name": name}
        if level and codes:  # without territories, a similar name is enough
            values.update(territory_level=level, territory_codes=codes)
        with _store_refusals_change_nothing():
            found = service().similar_structures(token, values)[:3]
        if not found:
            return []
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
    field_values = [State(cid, "value") for _f, cid in FIELDS]

    @app.callback(
        *[Output(cid, "value") for _f, cid in FIELDS],
        Output(FIELD_ID["territory_codes"], "options", allow_duplicate=True),
        Output({"type": F_ERR, "field": ALL}, "children"),
        Output(P_MESSAGE, "children"),
        Output(P_EDITING, "data"),
        Output(P_FORM_TITLE, "children"),
        Output(P_CANCEL, "hidden"),
        Input(P_SAVE, "n_clicks"),
        Input(P_CANCEL, "n_clicks"),
        Input(P_LOAD, "data"),
        *field_values,
        State(P_EDITING, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def card_form(_save, _cancel, _edits, *args):
        values = list(args[: len(FIELDS)])
        editing, search, lang = args[len(FIELDS) :]
        lang = lang or DEFAULT_LANGUAGE
        trigger = dash.ctx.triggered_id
        token = _token(search)
        if token is None:
            raise PreventUpdate
        errors = _store_errors()
        svc = service()
        n = len(FIELDS)
        keep = [no_update] * n
        no_errors = [""] * n

        def reply(vals, options, errs, message, edit, title, cancel_hidden):
            if all(e is no_update for e in errs):
                shown = no_update
            else:  # in the order of the error lines on the page
                by_field = dict(zip((f for f, _cid in FIELDS), errs, strict=True))
                group = dash.ctx.outputs_list[len(FIELDS) + 1]
                shown = [by_field.get(o["id"]["field"], "") for o in group]
            return (*vals, options, shown, message, edit, title, cancel_hidden)

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
                {"sid": structure.id, "version": version},
                t("atelier.form.edit", lang).format(name=structure.name),
                False,
            )

        fired = {item["prop_id"] for item in dash.ctx.triggered}
        if f"{P_SAVE}.n_clicks" in fired:
            trigger = P_SAVE
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
                changes = {k: v for k, v in form.items()}
                card = svc.edit_structure(
                    token, editing["sid"], changes, expected_version=int(editing["version"])
                )
                message = t("atelier.form.saved", lang).format(name=card.structure.name)
            else:
                card = svc.add_structure(
                    token, {k: v for k, v in form.items() if v not in (None, [])}
                )
                message = t("atelier.form.added", lang).format(name=card.structure.name)
        except errors.ConflictError as error:
            if error.current is None:
                return reply(
                    blank(),
                    [],
                    no_errors,
                    _message(str(error), "error conflict"),
                    None,
                    t("atelier.form.add", lang),
                    True,
                )
            return loaded(error.current, error.version, _message(str(error), "error conflict"))
        except errors.InvalidInput as error:
            by_field = field_errors(error.fields, lang)
            errs = ["\n".join(by_field.get(f, [])) for f, _cid in FIELDS]
            general = [m for f, ms in by_field.items() if f not in FIELD_ID for m in ms]
            text = "\n".join(general) or t("atelier.form.fix", lang)
            return reply(
                keep, no_update, errs, _message(text, "error"), no_update, no_update, no_update
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
        token = _token(search)
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
        token = _token(search)

        def options(value):
            if value is no_update:
                return no_update
            try:
                return _link_options(token, None, value)
            except _store_errors().StoreError:
                return no_update

        return (*out, options(out[0]), options(out[2]))

    def link_form_values(_save, _cancel, load, source, relation, target, editing, search, lang):
        token = _token(search)
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

    # --- participant: remove one's own cards and links, after a confirmation ----------
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
        token = _token(search)
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
        token = _token(search)
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

    # --- the language switch keeps the workshop's token --------------------------------
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
        Output(ids.LANG_LINK, "href", allow_duplicate=True),
        Input(ids.LANG_LINK, "href"),
        prevent_initial_call="initial_duplicate",
    )

    # --- live: a cheap poll moves a version store, which re-renders --------------------
    # Each screen asks every POLL_MS whether the workshop moved, from the browser
    # (a clientside callback) to a bare JSON route: the token's role and the workshop's
    # version, two lookups by key, without Dash's callback machinery (about 10× less
    # server time: 300 phones poll 150 times a second). The rendering hangs on the store,
    # so a slow render is never cancelled by the next tick.
    install_version_route(app)
    url = json.dumps(app.get_relative_path(VERSION_PATH))
    for tick, store in ((P_TICK, P_VERSION), (B_TICK, B_VERSION), (F_TICK, F_VERSION)):
        fade = "true" if store == B_VERSION else "false"
        app.clientside_callback(
            _POLL_JS.replace("__URL__", url).replace("__FADE__", fade),
            Output(store, "data"),
            Input(tick, "n_intervals"),
            State(store, "data"),
            State(URL, "search"),
            prevent_initial_call=True,
        )

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
        token = _token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            redraw = participant_redraw(token, lang or DEFAULT_LANGUAGE, shown)
            return plain_outputs(redraw, no_update)

    def link_search(text, chosen, search):
        token = _token(search)
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

    @app.callback(
        Output(B_GRAPH, "elements"),
        Output(B_GRAPH, "layout"),
        Output(B_RECENT, "children"),
        Output(B_COUNT, "children"),
        Input(B_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def board_live(version, search, lang):
        token = _token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            elements, feed, count = _board_parts(token, lang)
            return elements, no_update, feed, count

    @app.callback(
        Output(B_MAP, "figure"),
        Input(B_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def board_map(_version, search, lang):
        token = _token(search)
        if token is None:
            raise PreventUpdate
        with _store_refusals_change_nothing():
            return _board_map(token, lang)

    @app.callback(
        Output(F_PENDING, "children"),
        Output(F_DUPLICATES, "children"),
        Output(F_MEMBERS, "children"),
        Output(F_LOG, "children"),
        Output(F_STATE, "children"),
        Output(F_STATUS, "children"),
        Input(F_VERSION, "data"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def facilitator_live(_version, search, lang):
        token = _token(search)
        if token is None:
            raise PreventUpdate
        svc = service()
        with _store_refusals_change_nothing():
            ws = svc.workshop(token)
            closed = ws.status != "open"
            return (
                _pending_list(token, lang),
                _duplicate_list(token, lang),
                _member_list(token, lang),
                _log_list(token, lang),
                _workshop_head(ws, lang),
                t("atelier.panel.reopen" if closed else "atelier.panel.close", lang),
            )

    # The lists' buttons and the panel's fixed buttons have callbacks apart: the lists'
    # refreshes re-trigger theirs, which would drop the reply of a fixed button in flight.
    @app.callback(
        Output(F_MESSAGE, "children", allow_duplicate=True),
        Input({"type": F_MODERATE, "seq": ALL, "decision": ALL}, "n_clicks"),
        Input({"type": F_MERGE, "keep": ALL, "merge": ALL}, "n_clicks"),
        Input({"type": F_UNDO, "seq": ALL}, "n_clicks"),
        Input({"type": F_BLOCK, "member": ALL, "blocked": ALL}, "n_clicks"),
        State(URL, "search"),
        State(LANG, "data"),
        prevent_initial_call=True,
    )
    def facilitator_list_act(_m, _g, _u, _b, search, lang):
        token = _token(search)
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
            if trigger["type"] == F_BLOCK:
                svc.block(token, int(trigger["member"]), bool(trigger["blocked"]))
                return t("atelier.panel.done.block", lang)
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
        token = _token(search)
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
                viewer_token = svc.create_viewer_link(token)
                address = _base_url().rstrip("/") + _href(lang, t=viewer_token)
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
        token = _token(search)
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
        summary = t("atelier.merge.summary", lang).format(
            added=diff["added"], changed=diff["changed"], removed=diff["removed"]
        )
        text = t("atelier.merge.done", lang).format(summary=summary, folder=str(done.folder))
        return [_message(text, "success"), *diff_view(done, lang)[2:]], True, None

    @app.callback(
        Output(F_DOWNLOAD, "data"),
        Output(F_MESSAGE, "children", allow_duplicate=True),
        Input(F_EXPORT_XLSX, "n_clicks"),
        Input(F_EXPORT_JSON, "n_clicks"),
        State(URL, "search"),
        prevent_initial_call=True,
    )
    def export(_x, _j, search):
        token = _token(search)
        if token is None or not dash.ctx.triggered[0]["value"]:
            raise PreventUpdate
        fmt = "xlsx" if dash.ctx.triggered_id == F_EXPORT_XLSX else "json"
        errors = _store_errors()
        svc = service()
        try:
            ws = svc.workshop(token)
            with tempfile.TemporaryDirectory() as folder:
                name = f"atelier-{ws.code.lower()}.{fmt}"
                path = svc.export(token, Path(folder) / name, fmt)
                data = path.read_bytes()
        except errors.StoreError as error:
            return no_update, str(error)
        return dcc.send_bytes(data, name), ""
