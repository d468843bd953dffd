"""A workshop's cards and links as a state: read, replayed, written back.

Holds :class:`WriteContext`, what one write transaction works with, and
:class:`StateMixin`, the part of :class:`~fresque.store.service.WorkshopService` that
loads a workshop's rows, turns them into a :class:`~fresque.store.replay.State` (the
working copy, the base it started from, or a replay of the edits that count), applies
an event to it and writes back the rows that change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from fresque.store import replay
from fresque.store.constants import ACCEPTED, PENDING, Role
from fresque.store.errors import ConflictError
from fresque.store.replay import STATE_KINDS, State, link_key
from fresque.store.schema import events, links, structures

__all__ = ["StateMixin", "WriteContext"]


@dataclass
class WriteContext:
    """One write: the connection, the locked workshop row, the member, the time."""

    conn: Connection
    ws: dict[str, Any]
    member: dict[str, Any]
    now: datetime
    seq: int = field(init=False)

    def __post_init__(self) -> None:
        self.seq = self.ws["seq"]

    @property
    def role(self) -> Role:
        return Role(self.member["role"])

    @property
    def wid(self) -> int:
        return self.ws["id"]

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


class StateMixin:
    """Load, replay, apply and write back a workshop's state (a mixin of
    :class:`~fresque.store.service.WorkshopService`)."""

    @staticmethod
    def _rows(conn: Connection, wid: int) -> tuple[dict[str, dict], dict[int, dict]]:
        srows = {
            r["sid"]: dict(r)
            for r in conn.execute(select(structures).where(structures.c.workshop_id == wid))
            .mappings()
            .all()
        }
        lrows = {
            r["id"]: dict(r)
            for r in conn.execute(select(links).where(links.c.workshop_id == wid)).mappings().all()
        }
        return srows, lrows

    @staticmethod
    def _working_state(srows: Mapping[str, dict], lrows: Mapping[int, dict]) -> State:
        return State(
            {sid: r["data"] for sid, r in srows.items() if not r["deleted"]},
            {lid: r["data"] for lid, r in lrows.items() if not r["deleted"]},
            {sid: r["merged_into"] for sid, r in srows.items() if r["merged_into"]},
        )

    @staticmethod
    def _base_state(srows: Mapping[str, dict], lrows: Mapping[int, dict]) -> State:
        return State(
            {sid: r["base_data"] for sid, r in srows.items() if r["base_data"] is not None},
            {lid: r["base_data"] for lid, r in lrows.items() if r["base_data"] is not None},
        )

    @staticmethod
    def _events_for(conn: Connection, wid: int, statuses: tuple[str, ...]) -> list[tuple]:
        return [
            (r.kind, r.payload)
            for r in conn.execute(
                select(events.c.kind, events.c.payload)
                .where(
                    events.c.workshop_id == wid,
                    events.c.kind.in_(sorted(STATE_KINDS)),
                    events.c.status.in_(statuses),
                    events.c.undone_by.is_(None),
                )
                .order_by(events.c.seq)
            )
        ]

    def _replay(self, conn: Connection, wid: int, statuses: tuple[str, ...]) -> State:
        srows, lrows = self._rows(conn, wid)
        return replay.replay(self._base_state(srows, lrows), self._events_for(conn, wid, statuses))

    def _apply_event(
        self,
        ctx: WriteContext,
        kind: str,
        payload: Mapping[str, Any],
        *,
        target: str | None = None,
        other: str | None = None,
        moderated: bool = False,
    ) -> int:
        """Apply an event touching several rows to the working state, write the rows that
        change, and log it."""
        srows, lrows = self._rows(ctx.conn, ctx.wid)
        state = self._working_state(srows, lrows)
        if not replay.apply(state, kind, payload):
            raise ConflictError("Cette modification ne s’applique plus : l’atelier a changé.")
        seq = ctx.next_seq()
        self._write_state(ctx, srows, lrows, state, seq)
        return self._log(ctx, seq, kind, payload, target=target, other=other, moderated=moderated)

    def _rebuild(self, ctx: WriteContext, seq: int) -> None:
        """Recompute the working state from the base and the edits that count."""
        srows, lrows = self._rows(ctx.conn, ctx.wid)
        state = replay.replay(
            self._base_state(srows, lrows), self._events_for(ctx.conn, ctx.wid, (PENDING, ACCEPTED))
        )
        self._write_state(ctx, srows, lrows, state, seq)

    @staticmethod
    def _write_state(
        ctx: WriteContext,
        srows: Mapping[str, dict],
        lrows: Mapping[int, dict],
        state: State,
        seq: int,
    ) -> None:
        """Write the rows whose value differs from ``state``; each gets a new version."""
        for sid, row in srows.items():
            want = state.structures.get(sid)
            into = state.merged.get(sid) if want is None else None
            if want is None:
                if row["deleted"] and row["merged_into"] == into:
                    continue
                values = {"deleted": True, "merged_into": into}
            else:
                if not row["deleted"] and row["data"] == want and row["merged_into"] is None:
                    continue
                values = {"data": want, "deleted": False, "merged_into": None}
            ctx.conn.execute(
                update(structures)
                .where(structures.c.id == row["id"])
                .values(version=row["version"] + 1, updated_seq=seq, **values)
            )
        for lid, row in lrows.items():
            want = state.links.get(lid)
            if want is None:
                if row["deleted"]:
                    continue
                values = {"deleted": True}
            else:
                if not row["deleted"] and row["data"] == want:
                    continue
                source, target, relation = link_key(want)
                values = {
                    "data": want,
                    "deleted": False,
                    "source": source,
                    "target": target,
                    "relation": relation,
                }
            ctx.conn.execute(
                update(links)
                .where(links.c.id == row["id"])
                .values(version=row["version"] + 1, updated_seq=seq, **values)
            )
