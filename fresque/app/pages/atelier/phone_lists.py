"""What a phone lists, redrawn live: the workshop's latest cards (its own and the
just added first, with its latest edits to undo), the links it added, and a link
end's pick list. Rows are cached list items, built once for every phone; a card list
comes with what identifies it, so that a redraw sends only the rows that moved."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import dash
from dash import html, no_update

from fresque.app.pages.atelier.access import _now, service
from fresque.app.pages.atelier.ids import L_EDIT, P_EDIT, P_REMOVE, P_UNDO
from fresque.app.payload import plain
from fresque.i18n import t
from fresque.views.workshop import (
    card_choices,
    card_options,
    card_rows,
    event_rows,
    just_added,
    link_rows,
    list_candidates,
    list_edits,
)


def _card_list(token: str | None, lang: str, parts: Any = None) -> list:
    """The latest cards (one's own and the just added first), with one's latest edits.

    Reads the workshop's cached snapshot of this version and only the reader's own
    events: the rows of a few dozen cards are built, never those of the whole base."""
    return _card_list_state(token, lang, parts)[0]()


def _card_list_state(
    token: str | None, lang: str, parts: Any = None
) -> tuple[Callable[[], list], dict[str, Any], list]:
    """:func:`_card_list` (built when called: a phone that gets a patch never needs
    the whole list), with what identifies it (``{"lang", "undo", "rows"}``: the undo
    buttons' events and each row's card, version and marks) and its rows' items."""
    if token is None:
        return list, {}, []
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
    state = {
        "lang": lang,
        "undo": [r["seq"] for r in undo_rows],
        "rows": [[r["id"], r["version"], r["recent"], r["removable"]] for r in rows],
    }
    if not rows:
        empty = html.P(t("atelier.cards.empty", lang), className="detail-empty")
        return lambda: [empty, *_my_edits(own, me.id, lang, undo_rows)], state, []
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

    def children() -> list:
        return [
            *_my_edits(own, me.id, lang, undo_rows),
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


def _cards_update(old: Any, new: dict[str, Any], children: Callable[[], list], items: list) -> Any:
    """What to send for the card list a phone shows as ``old`` (its :data:`P_SHOWN`):
    nothing when it is the same, a :class:`dash.Patch` of the rows that moved when only
    rows did (a new card: one insertion, not forty rows), else the whole list
    (``children()``)."""
    if not isinstance(old, dict) or not isinstance(old.get("rows"), list):
        return children()
    if old.get("lang") != new["lang"] or old.get("undo") != new["undo"]:
        return children()
    before = [tuple(k) for k in old["rows"] if isinstance(k, list)]
    after = [tuple(k) for k in new["rows"]]
    if before == after:
        return no_update
    if not before or not after or len(before) != len(old["rows"]):
        return children()
    patch = dash.Patch()
    # The rows' list comes after the undo box (one element, when there are edits to undo).
    rows = patch[1 if new["undo"] else 0]["props"]["children"]
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
                                    t("atelier.mine.undo", lang),
                                    id={"type": P_UNDO, "seq": r["seq"]},
                                    className="button small",
                                    n_clicks=0,
                                    **{
                                        "aria-label": t("atelier.mine.undo", lang)
                                        + t("punct.colon", lang)
                                        + r["summary"]
                                    },
                                ),
                            ]
                        )
                        for r in rows
                    ]
                ),
            ],
        )
    ]


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
