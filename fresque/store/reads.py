"""What members read: the workshop, its cards, the board, the changes and the log.

Holds :class:`ReadingMixin`, the part of :class:`~fresque.store.service.WorkshopService`
that answers reads: the workshop and its members, cards and links with their versions
(:meth:`~ReadingMixin.snapshot`), all a phone redraws from in one transaction
(:meth:`~ReadingMixin.reader`), the board as an :class:`~fresque.ecosystem.Ecosystem`,
the version a screen polls and the events since, the audit log and a card's history.
What a ``pre`` workshop's participants and viewers may not see yet is left out here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, or_, select

from fresque.ecosystem import Ecosystem
from fresque.io.validate import Records
from fresque.model import BIDI_CONTROLS, Link, Structure
from fresque.store.constants import (
    ACCEPTED,
    ANYONE,
    FACILITATORS,
    PENDING,
    REJECTED,
    Moderation,
    Role,
)
from fresque.store.db import single_read
from fresque.store.errors import InvalidInput, PermissionDenied
from fresque.store.replay import STATE_KINDS, State
from fresque.store.results import (
    Card,
    Changes,
    Event,
    LinkCard,
    Member,
    Reader,
    RecentEvent,
    Workshop,
    to_card,
    to_event,
    to_link_card,
    to_member,
    to_workshop,
)
from fresque.store.schema import events, members, structures
from fresque.store.snapshot import Snapshot

__all__ = ["ReadingMixin"]


_AUTHOR = members.alias("author")

# The events that change earlier events' rows (their status, their undo): a member's
# own events stay as they were as long as none of these, and none of theirs, comes.
_REWRITING_KINDS = frozenset({"undo", "moderate"})
#: A member's events, newest first, with their author (built once: an alias made per
#: call costs SQLAlchemy a new statement to compile on every phone's redraw).
_OWN_EVENTS = (
    select(events, _AUTHOR.c.nickname, _AUTHOR.c.role)
    .select_from(events.outerjoin(_AUTHOR, events.c.author_id == _AUTHOR.c.id))
    .order_by(events.c.seq.desc())
)


class ReadingMixin:
    """Every read of a workshop (a mixin of :class:`~fresque.store.service.WorkshopService`)."""

    def workshop(self, token: str) -> Workshop:
        """The workshop this token belongs to."""
        with self._reading(token) as (_conn, ws, _member):
            return to_workshop(ws)

    def me(self, token: str) -> Member:
        """Who this token is."""
        with self._reading(token) as (_conn, _ws, member):
            return to_member(member)

    def members(self, token: str) -> list[Member]:
        """Everyone in the workshop (facilitator only)."""
        with self._reading(token, FACILITATORS, "la liste des participants") as (conn, ws, _m):
            rows = conn.execute(
                select(members).where(members.c.workshop_id == ws["id"]).order_by(members.c.id)
            ).mappings()
            return [to_member(r) for r in rows]

    def get_structure(self, token: str, sid: str) -> Card:
        """A card of the working copy with its version (to edit it)."""
        with self._reading(token) as (conn, ws, _member):
            row = self._structure_row(conn, ws["id"], sid)
            return to_card(row)

    def get_link(self, token: str, link_id: int) -> LinkCard:
        """A link of the working copy with its version (to edit it)."""
        with self._reading(token) as (conn, ws, _member):
            return to_link_card(self._link_row(conn, ws["id"], link_id))

    def cards(self, token: str) -> list[Card]:
        """Every card of the working copy, with versions, sorted by identifier."""
        return list(self.snapshot(token).cards)

    def link_cards(self, token: str) -> list[LinkCard]:
        """Every link of the working copy, with numbers and versions."""
        return list(self.snapshot(token).link_cards)

    def snapshot(self, token: str) -> Snapshot:
        """The working copy's live cards and links at the workshop's current version
        (:class:`~fresque.store.snapshot.Snapshot`, read-only, shared by every reader of
        that version in this process). The token is checked on every call; only rows
        changed since a cached version are read."""
        with self._reading(token) as (conn, ws, _member):
            return self.snapshots.get(conn, ws["id"], ws["seq"])

    def my_events(self, token: str, limit: int = 40) -> list[Event]:
        """This member's own latest ``limit`` events, oldest first (an indexed query: a
        phone's "my edits" without reading everyone's)."""
        with self._reading(token) as (conn, ws, member):
            return self._own_events(conn, ws, member, limit)

    def recent_events(self, token: str, count: int = 300) -> list[RecentEvent]:
        """The events among the workshop's last ``count`` that this member may see
        (as :meth:`changes_since` from ``version - count``, without payloads: what the
        "just added" marks need), read once per version and process, then filtered for
        this member."""
        with self._reading(token) as (conn, ws, member):
            return self._recent_events(conn, ws, member, count)

    def accepted_ids(self, token: str) -> frozenset[str]:
        """The cards of the workshop's accepted view (what a ``pre`` workshop shows of
        others' edits), once per version and process: from the board's cached
        :meth:`current_ecosystem` when there, else by replaying the accepted edits
        (without building an ecosystem)."""
        with self._reading(token) as (conn, ws, _member):
            key = (ws["id"], ws["seq"], "accepted")
            with self._cache_lock:
                eco = self._cache.get(key)
                found = self._accepted.get(key)
            if eco is not None:
                return frozenset(eco.structures.index)
            if found is None:
                found = frozenset(self._replay(conn, ws["id"], (ACCEPTED,)).structures)
                if self.snapshots.size > 0:
                    with self._cache_lock:
                        self._accepted[key] = found
                        while len(self._accepted) > 8:
                            self._accepted.popitem(last=False)
            return found

    def reader(self, token: str, *, own: int = 40, recent: int = 300) -> Reader:
        """All a phone redraws from, in one read transaction (one version): the
        workshop, the member, the cards' :meth:`snapshot`, the member's ``own`` latest
        events (:meth:`my_events`) and the visible ones among the last ``recent``
        (:meth:`recent_events`). The token is checked as by every read."""
        with self._reading(token) as (conn, ws, member):
            every = self._latest_events(conn, ws, recent)
            return Reader(
                to_workshop(ws),
                to_member(member),
                self.snapshots.get(conn, ws["id"], ws["seq"]),
                self._own_events_since(conn, ws, member, own, every),
                tuple(self._visible(every, ws, member)),
            )

    def _own_events_since(
        self,
        conn: Connection,
        ws: Mapping[str, Any],
        member: Mapping[str, Any],
        limit: int,
        latest: tuple[RecentEvent, ...],
    ) -> tuple[Event, ...]:
        """The member's ``limit`` latest events, read again only when they may have
        changed: the ones read at an earlier version still hold when every event since
        (all in ``latest``) is someone else's and changes no earlier event's row."""
        key, seq = (ws["id"], member["id"], int(limit)), ws["seq"]
        with self._cache_lock:
            cached = self._own.get(key)
        if cached is not None and cached[0] <= seq:
            read_at, found = cached
            newer = [e for e in latest if e.seq > read_at]
            complete = read_at == seq or (latest and latest[0].seq <= read_at + 1)
            if complete and not any(
                e.author_id == member["id"] or e.kind in _REWRITING_KINDS for e in newer
            ):
                if read_at != seq:
                    with self._cache_lock:
                        self._own[key] = (seq, found)
                return found
        found = tuple(self._own_events(conn, ws, member, limit))
        if self.snapshots.size > 0:
            with self._cache_lock:
                self._own[key] = (seq, found)
                self._own.move_to_end(key)
                while len(self._own) > 16 * self.snapshots.size + 1024:
                    self._own.popitem(last=False)
        return found

    @staticmethod
    def _own_events(
        conn: Connection, ws: Mapping[str, Any], member: Mapping[str, Any], limit: int
    ) -> list[Event]:
        query = _OWN_EVENTS.where(
            events.c.workshop_id == ws["id"], events.c.author_id == member["id"]
        ).limit(int(limit))
        return [to_event(r) for r in reversed(conn.execute(query).mappings().all())]

    def _recent_events(
        self, conn: Connection, ws: Mapping[str, Any], member: Mapping[str, Any], count: int
    ) -> list[RecentEvent]:
        return self._visible(self._latest_events(conn, ws, count), ws, member)

    def _latest_events(
        self, conn: Connection, ws: Mapping[str, Any], count: int
    ) -> tuple[RecentEvent, ...]:
        """The workshop's ``count`` latest events, whoever may see them (cached by
        version)."""
        count = int(count)
        key = (ws["id"], ws["seq"], count)
        with self._cache_lock:
            found = self._recent.get(key)
        if found is None:
            query = (
                select(
                    events.c.seq,
                    events.c.kind,
                    events.c.target,
                    events.c.author_id,
                    events.c.status,
                    events.c.undone_by,
                    events.c.created_at,
                )
                .where(events.c.workshop_id == ws["id"], events.c.seq > max(0, ws["seq"] - count))
                .order_by(events.c.seq)
            )
            found = tuple(RecentEvent(*row) for row in conn.execute(query))
            if self.snapshots.size > 0:
                with self._cache_lock:
                    self._recent[key] = found
                    while len(self._recent) > self.snapshots.size:
                        self._recent.popitem(last=False)
        return found

    @staticmethod
    def _visible(
        found: tuple[RecentEvent, ...], ws: Mapping[str, Any], member: Mapping[str, Any]
    ) -> list[RecentEvent]:
        """``found`` without what ``member`` may not see yet (others' pending or
        rejected edits, in a ``pre`` workshop)."""
        if ws["moderation"] == Moderation.PRE.value and member["role"] != Role.FACILITATOR.value:
            return [
                e
                for e in found
                if e.status not in (PENDING, REJECTED) or e.author_id == member["id"]
            ]
        return list(found)

    def _view(self, conn: Connection, ws: Mapping[str, Any], pending: bool) -> State:
        if pending:
            srows, lrows = self._rows(conn, ws["id"])
            return self._working_state(srows, lrows)
        return self._replay(conn, ws["id"], (ACCEPTED,))

    def _pending_view(
        self, ws: Mapping[str, Any], member: Mapping[str, Any], wanted: bool | None
    ) -> bool:
        default = ws["moderation"] == Moderation.POST.value
        if wanted is None or wanted == default:
            return default
        if wanted and member["role"] != Role.FACILITATOR.value:
            raise PermissionDenied(
                "Refusé : les modifications en attente de modération ne sont visibles que de "
                "l’animation."
            )
        return bool(wanted)

    def current_ecosystem(
        self,
        token: str,
        *,
        include_pending: bool | None = None,
        revealed_only: bool | None = None,
    ) -> Ecosystem:
        """The workshop now, as an :class:`~fresque.ecosystem.Ecosystem` that every view
        and the coverage engine read unchanged.

        Parameters
        ----------
        include_pending
            Count edits awaiting moderation; default from the workshop's ``moderation``
            (``post``: yes, ``pre``: no). Only the facilitator may see pending edits of a
            ``pre`` workshop.
        revealed_only
            Keep only the kinds the phase reveals; default: yes for participants and
            viewers, no for the facilitator.
        """
        with self._reading(token) as (conn, ws, member):
            pending = self._pending_view(ws, member, include_pending)
            eco = self._ecosystem(conn, ws, pending)
            if self._revealing(ws, member, revealed_only):
                eco = eco.filter(kinds=list(ws["phase_kinds"]))
            return eco

    def current_records(
        self,
        token: str,
        *,
        include_pending: bool | None = None,
        revealed_only: bool | None = None,
    ) -> Records:
        """The workshop now as records, structures by id and links by (source, target,
        relation): what :meth:`current_ecosystem` holds, without building it.

        The projector's board redraws from these at every change (see
        :class:`fresque.views.board.BoardDrawing`): a snapshot's cards are validated
        once and handed over as the same objects from one version to the next. Same
        parameters as :meth:`current_ecosystem`.
        """
        with self._reading(token) as (conn, ws, member):
            pending = self._pending_view(ws, member, include_pending)
            if pending and self.snapshots.size > 0:
                snap = self.snapshots.get(conn, ws["id"], ws["seq"])
                records = snap.memo(
                    "records",
                    lambda: Records(
                        [c.structure for c in snap.cards], [c.link for c in snap.link_cards]
                    ),
                )
            else:
                records = self._ecosystem(conn, ws, pending).records
            if not self._revealing(ws, member, revealed_only):
                return records
        kinds = set(ws["phase_kinds"])
        kept = [s for s in records.structures if s.kind.value in kinds]
        ids = {s.id for s in kept}
        return Records(kept, [k for k in records.links if k.source in ids and k.target in ids])

    @staticmethod
    def _revealing(
        ws: Mapping[str, Any], member: Mapping[str, Any], revealed_only: bool | None
    ) -> bool:
        """Whether a read keeps only the kinds the phase reveals (default: yes for
        participants and viewers, no for the facilitator), and the phase hides some."""
        reveal = (
            revealed_only if revealed_only is not None else member["role"] != Role.FACILITATOR.value
        )
        return bool(reveal) and ws["phase_kinds"] is not None

    def _ecosystem(self, conn: Connection, ws: Mapping[str, Any], pending: bool) -> Ecosystem:
        """The whole workshop at the version ``ws`` was read at, cached per version."""
        key = (ws["id"], ws["seq"], "working" if pending else "accepted")
        with self._cache_lock:
            eco = self._cache.get(key)
            if eco is not None:
                self._cache.move_to_end(key)
                return eco
        if pending and self.snapshots.size > 0:
            # The working state is the version's snapshot, whose cards are already
            # validated (and kept from one version to the next).
            snap = self.snapshots.get(conn, ws["id"], ws["seq"])
            eco = Ecosystem(
                [c.structure for c in snap.cards_by_id.values()],
                [c.link for c in snap.links_by_id.values()],
                territories=self.territories,
            )
        else:
            state = self._view(conn, ws, pending)
            eco = Ecosystem(
                list(state.structures.values()),
                list(state.links.values()),
                territories=self.territories,
            )
        with self._cache_lock:
            eco = self._cache.setdefault(key, eco)
            while len(self._cache) > 16:
                self._cache.popitem(last=False)
        return eco

    def records(self, token: str, *, include_pending: bool | None = None) -> Records:
        """The workshop now as records (what :meth:`export` writes), facilitator only."""
        with self._reading(token, FACILITATORS, "l’export") as (conn, ws, member):
            state = self._view(conn, ws, self._pending_view(ws, member, include_pending))
        return Records(
            [Structure.model_validate(_exportable(d)) for d in state.structures.values()],
            [Link.model_validate(_exportable(d)) for d in state.links.values()],
        ).sorted()

    # --- the log, as the app shows it ---------------------------------------------------

    def _events(
        self,
        conn: Connection,
        ws: Mapping[str, Any],
        member: Mapping[str, Any],
        *conditions: Any,
        latest: int | None = None,
    ) -> list[Event]:
        """The events meeting ``conditions`` that ``member`` may see, oldest first; the
        ``latest`` ones only when given (read without the others)."""
        author = members.alias("author")
        query = (
            select(events, author.c.nickname, author.c.role)
            .select_from(events.outerjoin(author, events.c.author_id == author.c.id))
            .where(events.c.workshop_id == ws["id"], *conditions)
        )
        if latest is not None:
            newest = query.order_by(events.c.seq.desc()).limit(int(latest)).subquery()
            query = select(newest).order_by(newest.c.seq)
        else:
            query = query.order_by(events.c.seq)
        hide_pending = (
            ws["moderation"] == Moderation.PRE.value and member["role"] != Role.FACILITATOR.value
        )
        out = []
        for row in conn.execute(query).mappings():
            if (
                hide_pending
                and row["status"] in (PENDING, REJECTED)
                and row["author_id"] != member["id"]
            ):
                continue
            out.append(to_event(row))
        return out

    def version(self, token: str) -> int:
        """The workshop's version as ``token`` sees it (what a screen polls): it moves
        with every event. One lookup by key, outside any transaction; refused like any
        read (unknown token, suspended participant).

        Examples
        --------
        >>> import tempfile
        >>> from fresque.store import WorkshopService
        >>> from fresque.store.db import make_engine
        >>> folder = tempfile.mkdtemp()
        >>> svc = WorkshopService(make_engine(f"sqlite:///{folder}/atelier.db"))
        >>> ws, facilitator = svc.create_workshop("Démo", base="vide")
        >>> before = svc.version(facilitator)
        >>> svc.version(svc.join(ws.code, "Ana")) == before + 1
        True
        """
        with single_read(self.engine) as conn:
            member, ws = self._member_and_workshop(conn, token)
        self._check_role(member, ANYONE, "cette lecture")
        return int(ws["seq"])

    def changes_since(self, token: str, version: int, *, limit: int = 500) -> Changes:
        """The events after ``version`` that this member may see (for polling): poll
        with the returned ``version`` next time. In a ``pre`` workshop, participants and
        viewers do not see others' pending edits.

        Cheap when nothing moved: the token's row and the workshop's row (two lookups by
        unique key), no event read. More than ``limit`` events behind, the answer is
        ``truncated`` and holds none (``limit=0``: "did it move?" only, as the app's poll
        asks)."""
        version = int(version)
        with self._reading(token) as (conn, ws, member):
            if version < 0 or version > ws["seq"]:
                raise InvalidInput(f"version inconnue : {version} (l’atelier est à {ws['seq']})")
            if version == ws["seq"]:
                return Changes(ws["seq"], ())
            if ws["seq"] - version > limit:
                return Changes(ws["seq"], (), truncated=True)
            found = self._events(conn, ws, member, events.c.seq > version)
            return Changes(ws["seq"], tuple(found))

    def audit_log(self, token: str, since: int = 0) -> list[Event]:
        """Who did what and when: every event after ``since`` (facilitator only)."""
        with self._reading(token, FACILITATORS, "le journal de l’atelier") as (conn, ws, member):
            return self._events(conn, ws, member, events.c.seq > int(since))

    def pending(self, token: str, *, latest: int | None = None) -> list[Event]:
        """Edits awaiting moderation, oldest first (facilitator only); the ``latest``
        ones only when given (what the panel lists)."""
        with self._reading(token, FACILITATORS, "la modération") as (conn, ws, member):
            return self._events(
                conn,
                ws,
                member,
                events.c.status == PENDING,
                events.c.undone_by.is_(None),
                events.c.kind.in_(sorted(STATE_KINDS)),
                latest=latest,
            )

    def pending_count(self, token: str) -> int:
        """How many edits await moderation (facilitator only): what :meth:`pending`
        lists, counted without reading them."""
        with self._reading(token, FACILITATORS, "la modération") as (conn, ws, _member):
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(events)
                    .where(
                        events.c.workshop_id == ws["id"],
                        events.c.status == PENDING,
                        events.c.undone_by.is_(None),
                        events.c.kind.in_(sorted(STATE_KINDS)),
                    )
                ).scalar_one()
            )

    def history(self, token: str, sid: str) -> list[Event]:
        """Every event about card ``sid``, its links, and the cards merged into it (so a
        merge keeps both histories)."""
        with self._reading(token) as (conn, ws, member):
            self._structure_row(conn, ws["id"], sid)
            merged = {
                r.sid: r.merged_into
                for r in conn.execute(
                    select(structures.c.sid, structures.c.merged_into).where(
                        structures.c.workshop_id == ws["id"], structures.c.merged_into.is_not(None)
                    )
                )
            }
            names = {sid}
            grew = True
            while grew:
                more = {old for old, into in merged.items() if into in names} - names
                names |= more
                grew = bool(more)
            return self._events(
                conn,
                ws,
                member,
                or_(events.c.target.in_(sorted(names)), events.c.other.in_(sorted(names))),
            )


def _exportable(data: Mapping[str, Any]) -> dict[str, Any]:
    """A stored card's fields without bidirectional controls, which the model refuses: a
    card stored before the text hygiene existed may hold one, and must still export
    (the model's hygiene removes the other control characters).

    Examples
    --------
    >>> _exportable({"name": "abc\u202edef", "themes": ["x\u2066y"], "version": 2})
    {'name': 'abcdef', 'themes': ['xy'], 'version': 2}
    """

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return "".join(c for c in value if c not in BIDI_CONTROLS)
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return {key: clean(value) for key, value in data.items()}
