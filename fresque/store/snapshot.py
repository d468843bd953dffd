"""What a workshop holds at one version, cached per process and keyed by that version.

Every write to a workshop's cards or links happens in the transaction that logs its event,
sets the rows' ``updated_seq`` to the event's number and moves the workshop's ``seq`` to
it. So the live cards and links are a pure function of ``(workshop id, seq)``: a process
may keep them for a version and hand them to every reader that sees that version, and any
gunicorn worker reaches the same answer (each holds its own cache; nothing is shared but
the database). A newer version is built from the newest cached one by reading only the
rows whose ``updated_seq`` lies between the two (an indexed query), so a workshop moving
five times a second costs each process a few rows per move, not the whole base.

The role checks are not cached: callers look the token up in the same read transaction
before asking for a snapshot (see :class:`~fresque.store.service.WorkshopService`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, select

from fresque.store.schema import links, structures

#: Versions kept per process, all workshops together (an event has one or two live).
DEFAULT_SIZE = 32


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The live (not removed) cards and links of one workshop at version ``seq``.

    Shared between threads and readers: treat every value as read-only.
    """

    workshop_id: int
    seq: int
    cards_by_id: Mapping[str, Any]
    """Live :class:`~fresque.store.results.Card` by structure id."""
    links_by_id: Mapping[int, Any]
    """Live :class:`~fresque.store.results.LinkCard` by link number."""
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    _memo_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @cached_property
    def cards(self) -> tuple[Any, ...]:
        """Live cards sorted by identifier."""
        return tuple(self.cards_by_id[sid] for sid in sorted(self.cards_by_id))

    @cached_property
    def link_cards(self) -> tuple[Any, ...]:
        """Live links sorted by (source, target, relation)."""
        return tuple(
            sorted(
                self.links_by_id.values(),
                key=lambda c: (c.link.source, c.link.target, c.link.relation.value),
            )
        )

    @cached_property
    def names(self) -> dict[str, str]:
        """Structure id → name, for every live card."""
        return {sid: c.structure.name for sid, c in self.cards_by_id.items()}

    @cached_property
    def latest(self) -> tuple[Any, ...]:
        """Cards changed in the workshop (``seq`` > 0), latest change first, then by name."""
        return tuple(
            sorted(
                (c for c in self.cards_by_id.values() if (c.seq or 0) > 0),
                key=lambda c: (-(c.seq or 0), c.structure.name.casefold()),
            )
        )

    def memo(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` once per snapshot and ``key`` (derived values: rows in a language,
        pick-list options…); later calls get the same object."""
        try:
            return self._memo[key]
        except KeyError:
            pass
        value = build()
        with self._memo_lock:
            return self._memo.setdefault(key, value)


class SnapshotCache:
    """A bounded, thread-safe LRU of :class:`Snapshot` keyed by ``(workshop id, seq)``.

    Parameters
    ----------
    card, link_card
        Turn a ``workshop_structures`` / ``workshop_links`` row into a card.
    size
        Versions kept (0: no cache, every call reads every row, the naive baseline).
    """

    def __init__(
        self,
        card: Callable[[Mapping[str, Any]], Any],
        link_card: Callable[[Mapping[str, Any]], Any],
        size: int = DEFAULT_SIZE,
    ) -> None:
        self._card = card
        self._link_card = link_card
        self.size = size
        self._items: OrderedDict[tuple[int, int], Snapshot] = OrderedDict()
        self._lock = threading.Lock()
        self.builds = 0
        """Full reads so far (every row of the workshop)."""
        self.updates = 0
        """Incremental reads so far (only the rows changed since a cached version)."""

    def clear(self) -> None:
        """Forget every version."""
        with self._lock:
            self._items.clear()

    def get(self, conn: Connection, workshop_id: int, seq: int) -> Snapshot:
        """The snapshot of ``workshop_id`` at ``seq``, read through ``conn`` (a read
        transaction that saw the workshop row at ``seq``) when not cached."""
        key = (workshop_id, seq)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
            older = [s for (w, v), s in self._items.items() if w == workshop_id and v < seq]
        base = max(older, key=lambda s: s.seq) if older else None
        snap = self._read(conn, workshop_id, seq, base)
        if self.size > 0:
            with self._lock:
                snap = self._items.setdefault(key, snap)
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return snap

    def _read(self, conn: Connection, wid: int, seq: int, base: Snapshot | None) -> Snapshot:
        s_query = select(structures).where(
            structures.c.workshop_id == wid, structures.c.updated_seq <= seq
        )
        l_query = select(links).where(links.c.workshop_id == wid, links.c.updated_seq <= seq)
        if base is None:
            self.builds += 1
            cards: dict[str, Any] = {}
            link_cards: dict[int, Any] = {}
            s_query = s_query.where(structures.c.deleted.is_(False))
            l_query = l_query.where(links.c.deleted.is_(False))
        else:
            self.updates += 1
            cards = dict(base.cards_by_id)
            link_cards = dict(base.links_by_id)
            s_query = s_query.where(structures.c.updated_seq > base.seq)
            l_query = l_query.where(links.c.updated_seq > base.seq)
        for row in conn.execute(s_query).mappings():
            if row["deleted"]:
                cards.pop(row["sid"], None)
            else:
                cards[row["sid"]] = self._card(row)
        for row in conn.execute(l_query).mappings():
            if row["deleted"]:
                link_cards.pop(row["id"], None)
            else:
                link_cards[row["id"]] = self._link_card(row)
        return Snapshot(wid, seq, cards, link_cards)
