"""A workshop's members: its seats, and removing or suspending participants in bulk.

Holds :class:`MembersMixin`, the part of :class:`~fresque.store.service.WorkshopService`
that counts the seats (active participants: neither suspended nor removed), and lets the
facilitator remove or suspend several participants in one action, by their ids or as
"everyone who joined after" a time (what a scripted flood of joins calls for).

A removed member keeps their row: their edits stay theirs and the audit log names them,
their nickname stays taken, but their token opens nothing any more
(:class:`~fresque.store.errors.InvalidToken`). A suspended one can still read, not write
(:meth:`~fresque.store.moderation.ModerationMixin.block`), and can be restored while a
seat is free.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from fresque.store.constants import BLOCK, FACILITATORS, REMOVE_MEMBERS, Role
from fresque.store.errors import NotFound, PermissionDenied
from fresque.store.results import Member, MemberCounts, to_member
from fresque.store.schema import members
from fresque.store.state import WriteContext

__all__ = ["MembersMixin"]


class MembersMixin:
    """Seats, bulk removal and suspension (a mixin of
    :class:`~fresque.store.service.WorkshopService`)."""

    max_members: int

    @staticmethod
    def _seats_taken(conn: Connection, workshop_id: int) -> int:
        """The workshop's active participants (neither suspended nor removed)."""
        return conn.execute(
            select(func.count())
            .select_from(members)
            .where(
                members.c.workshop_id == workshop_id,
                members.c.role == Role.PARTICIPANT.value,
                members.c.blocked.is_(False),
                members.c.removed_at.is_(None),
            )
        ).scalar_one()

    @staticmethod
    def _full_message(seats: int) -> str:
        return (
            f"Cet atelier est complet : ses {seats} places sont prises. L’animation peut en "
            "libérer en retirant ou suspendant des participants."
        )

    def member_counts(self, token: str) -> MemberCounts:
        """How many participants are active, suspended and removed, and the seats
        (facilitator only)."""
        with self._reading(token, FACILITATORS, "le décompte des participants") as (
            conn,
            ws,
            _member,
        ):
            rows = conn.execute(
                select(members.c.blocked, members.c.removed_at).where(
                    members.c.workshop_id == ws["id"],
                    members.c.role == Role.PARTICIPANT.value,
                )
            ).all()
        removed = sum(1 for r in rows if r.removed_at is not None)
        suspended = sum(1 for r in rows if r.removed_at is None and r.blocked)
        return MemberCounts(len(rows) - removed - suspended, suspended, removed, self.max_members)

    def remove_members(
        self,
        token: str,
        member_ids: Iterable[int] = (),
        *,
        joined_after: datetime | None = None,
    ) -> list[Member]:
        """Remove participants (facilitator only): their tokens stop working, their
        edits and the log stay; return those removed now (already removed ones are
        skipped). One event logs them all.

        Parameters
        ----------
        member_ids
            The participants to remove.
        joined_after
            Everyone who joined after this time (naive UTC, a member's ``joined_at``);
            with ``member_ids`` too, those of them who did.
        """
        with self._writing(
            token, FACILITATORS, "retirer des participants", after_close=True
        ) as ctx:
            rows = [r for r in self._chosen(ctx, member_ids, joined_after) if not r["removed_at"]]
            if not rows:
                return []
            ids = [r["id"] for r in rows]
            ctx.conn.execute(
                update(members).where(members.c.id.in_(ids)).values(removed_at=ctx.now)
            )
            payload = {"members": ids, "nicknames": [r["nickname"] for r in rows]}
            self._log(ctx, ctx.next_seq(), REMOVE_MEMBERS, payload)
            return [to_member({**r, "removed_at": ctx.now}) for r in rows]

    def block_members(
        self,
        token: str,
        member_ids: Iterable[int] = (),
        *,
        joined_after: datetime | None = None,
        blocked: bool = True,
    ) -> list[Member]:
        """Suspend (or, ``blocked=False``, restore) participants in one action
        (facilitator only); return those that changed. Restoring is refused when it
        would take more seats than are free."""
        action = "suspendre des participants" if blocked else "rétablir des participants"
        with self._writing(token, FACILITATORS, action, after_close=True) as ctx:
            rows = [
                r
                for r in self._chosen(ctx, member_ids, joined_after)
                if not r["removed_at"] and bool(r["blocked"]) != bool(blocked)
            ]
            if not rows:
                return []
            if not blocked:
                free = self.max_members - self._seats_taken(ctx.conn, ctx.wid)
                if len(rows) > free:
                    who = "ce participant" if len(rows) == 1 else f"ces {len(rows)} participants"
                    raise PermissionDenied(
                        f"Impossible de rétablir {who} : " + self._full_message(self.max_members)
                    )
            ids = [r["id"] for r in rows]
            ctx.conn.execute(
                update(members).where(members.c.id.in_(ids)).values(blocked=bool(blocked))
            )
            payload = {
                "members": ids,
                "nicknames": [r["nickname"] for r in rows],
                "blocked": bool(blocked),
            }
            self._log(ctx, ctx.next_seq(), BLOCK, payload)
            return [to_member({**r, "blocked": bool(blocked)}) for r in rows]

    @staticmethod
    def _chosen(
        ctx: WriteContext, member_ids: Iterable[int], joined_after: datetime | None
    ) -> list[dict[str, Any]]:
        """The workshop's participants named by ``member_ids`` and/or who joined after
        ``joined_after``, by id; an id that is not one of its participants is refused."""
        wanted = sorted({int(i) for i in member_ids})
        if not wanted and joined_after is None:
            return []
        query = select(members).where(
            members.c.workshop_id == ctx.wid, members.c.role == Role.PARTICIPANT.value
        )
        if wanted:
            query = query.where(members.c.id.in_(wanted))
        rows = [dict(r) for r in ctx.conn.execute(query.order_by(members.c.id)).mappings()]
        missing = set(wanted) - {r["id"] for r in rows}
        if missing:
            raise NotFound(f"Aucun participant n° {min(missing)} dans cet atelier.")
        if joined_after is not None:
            rows = [r for r in rows if r["created_at"] > joined_after]
        return rows
