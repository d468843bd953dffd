"""Live workshops (Atelier): who may do what, and the state every view reads.

:class:`WorkshopService` is the only way the app touches a workshop. Every call names a
secret token, which the service authenticates and whose role it checks on the server
before anything is read or written; refusals raise :class:`~fresque.store.errors.
PermissionDenied` (or a subclass), with a French message the app shows as it is.

Roles
-----
Facilitator (animation)
    Creates the workshop and gets its secret link (:meth:`WorkshopService.create_workshop`),
    hands out read-only links (:meth:`~WorkshopService.create_viewer_link`) and
    display-only links for the projector (:meth:`~WorkshopService.create_screen_link`), opens phases
    (which kinds of cards participants may add, whether links are open), moderates,
    merges duplicates, undoes any edit, blocks a participant, closes and reopens, exports,
    and merges a closed workshop into the curated dataset with a readable diff.
Participant
    Joins with the short code shown on the projector and a nickname
    (:meth:`~WorkshopService.join`), adds and edits cards (structures) and links, removes
    and undoes their own, within the phase, at most ``rate_limit`` edits every
    ``rate_window`` seconds (counted in the database, so across workers and hosts).
Viewer
    Reads: the board, the changes, the history of a card.
Screen
    The projector or a shared screen: reads what a viewer reads (the board shows the
    join code), writes nothing; its token is not the facilitator's.

Moderation
----------
Every card or link edit is an event whose status is *pending* (a participant's) or
*accepted* (the facilitator's); the facilitator accepts or rejects them
(:meth:`~WorkshopService.moderate`). A rejected edit is left out of the state, as an
undone one is. The workshop's ``moderation`` setting decides what the board shows:

``"post"`` (default)
    Edits show at once; the facilitator reviews them afterwards.
``"pre"``
    The board (:meth:`~WorkshopService.current_ecosystem`), the activity feed of
    participants and viewers and the default export show accepted edits only; the
    facilitator sees the pending ones on request (``include_pending=True``).
    Participants' forms work on the working copy (pending edits included), so that two
    people adding to the same card do not overwrite each other.

Whatever the setting, only accepted edits go into the curated dataset
(:meth:`~WorkshopService.merge_into_dataset`).

Concurrency and durability
--------------------------
Each card and link has a ``version``; an edit names the version it was made on and is
refused with :class:`~fresque.store.errors.ConflictError` (carrying the current value)
when someone changed it in between. Each write is one transaction that locks the
workshop row (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so
the writes of one workshop are serialised across processes and hosts; a call returns
only after the commit, so an acknowledged edit survives a crash of the server (SQLite
runs with ``synchronous=FULL``). The process keeps no state but a cache of built
ecosystems keyed by the workshop's version.

Times come from the database (:mod:`fresque.store.clock`): on PostgreSQL a write reads
the database's clock in its transaction, and :meth:`WorkshopService.now` (what "just
added" is compared with) follows it, so app servers whose clocks drift agree.

The join door
-------------
:meth:`~WorkshopService.join` counts attempts in the database per client address and
workshop, per workshop, and wrong codes per address (:mod:`fresque.store.door`); the
seats (``max_members``) count active participants only: a suspended or removed one
frees a seat. The facilitator removes or suspends members one by one or in bulk
(:mod:`fresque.store.members`); a removed member's token no longer opens anything.

See Also
--------
fresque.store.lifecycle : creating, joining, phases, closing, export, merge into the dataset.
fresque.store.edits : adding, editing, removing and undoing cards and links.
fresque.store.moderation : moderation, suspensions, duplicates and their merge.
fresque.store.members : seats, removing and suspending members in bulk.
fresque.store.reads : the board, cards, changes, the audit log and histories.
fresque.store.state : a workshop's rows as a replayable state, written back after an event.
fresque.store.results : what the service returns (:class:`Card`, :class:`Event`…).
fresque.store.constants : roles, moderation, statuses, event kinds and limits.

Examples
--------
>>> import tempfile
>>> from fresque.geo.territories import Territories
>>> from fresque.store.db import make_engine
>>> folder = tempfile.mkdtemp()
>>> service = WorkshopService(make_engine(f"sqlite:///{folder}/atelier.db"),
...                           territories=Territories.load("tests/data/geo_mini"))
>>> workshop, facilitator = service.create_workshop("Atelier Finistère", base="vide")
>>> len(workshop.code)
6
>>> alice = service.join(workshop.code, "Alice")
>>> card = service.add_structure(alice, {"name": "TAg29", "kind": "accompagnement",
...     "dispositifs": ["Incubateur"], "territory_level": "département",
...     "territory_codes": "Finistère"})
>>> card.structure.id, card.version
('tag29', 1)
>>> service.current_ecosystem(facilitator)
<Ecosystem: 1 structure (0 expected, 0 defunct), 0 links>
>>> service.edit_structure(alice, "tag29", {"name": "TAg 29"}, expected_version=1).version
2
>>> service.edit_structure(alice, "tag29", {"name": "TAG29"}, expected_version=1)
Traceback (most recent call last):
...
fresque.store.errors.ConflictError: « TAg 29 » a été modifiée par Alice pendant que vous \
l’éditiez : voici sa valeur actuelle, reprenez votre modification dessus.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from fresque.ecosystem import Ecosystem
from fresque.geo.territories import Territories, default_territories
from fresque.store.clock import StoreClock, host_now
from fresque.store.constants import (
    ACCEPTED,
    ANYONE,
    CLOSED,
    CODE_ALPHABET,
    COUNTED_KINDS,
    MAX_MEMBERS,
    MERGED,
    PENDING,
    ROLE_SINGULAR,
    Moderation,
    Role,
    reserved_to,
)
from fresque.store.db import ensure_schema, make_engine, read_transaction, write_transaction
from fresque.store.duplicates import DuplicateState
from fresque.store.edits import EditingMixin
from fresque.store.errors import InvalidToken, PermissionDenied, RateLimited, WorkshopClosed
from fresque.store.lifecycle import LifecycleMixin, hash_token
from fresque.store.members import MembersMixin
from fresque.store.moderation import ModerationMixin
from fresque.store.reads import ReadingMixin
from fresque.store.results import (
    Card,
    Changes,
    DatasetMerge,
    Duplicate,
    Event,
    LinkCard,
    Member,
    Phase,
    RecentEvent,
    Workshop,
    to_card,
    to_link_card,
)
from fresque.store.schema import events, members, workshops
from fresque.store.snapshot import DEFAULT_SIZE, SnapshotCache
from fresque.store.state import StateMixin, WriteContext

__all__ = [
    "CODE_ALPHABET",
    "Card",
    "Changes",
    "DatasetMerge",
    "Duplicate",
    "Event",
    "LinkCard",
    "Member",
    "Moderation",
    "Phase",
    "Role",
    "Workshop",
    "WorkshopService",
    "hash_token",
]


def _utcnow() -> datetime:
    """This host's clock (SQLite's time; read when a service is created)."""
    return host_now()


_REMOVED = "Vous avez été retiré de cet atelier par l’animation : ce lien ne l’ouvre plus."


# A member and its workshop in one lookup by token (what every read starts with), built
# once: SQLAlchemy then finds its compiled form without working out a cache key per call.
_MEMBER_AND_WORKSHOP = (
    select(
        *(c.label(f"m_{c.name}") for c in members.c),
        *(c.label(f"w_{c.name}") for c in workshops.c),
    )
    .select_from(members.join(workshops, members.c.workshop_id == workshops.c.id))
    .where(members.c.token_hash == bindparam("token_hash"))
)


class WorkshopService(
    LifecycleMixin, EditingMixin, ModerationMixin, MembersMixin, ReadingMixin, StateMixin
):
    """Create, join, edit, moderate and read live workshops (see the module docstring).

    Parameters
    ----------
    engine
        The database (default: :func:`fresque.store.db.make_engine`, i.e.
        ``FRESQUE_DATABASE_URL`` or ``var/fresque.db``). Its schema is upgraded on start.
    territories
        The reference geography (default: the shared one).
    dataset_dir
        The curated dataset, base of national workshops and target of merges (default:
        ``data/ecosystem``).
    clock
        Returns the current time, naive UTC (tests pass a fake one); by default the
        database's clock on PostgreSQL, this host's on SQLite (:mod:`fresque.store.clock`).
    snapshot_cache
        Versions of workshops whose cards and links this process keeps
        (:mod:`fresque.store.snapshot`; 0: none, every read reads every row).
    max_members
        Seats of each workshop: its active participants at most.
    """

    def __init__(
        self,
        engine: Engine | None = None,
        *,
        territories: Territories | None = None,
        dataset_dir: str | Path | None = None,
        clock: Callable[[], datetime] | None = None,
        upgrade: bool = True,
        snapshot_cache: int = DEFAULT_SIZE,
        max_members: int = MAX_MEMBERS,
    ) -> None:
        self.engine = engine if engine is not None else make_engine()
        self._territories = territories
        self.dataset_dir = Path(dataset_dir) if dataset_dir is not None else None
        self._times = StoreClock(self.engine, clock=clock, host_clock=_utcnow)
        self.max_members = int(max_members)
        self._cache: OrderedDict[tuple[int, int, str], Ecosystem] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.snapshots = SnapshotCache(to_card, to_link_card, snapshot_cache)
        self._accepted: OrderedDict[tuple[int, int, str], frozenset[str]] = OrderedDict()
        self._recent: OrderedDict[tuple[int, int, int], tuple[RecentEvent, ...]] = OrderedDict()
        # (workshop, threshold) -> the duplicate pairs as last worked out (moderation)
        self._duplicates: dict[tuple[int, float], DuplicateState] = {}
        # (workshop, member, limit) -> (workshop version they were read at, the events)
        self._own: OrderedDict[tuple[int, int, int], tuple[int, tuple[Event, ...]]] = OrderedDict()
        if upgrade:
            ensure_schema(self.engine)

    def now(self) -> datetime:
        """The time now, naive UTC, as the database tells it (what "just added" marks
        are compared with; :class:`~fresque.store.clock.StoreClock`)."""
        return self._times.now()

    @property
    def territories(self) -> Territories:
        if self._territories is None:
            self._territories = default_territories()
        return self._territories

    def _dataset_dir(self, folder: str | Path | None = None) -> Path:
        if folder is not None:
            return Path(folder)
        if self.dataset_dir is not None:
            return self.dataset_dir
        from fresque.ecosystem import ecosystem_dir

        return ecosystem_dir()

    # --- authentication ---------------------------------------------------------------

    @staticmethod
    def _member_row(conn: Connection, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or not token or len(token) > 200:
            raise InvalidToken("Lien d’atelier invalide : vérifiez l’adresse ou rejoignez-le.")
        row = (
            conn.execute(select(members).where(members.c.token_hash == hash_token(token)))
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise InvalidToken(
                "Lien d’atelier inconnu : il a été mal copié, ou l’atelier n’existe plus."
            )
        if row["removed_at"] is not None:
            raise InvalidToken(_REMOVED)
        return dict(row)

    @staticmethod
    def _check_role(member: Mapping[str, Any], roles: frozenset[Role], action: str) -> None:
        role = Role(member["role"])
        if role not in roles:
            raise PermissionDenied(
                f"Refusé : {action} est réservé {reserved_to(roles)} "
                f"(vous êtes {ROLE_SINGULAR[role]})."
            )
        if member["blocked"]:
            raise PermissionDenied(
                "Refusé : l’animation a suspendu votre participation à cet atelier."
            )

    @contextmanager
    def _reading(
        self, token: str, roles: frozenset[Role] = ANYONE, action: str = "cette lecture"
    ) -> Iterator[tuple[Connection, dict[str, Any], dict[str, Any]]]:
        with read_transaction(self.engine) as conn:
            member, ws = self._member_and_workshop(conn, token)
            self._check_role(member, roles, action)
            yield conn, ws, member

    @staticmethod
    def _member_and_workshop(conn: Connection, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The token's member row and its workshop's row, in one lookup."""
        if not isinstance(token, str) or not token or len(token) > 200:
            raise InvalidToken("Lien d’atelier invalide : vérifiez l’adresse ou rejoignez-le.")
        found = conn.execute(_MEMBER_AND_WORKSHOP, {"token_hash": hash_token(token)})
        row = found.mappings().one_or_none()
        if row is None:
            raise InvalidToken(
                "Lien d’atelier inconnu : il a été mal copié, ou l’atelier n’existe plus."
            )
        member = {k[2:]: v for k, v in row.items() if k.startswith("m_")}
        if member["removed_at"] is not None:
            raise InvalidToken(_REMOVED)
        ws = {k[2:]: v for k, v in row.items() if k.startswith("w_")}
        return member, ws

    @contextmanager
    def _writing(
        self,
        token: str,
        roles: frozenset[Role],
        action: str,
        *,
        edit: bool = False,
        after_close: bool = False,
    ) -> Iterator[WriteContext]:
        """A write transaction for ``token``: the workshop row locked, role and state
        checked; with ``edit``, the phase-independent checks of a participant's edit
        (open workshop, rate limit)."""
        with write_transaction(self.engine) as conn:
            wid = self._member_row(conn, token)["workshop_id"]
            ws = dict(
                conn.execute(select(workshops).where(workshops.c.id == wid).with_for_update())
                .mappings()
                .one()
            )
            member = self._member_row(conn, token)  # fresh, now that writes are serialised
            self._check_role(member, roles, action)
            ctx = WriteContext(conn, ws, member, self._times.in_transaction(conn))
            if ws["status"] == MERGED and not after_close:
                raise WorkshopClosed(
                    f"L’atelier « {ws['name']} » a été versé dans le jeu de données : "
                    "il ne change plus."
                )
            if ws["status"] == CLOSED and ctx.role is not Role.FACILITATOR and not after_close:
                raise WorkshopClosed(
                    f"L’atelier « {ws['name']} » est clos : il n’accepte plus de modifications."
                )
            if edit:
                self._check_rate(ctx)
            yield ctx

    def _check_rate(self, ctx: WriteContext) -> None:
        if ctx.role is not Role.PARTICIPANT:
            return
        limit, window = ctx.ws["rate_limit"], ctx.ws["rate_window"]
        since = ctx.now - timedelta(seconds=window)
        recent = (
            ctx.conn.execute(
                select(events.c.created_at)
                .where(
                    events.c.workshop_id == ctx.wid,
                    events.c.author_id == ctx.member["id"],
                    events.c.created_at > since,
                    events.c.kind.in_(sorted(COUNTED_KINDS)),
                )
                .order_by(events.c.created_at.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if len(recent) >= limit:
            retry = max((recent[-1] + timedelta(seconds=window) - ctx.now).total_seconds(), 0.1)
            raise RateLimited(
                f"Doucement : {limit} modifications par {window} secondes au plus. "
                f"Réessayez dans {math.ceil(retry)} s.",
                retry,
            )

    # --- the log ----------------------------------------------------------------------

    def _log(
        self,
        ctx: WriteContext,
        seq: int,
        kind: str,
        payload: Mapping[str, Any],
        *,
        target: str | None = None,
        other: str | None = None,
        moderated: bool = False,
        submission: str | None = None,
    ) -> int:
        assert seq == ctx.seq, "one event per reserved number"
        status = None
        if moderated:
            status = ACCEPTED if ctx.role is Role.FACILITATOR else PENDING
        ctx.conn.execute(
            insert(events).values(
                workshop_id=ctx.wid,
                seq=seq,
                author_id=ctx.member["id"],
                kind=kind,
                target=target,
                other=other,
                payload=dict(payload),
                created_at=ctx.now,
                status=status,
                submission=submission,
            )
        )
        ctx.conn.execute(
            update(workshops).where(workshops.c.id == ctx.wid).values(seq=seq, updated_at=ctx.now)
        )
        return seq
