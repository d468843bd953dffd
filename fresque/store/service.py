"""Live workshops (Atelier): who may do what, and the state every view reads.

:class:`WorkshopService` is the only way the app touches a workshop. Every call names a
secret token, which the service authenticates and whose role it checks on the server
before anything is read or written; refusals raise :class:`~fresque.store.errors.
PermissionDenied` (or a subclass), with a French message the app shows as it is.

Roles
-----
Facilitator (animation)
    Creates the workshop and gets its secret link (:meth:`WorkshopService.create_workshop`),
    hands out read-only links (:meth:`~WorkshopService.create_viewer_link`), opens phases
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
<Ecosystem: 1 structures (0 expected, 0 defunct), 0 links>
>>> service.edit_structure(alice, "tag29", {"name": "TAg 29"}, expected_version=1).version
2
>>> service.edit_structure(alice, "tag29", {"name": "TAG29"}, expected_version=1)
Traceback (most recent call last):
...
fresque.store.errors.ConflictError: « TAg 29 » a été modifiée par Alice pendant que vous \
l’éditiez (version 2) : voici sa valeur actuelle, reprenez votre modification dessus.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import math
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from fresque.ecosystem import Ecosystem
from fresque.geo.territories import Territories, default_territories
from fresque.i18n import label, normalize_key, parse_enum
from fresque.io.validate import MergeReport, Records, merge_records
from fresque.model import Kind, Level, Link, Relation, Structure, slugify
from fresque.store import forms, replay
from fresque.store.db import (
    ensure_schema,
    make_engine,
    read_transaction,
    single_read,
    write_transaction,
)
from fresque.store.errors import (
    ConflictError,
    InvalidInput,
    InvalidToken,
    NotFound,
    PermissionDenied,
    RateLimited,
    WorkshopClosed,
)
from fresque.store.replay import (
    ADD_LINK,
    ADD_STRUCTURE,
    EDIT_LINK,
    EDIT_STRUCTURE,
    MERGE,
    REMOVE_LINK,
    REMOVE_STRUCTURE,
    STATE_KINDS,
    State,
    link_data,
    link_key,
    structure_data,
)
from fresque.store.schema import events, links, members, structures, workshops
from fresque.store.snapshot import DEFAULT_SIZE, Snapshot, SnapshotCache

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

#: Join codes use these 31 characters: no 0/O, 1/I/L that read alike on a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NAME_MAX = 200
MAX_MEMBERS = 2000
DEFAULT_RATE_LIMIT = 30
DEFAULT_RATE_WINDOW = 60

CREATE = "create"
JOIN = "join"
VIEWER_LINK = "viewer_link"
UNDO = "undo"
MODERATE = "moderate"
PHASE = "phase"
CLOSE = "close"
REOPEN = "reopen"
BLOCK = "block"
EXPORT = "export"
MERGE_DATASET = "merge_dataset"
#: Events a participant's rate limit counts.
_COUNTED = frozenset(STATE_KINDS | {UNDO})

PENDING, ACCEPTED, REJECTED = "pending", "accepted", "rejected"
OPEN, CLOSED, MERGED = "open", "closed", "merged"


class Role(StrEnum):
    """What a token lets its holder do."""

    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    VIEWER = "viewer"


class Moderation(StrEnum):
    """When edits show on the board: at once (``post``) or once accepted (``pre``)."""

    PRE = "pre"
    POST = "post"


ROLE_LABELS = {
    Role.FACILITATOR: "l’animation",
    Role.PARTICIPANT: "les participants",
    Role.VIEWER: "les spectateurs",
}
_ANYONE = frozenset(Role)
_WRITERS = frozenset({Role.FACILITATOR, Role.PARTICIPANT})
_FACILITATOR = frozenset({Role.FACILITATOR})


def hash_token(token: str) -> str:
    """The SHA-256 of a token, as stored (tokens are random: no need for a slow hash)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --------------------------------------------------------------------------------------
# What the service returns
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phase:
    """What participants may do now: add and edit cards of ``kinds`` (all when ``None``),
    add and edit links when ``links_open``. The board of participants and viewers shows
    only the revealed kinds."""

    name: str = ""
    kinds: tuple[Kind, ...] | None = None
    links_open: bool = True


@dataclass(frozen=True)
class Workshop:
    """A workshop as its members see it; ``version`` grows with every event."""

    id: int
    name: str
    code: str
    base: str
    region: str | None
    moderation: Moderation
    status: str
    phase: Phase
    version: int
    rate_limit: int
    rate_window: int
    created_at: datetime


@dataclass(frozen=True)
class Member:
    """A facilitator, participant or viewer of one workshop."""

    id: int
    workshop_id: int
    role: Role
    nickname: str | None
    blocked: bool = False


@dataclass(frozen=True)
class Card:
    """A structure of the workshop with its version (to send back with an edit)."""

    structure: Structure
    version: int
    seq: int | None = None
    """The event that wrote it (``None`` when the call changed nothing)."""
    deleted: bool = False
    merged_into: str | None = None
    created_by: int | None = None
    """The member who added it (``None``: the base dataset's)."""


@dataclass(frozen=True)
class LinkCard:
    """A link of the workshop with its number and version."""

    id: int
    link: Link
    version: int
    seq: int | None = None
    deleted: bool = False
    created_by: int | None = None
    """The member who added it (``None``: the base dataset's)."""


@dataclass(frozen=True)
class Event:
    """One line of the audit log."""

    seq: int
    kind: str
    author_id: int | None
    author: str
    role: Role | None
    created_at: datetime
    target: str | None
    other: str | None
    payload: dict[str, Any]
    status: str | None
    undone_by: int | None
    summary: str

    @property
    def active(self) -> bool:
        """Whether the edit counts (neither undone nor rejected)."""
        return self.undone_by is None and self.status != REJECTED


@dataclass(frozen=True)
class Changes:
    """What happened after a version: for polling clients.

    ``version`` is the workshop's version now (poll again with it); ``events`` are the
    new events the caller may see, oldest first; ``truncated`` says more happened than
    ``events`` holds (reload the whole board).
    """

    version: int
    events: tuple[Event, ...]
    truncated: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.events) or self.truncated


_AUTHOR = members.alias("author")

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


@dataclass(frozen=True)
class RecentEvent:
    """An event without its payload: what marks a card as just added."""

    seq: int
    kind: str
    target: str | None
    author_id: int | None
    status: str | None
    undone_by: int | None
    created_at: datetime

    @property
    def active(self) -> bool:
        """Whether the edit counts (neither undone nor rejected)."""
        return self.undone_by is None and self.status != REJECTED


@dataclass(frozen=True)
class Reader:
    """What one member sees of a workshop at one version (:meth:`WorkshopService.reader`)."""

    workshop: Workshop
    member: Member
    snapshot: Snapshot
    own_events: tuple[Event, ...]
    """The member's latest events, oldest first."""
    recent_events: tuple[RecentEvent, ...]
    """The events among the workshop's latest that the member may see, oldest first."""


@dataclass(frozen=True)
class Duplicate:
    """Two cards that may be the same actor: similar names, a territory in common."""

    first: str
    second: str
    first_name: str
    second_name: str
    score: float


@dataclass(frozen=True)
class DatasetMerge:
    """What merging a workshop into the curated dataset adds, changes and removes."""

    report: MergeReport
    removed_structures: tuple[str, ...]
    removed_links: tuple[str, ...]
    records: Records
    written: bool
    folder: Path
    names: Mapping[str, str] = field(default_factory=dict)
    """The name of every structure the diff mentions (removed ones included), by id."""

    @property
    def changed_anything(self) -> bool:
        return self.report.changed_anything or bool(self.removed_structures or self.removed_links)

    def format(self) -> str:
        """The diff in French, one line per record."""
        lines = [self.report.format()]
        lines += [f"  - structure retirée : {sid}" for sid in self.removed_structures]
        lines += [f"  - lien retiré : {key}" for key in self.removed_links]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------


@dataclass
class _Ctx:
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


class WorkshopService:
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
        Returns the current time, naive UTC (tests pass a fake one).
    snapshot_cache
        Versions of workshops whose cards and links this process keeps
        (:mod:`fresque.store.snapshot`; 0: none, every read reads every row).
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
    ) -> None:
        self.engine = engine if engine is not None else make_engine()
        self._territories = territories
        self.dataset_dir = Path(dataset_dir) if dataset_dir is not None else None
        self._clock = clock or _utcnow
        self._cache: OrderedDict[tuple[int, int, str], Ecosystem] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.snapshots = SnapshotCache(_card, _link_card, snapshot_cache)
        self._accepted: OrderedDict[tuple[int, int, str], frozenset[str]] = OrderedDict()
        self._recent: OrderedDict[tuple[int, int, int], tuple[RecentEvent, ...]] = OrderedDict()
        # (workshop, member, limit) -> (workshop version they were read at, the events)
        self._own: OrderedDict[tuple[int, int, int], tuple[int, tuple[Event, ...]]] = OrderedDict()
        if upgrade:
            ensure_schema(self.engine)

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
        return dict(row)

    @staticmethod
    def _check_role(member: Mapping[str, Any], roles: frozenset[Role], action: str) -> None:
        role = Role(member["role"])
        if role not in roles:
            allowed = " ou ".join(ROLE_LABELS[r] for r in Role if r in roles)
            raise PermissionDenied(
                f"Refusé : {action} est réservé à {allowed} (vous êtes {_ROLE_SINGULAR[role]})."
            )
        if member["blocked"]:
            raise PermissionDenied(
                "Refusé : l’animation a suspendu votre participation à cet atelier."
            )

    @contextmanager
    def _reading(
        self, token: str, roles: frozenset[Role] = _ANYONE, action: str = "cette lecture"
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
    ) -> Iterator[_Ctx]:
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
            ctx = _Ctx(conn, ws, member, self._clock())
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

    def _check_rate(self, ctx: _Ctx) -> None:
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
                    events.c.kind.in_(sorted(_COUNTED)),
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

    @staticmethod
    def _check_kind(ctx: _Ctx, *kinds: str | None) -> None:
        """A participant may only touch cards of the kinds the phase opens."""
        allowed = ctx.ws["phase_kinds"]
        if ctx.role is not Role.PARTICIPANT or allowed is None:
            return
        for kind in kinds:
            if kind is not None and kind not in allowed:
                opened = ", ".join(label(Kind(k)) for k in allowed) or "aucun type"
                phase = (
                    f"La phase « {ctx.ws['phase_name']} »"
                    if ctx.ws["phase_name"]
                    else ("La phase en cours")
                )
                raise PermissionDenied(
                    f"Refusé : {phase} n’ouvre pas les cartes « {label(Kind(kind))} » "
                    f"(ouvertes : {opened})."
                )

    @staticmethod
    def _check_links_open(ctx: _Ctx) -> None:
        if ctx.role is Role.PARTICIPANT and not ctx.ws["links_open"]:
            raise PermissionDenied(
                "Refusé : les liens ne sont pas encore ouverts dans cette phase."
            )

    # --- the log ----------------------------------------------------------------------

    def _log(
        self,
        ctx: _Ctx,
        seq: int,
        kind: str,
        payload: Mapping[str, Any],
        *,
        target: str | None = None,
        other: str | None = None,
        moderated: bool = False,
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
            )
        )
        ctx.conn.execute(
            update(workshops).where(workshops.c.id == ctx.wid).values(seq=seq, updated_at=ctx.now)
        )
        return seq

    # --- creating and joining -----------------------------------------------------------

    def create_workshop(
        self,
        name: str,
        *,
        base: str | Path = "national",
        region: str | None = None,
        moderation: Moderation | str = Moderation.POST,
        nickname: str = "Animation",
        rate_limit: int = DEFAULT_RATE_LIMIT,
        rate_window: int = DEFAULT_RATE_WINDOW,
    ) -> tuple[Workshop, str]:
        """Create a workshop; return it and the facilitator's secret token.

        Parameters
        ----------
        name
            Its title (shown on the projector).
        base
            ``"national"`` (the curated dataset), ``"vide"`` (a blank board), or a path
            to a dataset folder or file (:func:`fresque.io.read_records`).
        region
            Keep only what serves this région (INSEE code, e.g. ``"53"``) and the
            national actors, plus the carriers they name.
        moderation
            ``"post"`` (edits show at once) or ``"pre"`` (once accepted).
        nickname
            The facilitator's name in the audit log.
        rate_limit, rate_window
            At most ``rate_limit`` edits per participant every ``rate_window`` seconds.
        """
        name = " ".join(str(name or "").split())
        problems = []
        if not name or len(name) > NAME_MAX:
            problems.append(f"nom de l’atelier : de 1 à {NAME_MAX} caractères")
        try:
            moderation = Moderation(str(moderation).lower())
        except ValueError:
            problems.append("modération : « pre » (avant affichage) ou « post » (après)")
        if not (1 <= int(rate_limit) <= 10_000 and 1 <= int(rate_window) <= 86_400):
            problems.append("limite de débit : de 1 à 10 000 modifications par 1 s à 24 h")
        if problems:
            raise InvalidInput("\n".join(problems))
        nickname = forms.check_nickname(nickname)
        records, base_label, region = self._base_records(base, region)
        token = secrets.token_urlsafe(24)
        for _attempt in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                wid = self._insert_workshop(
                    name,
                    code,
                    base_label,
                    region,
                    moderation,
                    nickname,
                    token,
                    records,
                    rate_limit,
                    rate_window,
                )
                break
            except IntegrityError:  # the code was taken: draw another
                continue
        else:  # pragma: no cover - 31**6 codes
            raise RuntimeError("impossible de tirer un code d’atelier libre")
        with read_transaction(self.engine) as conn:
            row = conn.execute(select(workshops).where(workshops.c.id == wid)).mappings().one()
            return _workshop(row), token

    def _insert_workshop(
        self,
        name: str,
        code: str,
        base_label: str,
        region: str | None,
        moderation: Moderation,
        nickname: str,
        token: str,
        records: Records,
        rate_limit: int,
        rate_window: int,
    ) -> int:
        now = self._clock()
        with write_transaction(self.engine) as conn:
            wid = conn.execute(
                insert(workshops)
                .values(
                    name=name,
                    code=code,
                    base=base_label,
                    region=region,
                    moderation=moderation.value,
                    status=OPEN,
                    phase_name="",
                    phase_kinds=None,
                    links_open=True,
                    rate_limit=int(rate_limit),
                    rate_window=int(rate_window),
                    seq=0,
                    created_at=now,
                    updated_at=now,
                )
                .returning(workshops.c.id)
            ).scalar_one()
            mid = conn.execute(
                insert(members)
                .values(
                    workshop_id=wid,
                    role=Role.FACILITATOR.value,
                    nickname=nickname,
                    nickname_key=normalize_key(nickname),
                    token_hash=hash_token(token),
                    blocked=False,
                    created_at=now,
                )
                .returning(members.c.id)
            ).scalar_one()
            rows = [
                {
                    "workshop_id": wid,
                    "sid": s.id,
                    "data": structure_data(s),
                    "base_data": structure_data(s),
                    "deleted": False,
                    "version": 1,
                    "updated_seq": 0,
                }
                for s in records.structures
            ]
            if rows:
                conn.execute(insert(structures), rows)
            rows = [
                {
                    "workshop_id": wid,
                    "source": k.source,
                    "target": k.target,
                    "relation": k.relation.value,
                    "data": link_data(k),
                    "base_data": link_data(k),
                    "deleted": False,
                    "version": 1,
                    "updated_seq": 0,
                }
                for k in records.links
            ]
            if rows:
                conn.execute(insert(links), rows)
            ws = dict(conn.execute(select(workshops).where(workshops.c.id == wid)).mappings().one())
            member = dict(conn.execute(select(members).where(members.c.id == mid)).mappings().one())
            ctx = _Ctx(conn, ws, member, now)
            payload = {
                "name": name,
                "base": base_label,
                "region": region,
                "moderation": moderation.value,
                "structures": len(records.structures),
                "links": len(records.links),
            }
            self._log(ctx, ctx.next_seq(), CREATE, payload)
            return wid

    def _base_records(
        self, base: str | Path, region: str | None
    ) -> tuple[Records, str, str | None]:
        from fresque.io import DatasetValidationError, read_records

        if region is not None:
            region = str(region).strip()
            if (Level.REGION, region) not in self.territories:
                raise InvalidInput(f"région inconnue : « {region} » (code INSEE, ex. 53)")
        key = str(base).strip()
        try:
            if key.lower() in ("vide", "empty", ""):
                return Records(), "vide", region
            if key.lower() == "national":
                folder, shown = self._dataset_dir(), "national"
            else:
                folder, shown = Path(key), Path(key).name[:NAME_MAX]
            records = read_records(folder, territories=self.territories)
        except DatasetValidationError as error:
            raise InvalidInput(error.problems) from None
        except (OSError, ValueError) as error:
            raise InvalidInput(f"jeu de données de base illisible : {error}") from None
        if region is None:
            return records, shown, None
        eco = Ecosystem(records.structures, records.links, territories=self.territories)
        kept = eco.filter(territory=(Level.REGION, region))
        ids = set(kept.structures.index)
        by_id = {s.id: s for s in records.structures}
        todo = list(ids)
        while todo:  # carriers come along, so that exports read back
            carrier = by_id[todo.pop()].carrier_id
            if carrier and carrier in by_id and carrier not in ids:
                ids.add(carrier)
                todo.append(carrier)
        subset = Records(
            [s for s in records.structures if s.id in ids],
            [k for k in records.links if k.source in ids and k.target in ids],
        )
        return subset, shown, region

    def join(self, code: str, nickname: str) -> str:
        """Join the open workshop with this code under ``nickname``; return the
        participant's secret token.

        Raises
        ------
        NotFound
            No workshop has this code.
        WorkshopClosed
            The workshop is closed.
        InvalidInput
            The nickname is empty, too long, or already taken in this workshop.
        """
        wanted = "".join(c for c in str(code or "").upper() if c.isalnum())
        if len(wanted) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in wanted):
            raise NotFound(
                f"Code d’atelier invalide : « {str(code)[:20]} » (6 caractères, lettres et "
                "chiffres, comme affiché à l’écran)."
            )
        nickname = forms.check_nickname(nickname)
        token = secrets.token_urlsafe(24)
        with write_transaction(self.engine) as conn:
            row = (
                conn.execute(select(workshops).where(workshops.c.code == wanted).with_for_update())
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise NotFound(f"Aucun atelier avec le code « {wanted} » : vérifiez-le à l’écran.")
            ws = dict(row)
            if ws["status"] != OPEN:
                raise WorkshopClosed(
                    f"L’atelier « {ws['name']} » est clos : on ne peut plus le rejoindre."
                )
            count = conn.execute(
                select(func.count()).select_from(members).where(members.c.workshop_id == ws["id"])
            ).scalar_one()
            if count >= MAX_MEMBERS:
                raise PermissionDenied("Cet atelier est complet.")
            key = normalize_key(nickname) or nickname.casefold()
            taken = conn.execute(
                select(members.c.id).where(
                    members.c.workshop_id == ws["id"], members.c.nickname_key == key
                )
            ).first()
            if taken is not None:
                raise InvalidInput(
                    [
                        forms._problem(
                            "nickname",
                            nickname,
                            f"le pseudo « {nickname} » est déjà pris dans cet atelier : "
                            "choisissez-en un autre",
                        )
                    ]
                )
            now = self._clock()
            mid = conn.execute(
                insert(members)
                .values(
                    workshop_id=ws["id"],
                    role=Role.PARTICIPANT.value,
                    nickname=nickname,
                    nickname_key=key,
                    token_hash=hash_token(token),
                    blocked=False,
                    created_at=now,
                )
                .returning(members.c.id)
            ).scalar_one()
            member = dict(conn.execute(select(members).where(members.c.id == mid)).mappings().one())
            ctx = _Ctx(conn, ws, member, now)
            self._log(ctx, ctx.next_seq(), JOIN, {"nickname": nickname})
        return token

    def create_viewer_link(self, token: str) -> str:
        """Return a new read-only token for this workshop (facilitator only)."""
        viewer = secrets.token_urlsafe(24)
        with self._writing(
            token, _FACILITATOR, "créer un lien de lecture", after_close=True
        ) as ctx:
            ctx.conn.execute(
                insert(members).values(
                    workshop_id=ctx.wid,
                    role=Role.VIEWER.value,
                    nickname=None,
                    nickname_key=None,
                    token_hash=hash_token(viewer),
                    blocked=False,
                    created_at=ctx.now,
                )
            )
            self._log(ctx, ctx.next_seq(), VIEWER_LINK, {})
        return viewer

    # --- cards ------------------------------------------------------------------------

    @staticmethod
    def _structure_row(conn: Connection, wid: int, sid: str) -> dict[str, Any]:
        row = (
            conn.execute(
                select(structures).where(structures.c.workshop_id == wid, structures.c.sid == sid)
            )
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"Aucune structure « {str(sid)[:64]} » dans cet atelier.")
        return dict(row)

    @staticmethod
    def _live_ids(conn: Connection, wid: int, values: Mapping[str, Any], fields: tuple) -> set[str]:
        """The live cards that the ``fields`` of a form may name (by identifier, or by a
        name that slugifies to one): what the import validation needs to resolve them."""
        wanted = set()
        for name in fields:
            text = values.get(name)
            if isinstance(text, str) and text.strip():
                wanted.add(text.strip()[:200])
                with contextlib.suppress(ValueError):
                    wanted.add(slugify(text))
        if not wanted:
            return set()
        return set(
            conn.execute(
                select(structures.c.sid).where(
                    structures.c.workshop_id == wid,
                    structures.c.deleted.is_(False),
                    structures.c.sid.in_(sorted(wanted)),
                )
            ).scalars()
        )

    @staticmethod
    def _taken_ids(conn: Connection, wid: int, name: str) -> set[str]:
        """Identifiers already used (cards removed since included) that a new card named
        ``name`` could collide with."""
        base = forms.unique_slug(name, ())
        pattern = base.replace("_", "\\_") + "\\_%"
        return set(
            conn.execute(
                select(structures.c.sid).where(
                    structures.c.workshop_id == wid,
                    or_(structures.c.sid == base, structures.c.sid.like(pattern, escape="\\")),
                )
            ).scalars()
        )

    def _last_author(self, conn: Connection, wid: int, target: str) -> str:
        row = conn.execute(
            select(members.c.nickname, members.c.role)
            .select_from(events.join(members, events.c.author_id == members.c.id))
            .where(events.c.workshop_id == wid, events.c.target == target)
            .where(events.c.kind.in_(sorted(STATE_KINDS)))
            .order_by(events.c.seq.desc())
            .limit(1)
        ).first()
        if row is None:
            return "quelqu’un"
        return row.nickname or _ROLE_SINGULAR[Role(row.role)]

    def _conflict(
        self,
        conn: Connection,
        wid: int,
        row: Mapping[str, Any],
        expected: int,
        *,
        removing: bool = False,
    ) -> None:
        name = row["data"].get("name", row["sid"])
        doing = "la retiriez" if removing else "l’éditiez"
        if row["deleted"]:
            into = f" (fusionnée dans « {row['merged_into']} »)" if row["merged_into"] else ""
            raise ConflictError(
                f"« {name} » a été retirée de l’atelier{into} pendant que vous {doing}.",
                None,
                row["version"],
            )
        who = self._last_author(conn, wid, row["sid"])
        then = (
            "confirmez à nouveau pour la retirer telle quelle"
            if removing
            else "reprenez votre modification dessus"
        )
        raise ConflictError(
            f"« {name} » a été modifiée par {who} pendant que vous {doing} (version "
            f"{row['version']}) : voici sa valeur actuelle, {then}.",
            Structure.model_validate(row["data"]),
            row["version"],
        )

    def add_structure(self, token: str, values: Mapping[str, Any]) -> Card:
        """Add a card; return it with its identifier (made from the name) and version 1.

        ``values`` are the form's fields (:data:`fresque.store.forms.STRUCTURE_FIELDS`),
        checked like an import row. A participant's card waits for moderation.
        """
        if not isinstance(values, Mapping):
            raise InvalidInput("formulaire invalide")
        with self._writing(token, _WRITERS, "ajouter une structure", edit=True) as ctx:
            problems = forms.check_shape(values, forms.STRUCTURE_FIELDS)
            if problems:
                raise InvalidInput(problems)
            name = values.get("name")
            if not isinstance(name, str) or not name.strip():
                raise InvalidInput([forms._problem("name", "", "valeur obligatoire : le nom")])
            sid = forms.unique_slug(name, self._taken_ids(ctx.conn, ctx.wid, name))
            structure = forms.check_structure(
                values,
                territories=self.territories,
                known_ids=self._live_ids(ctx.conn, ctx.wid, values, ("carrier_id",)),
                sid=sid,
            )
            self._check_kind(ctx, structure.kind.value)
            data = structure_data(structure)
            seq = ctx.next_seq()
            ctx.conn.execute(
                insert(structures).values(
                    workshop_id=ctx.wid,
                    sid=sid,
                    data=data,
                    base_data=None,
                    deleted=False,
                    version=1,
                    created_by=ctx.member["id"],
                    updated_seq=seq,
                )
            )
            self._log(
                ctx, seq, ADD_STRUCTURE, {"id": sid, "data": data}, target=sid, moderated=True
            )
            return Card(structure, 1, seq)

    def edit_structure(
        self, token: str, sid: str, changes: Mapping[str, Any], expected_version: int
    ) -> Card:
        """Change some fields of a card made at ``expected_version``.

        Raises
        ------
        ConflictError
            The card changed (or was removed) since that version: nothing was written; the
            error holds the current value and version.
        """
        if not isinstance(changes, Mapping):
            raise InvalidInput("formulaire invalide")
        if "id" in changes:
            raise InvalidInput([forms._problem("id", "", "l’identifiant ne se modifie pas")])
        with self._writing(token, _WRITERS, "modifier une structure", edit=True) as ctx:
            row = self._structure_row(ctx.conn, ctx.wid, sid)
            if row["deleted"] or row["version"] != expected_version:
                self._conflict(ctx.conn, ctx.wid, row, expected_version)
            current = row["data"]
            merged = {k: v for k, v in {**current, **changes}.items() if k != "id"}
            structure = forms.check_structure(
                merged,
                territories=self.territories,
                known_ids=self._live_ids(ctx.conn, ctx.wid, merged, ("carrier_id",)),
                sid=row["sid"],
            )
            self._check_kind(ctx, current["kind"], structure.kind.value)
            data = structure_data(structure)
            diff = {k: v for k, v in data.items() if current.get(k) != v}
            if diff.keys() & {"territory_level", "territory_codes"}:
                diff["territory_level"] = data["territory_level"]
                diff["territory_codes"] = data["territory_codes"]
            if not diff:
                return Card(structure, row["version"], None)
            seq = ctx.next_seq()
            version = row["version"] + 1
            done = ctx.conn.execute(
                update(structures)
                .where(
                    structures.c.id == row["id"],
                    structures.c.version == expected_version,
                    structures.c.deleted.is_(False),
                )
                .values(data=data, version=version, updated_seq=seq)
            )
            if done.rowcount != 1:  # pragma: no cover - the workshop lock prevents it
                self._conflict(ctx.conn, ctx.wid, self._structure_row(ctx.conn, ctx.wid, sid), 0)
            payload = {
                "id": row["sid"],
                "name": data["name"],
                "changes": diff,
                "before": {k: current.get(k) for k in diff},
                "version": version,
            }
            self._log(ctx, seq, EDIT_STRUCTURE, payload, target=row["sid"], moderated=True)
            return Card(structure, version, seq)

    def remove_structure(self, token: str, sid: str, expected_version: int) -> int:
        """Remove a card and its links (the facilitator, or the participant who added it);
        return the event number."""
        with self._writing(token, _WRITERS, "retirer une structure", edit=True) as ctx:
            row = self._structure_row(ctx.conn, ctx.wid, sid)
            # Who may, before which version: someone else's card is refused whatever
            # version the request names.
            if ctx.role is Role.PARTICIPANT and row["created_by"] != ctx.member["id"]:
                raise PermissionDenied(
                    "Refusé : un participant ne retire que les cartes qu’il a ajoutées ; "
                    "demandez à l’animation."
                )
            self._check_kind(ctx, row["data"]["kind"])
            if row["deleted"] or row["version"] != expected_version:
                self._conflict(ctx.conn, ctx.wid, row, expected_version, removing=True)
            payload = {"id": row["sid"], "name": row["data"]["name"], "before": row["data"]}
            return self._apply_event(
                ctx, REMOVE_STRUCTURE, payload, target=row["sid"], moderated=True
            )

    def merge_structures(
        self,
        token: str,
        keep: str,
        merge: str,
        changes: Mapping[str, Any] | None = None,
        *,
        expected_versions: tuple[int, int] | None = None,
    ) -> Card:
        """Merge card ``merge`` into ``keep`` (facilitator only).

        ``keep`` takes ``changes`` (fields to take from the other card, e.g. its website);
        the links of ``merge`` move to ``keep`` (a link between the two, or one ``keep``
        already has, goes), cards it carried are carried by ``keep``, and ``merge`` is
        removed, remembered as merged into ``keep``: :meth:`history` of ``keep`` shows
        both histories. Undoing the merge restores both cards.
        """
        changes = dict(changes or {})
        if "id" in changes:
            raise InvalidInput([forms._problem("id", "", "l’identifiant ne se modifie pas")])
        with self._writing(token, _FACILITATOR, "fusionner des doublons", after_close=False) as ctx:
            kept = self._structure_row(ctx.conn, ctx.wid, keep)
            gone = self._structure_row(ctx.conn, ctx.wid, merge)
            if kept["sid"] == gone["sid"]:
                raise InvalidInput("une structure ne se fusionne pas avec elle-même")
            for row, expected in zip((kept, gone), expected_versions or (None, None), strict=True):
                if row["deleted"] or (expected is not None and row["version"] != expected):
                    self._conflict(ctx.conn, ctx.wid, row, expected or row["version"])
            current = kept["data"]
            merged = {k: v for k, v in {**current, **changes}.items() if k != "id"}
            structure = forms.check_structure(
                merged,
                territories=self.territories,
                known_ids=self._live_ids(ctx.conn, ctx.wid, merged, ("carrier_id",)),
                sid=kept["sid"],
            )
            data = structure_data(structure)
            diff = {k: v for k, v in data.items() if current.get(k) != v}
            if diff.keys() & {"territory_level", "territory_codes"}:
                diff["territory_level"] = data["territory_level"]
                diff["territory_codes"] = data["territory_codes"]
            payload = {
                "kept": kept["sid"],
                "merged": gone["sid"],
                "name": data["name"],
                "merged_name": gone["data"]["name"],
                "changes": diff,
                "before": {k: current.get(k) for k in diff},
                "merged_data": gone["data"],
            }
            seq = self._apply_event(
                ctx, MERGE, payload, target=kept["sid"], other=gone["sid"], moderated=True
            )
            row = self._structure_row(ctx.conn, ctx.wid, kept["sid"])
            return Card(Structure.model_validate(row["data"]), row["version"], seq)

    # --- links ------------------------------------------------------------------------

    @staticmethod
    def _link_row(conn: Connection, wid: int, lid: int) -> dict[str, Any]:
        row = (
            conn.execute(select(links).where(links.c.workshop_id == wid, links.c.id == int(lid)))
            .mappings()
            .one_or_none()
        )
        if row is None:
            raise NotFound(f"Aucun lien n° {lid} dans cet atelier.")
        return dict(row)

    def _link_conflict(self, row: Mapping[str, Any], *, removing: bool = False) -> None:
        data = row["data"]
        shown = f"{data['source']} → {data['target']}"
        doing = "le retiriez" if removing else "l’éditiez"
        if row["deleted"]:
            raise ConflictError(
                f"Le lien {shown} a été retiré pendant que vous {doing}.", None, row["version"]
            )
        then = (
            "confirmez à nouveau pour le retirer tel quel"
            if removing
            else "reprenez votre modification dessus"
        )
        raise ConflictError(
            f"Le lien {shown} a été modifié pendant que vous {doing} (version "
            f"{row['version']}) : voici sa valeur actuelle, {then}.",
            Link.model_validate(data),
            row["version"],
        )

    def _check_link_kinds(self, ctx: _Ctx, *ends: str) -> None:
        """A participant may only touch links whose two ends are cards of the kinds the
        phase opens (the ends a link has now, and those an edit gives it)."""
        if ctx.role is not Role.PARTICIPANT or ctx.ws["phase_kinds"] is None:
            return
        for end in dict.fromkeys(ends):
            self._check_kind(ctx, self._structure_row(ctx.conn, ctx.wid, end)["data"]["kind"])

    def _key_taken(self, ctx: _Ctx, link: Link, besides: int | None = None) -> bool:
        query = select(links.c.id).where(
            links.c.workshop_id == ctx.wid,
            links.c.source == link.source,
            links.c.target == link.target,
            links.c.relation == link.relation.value,
            links.c.deleted.is_(False),
        )
        if besides is not None:
            query = query.where(links.c.id != besides)
        return ctx.conn.execute(query).first() is not None

    def add_link(self, token: str, values: Mapping[str, Any]) -> LinkCard:
        """Add a link between two cards of the workshop (``source``, ``target``:
        identifiers; ``relation``: value or French label)."""
        if not isinstance(values, Mapping):
            raise InvalidInput("formulaire invalide")
        with self._writing(token, _WRITERS, "ajouter un lien", edit=True) as ctx:
            self._check_links_open(ctx)
            link = forms.check_link(
                values,
                territories=self.territories,
                known_ids=self._live_ids(ctx.conn, ctx.wid, values, ("source", "target")),
            )
            self._check_link_kinds(ctx, link.source, link.target)
            if self._key_taken(ctx, link):
                raise InvalidInput(
                    f"ce lien existe déjà : {link.source} → {link.target} ({label(link.relation)})"
                )
            data = link_data(link)
            seq = ctx.next_seq()
            lid = ctx.conn.execute(
                insert(links)
                .values(
                    workshop_id=ctx.wid,
                    source=link.source,
                    target=link.target,
                    relation=link.relation.value,
                    data=data,
                    base_data=None,
                    deleted=False,
                    version=1,
                    created_by=ctx.member["id"],
                    updated_seq=seq,
                )
                .returning(links.c.id)
            ).scalar_one()
            self._log(
                ctx,
                seq,
                ADD_LINK,
                {"link": lid, "data": data},
                target=link.source,
                other=link.target,
                moderated=True,
            )
            return LinkCard(lid, link, 1, seq)

    def edit_link(
        self, token: str, link_id: int, changes: Mapping[str, Any], expected_version: int
    ) -> LinkCard:
        """Change some fields of a link made at ``expected_version`` (see
        :meth:`edit_structure` for conflicts)."""
        if not isinstance(changes, Mapping):
            raise InvalidInput("formulaire invalide")
        with self._writing(token, _WRITERS, "modifier un lien", edit=True) as ctx:
            self._check_links_open(ctx)
            row = self._link_row(ctx.conn, ctx.wid, link_id)
            if row["deleted"] or row["version"] != expected_version:
                self._link_conflict(row)
            current = row["data"]
            merged = {**current, **changes}
            link = forms.check_link(
                merged,
                territories=self.territories,
                known_ids=self._live_ids(ctx.conn, ctx.wid, merged, ("source", "target")),
            )
            self._check_link_kinds(ctx, row["source"], row["target"], link.source, link.target)
            if self._key_taken(ctx, link, besides=row["id"]):
                raise InvalidInput(
                    f"ce lien existe déjà : {link.source} → {link.target} ({label(link.relation)})"
                )
            data = link_data(link)
            diff = {k: v for k, v in data.items() if current.get(k) != v}
            if not diff:
                return LinkCard(row["id"], link, row["version"], None)
            seq = ctx.next_seq()
            version = row["version"] + 1
            ctx.conn.execute(
                update(links)
                .where(links.c.id == row["id"], links.c.version == expected_version)
                .values(
                    data=data,
                    source=link.source,
                    target=link.target,
                    relation=link.relation.value,
                    version=version,
                    updated_seq=seq,
                )
            )
            payload = {
                "link": row["id"],
                "changes": diff,
                "before": {k: current.get(k) for k in diff},
                "version": version,
            }
            self._log(
                ctx, seq, EDIT_LINK, payload, target=link.source, other=link.target, moderated=True
            )
            return LinkCard(row["id"], link, version, seq)

    def remove_link(self, token: str, link_id: int, expected_version: int) -> int:
        """Remove a link (the facilitator, or the participant who added it, while the
        phase opens links and the kinds of both its ends); return the event number."""
        with self._writing(token, _WRITERS, "retirer un lien", edit=True) as ctx:
            self._check_links_open(ctx)
            row = self._link_row(ctx.conn, ctx.wid, link_id)
            if ctx.role is Role.PARTICIPANT and row["created_by"] != ctx.member["id"]:
                raise PermissionDenied(
                    "Refusé : un participant ne retire que les liens qu’il a ajoutés ; "
                    "demandez à l’animation."
                )
            self._check_link_kinds(ctx, row["source"], row["target"])
            if row["deleted"] or row["version"] != expected_version:
                self._link_conflict(row, removing=True)
            payload = {"link": row["id"], "before": row["data"]}
            return self._apply_event(
                ctx,
                REMOVE_LINK,
                payload,
                target=row["source"],
                other=row["target"],
                moderated=True,
            )

    # --- state: load, apply, rebuild ---------------------------------------------------

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
        ctx: _Ctx,
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

    def _rebuild(self, ctx: _Ctx, seq: int) -> None:
        """Recompute the working state from the base and the edits that count."""
        srows, lrows = self._rows(ctx.conn, ctx.wid)
        state = replay.replay(
            self._base_state(srows, lrows), self._events_for(ctx.conn, ctx.wid, (PENDING, ACCEPTED))
        )
        self._write_state(ctx, srows, lrows, state, seq)

    @staticmethod
    def _write_state(
        ctx: _Ctx, srows: Mapping[str, dict], lrows: Mapping[int, dict], state: State, seq: int
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

    # --- undo, moderation -------------------------------------------------------------

    def undo(self, token: str, seq: int) -> int:
        """Undo event ``seq`` (an edit, or an undo, which redoes); return the undo's number.

        Any edit can be undone, not only the last one: the state is recomputed without
        it, and later edits that no longer apply (the edit of a card whose creation is
        undone) stay in the log without effect. Participants undo their own edits only.
        """
        with self._writing(token, _WRITERS, "annuler une modification", edit=True) as ctx:
            row = (
                ctx.conn.execute(
                    select(events).where(events.c.workshop_id == ctx.wid, events.c.seq == int(seq))
                )
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise NotFound(f"Aucune modification n° {seq} dans cet atelier.")
            if row["kind"] not in STATE_KINDS | {UNDO}:
                raise InvalidInput(
                    f"l’événement n° {seq} ({_KIND_LABELS.get(row['kind'], row['kind'])}) "
                    "ne s’annule pas"
                )
            if ctx.role is Role.PARTICIPANT and row["author_id"] != ctx.member["id"]:
                raise PermissionDenied(
                    "Refusé : un participant n’annule que ses propres modifications ; "
                    "demandez à l’animation."
                )
            if row["undone_by"] is not None:
                raise ConflictError(
                    f"La modification n° {seq} est déjà annulée (n° {row['undone_by']})."
                )
            if row["status"] == REJECTED:
                raise ConflictError(f"La modification n° {seq} a été rejetée : rien à annuler.")
            undo_seq = ctx.next_seq()
            ctx.conn.execute(
                update(events).where(events.c.id == row["id"]).values(undone_by=undo_seq)
            )
            if row["kind"] == UNDO:
                ctx.conn.execute(
                    update(events)
                    .where(events.c.workshop_id == ctx.wid, events.c.seq == row["payload"]["event"])
                    .values(undone_by=None)
                )
            self._rebuild(ctx, undo_seq)
            payload = {"event": row["seq"], "kind": row["kind"]}
            return self._log(ctx, undo_seq, UNDO, payload, target=row["target"], other=row["other"])

    def moderate(self, token: str, seqs: int | Iterable[int], decision: str) -> int | None:
        """Set edits ``seqs`` to ``decision``: ``"accepted"``, ``"rejected"`` or back to
        ``"pending"`` (facilitator only); return the moderation's event number (``None``
        when nothing changed). A rejected edit is left out of the state until accepted."""
        if decision not in (ACCEPTED, REJECTED, PENDING):
            raise InvalidInput("décision : « accepted », « rejected » ou « pending »")
        wanted = sorted({int(seqs)} if isinstance(seqs, int) else {int(s) for s in seqs})
        if not wanted:
            return None
        with self._writing(token, _FACILITATOR, "modérer", after_close=True) as ctx:
            if ctx.ws["status"] == MERGED:
                raise WorkshopClosed("L’atelier a été versé dans le jeu de données.")
            rows = (
                ctx.conn.execute(
                    select(events).where(events.c.workshop_id == ctx.wid, events.c.seq.in_(wanted))
                )
                .mappings()
                .all()
            )
            missing = set(wanted) - {r["seq"] for r in rows}
            if missing:
                raise NotFound(f"Aucune modification n° {min(missing)} dans cet atelier.")
            wrong = [r["seq"] for r in rows if r["kind"] not in STATE_KINDS]
            if wrong:
                raise InvalidInput(
                    f"l’événement n° {wrong[0]} n’est pas une modification à modérer"
                )
            changing = [r for r in rows if r["status"] != decision]
            if not changing:
                return None
            seq = ctx.next_seq()
            ctx.conn.execute(
                update(events)
                .where(events.c.id.in_([r["id"] for r in changing]))
                .values(status=decision, reviewed_by=ctx.member["id"], reviewed_at=ctx.now)
            )
            if any(REJECTED in (r["status"], decision) for r in changing):
                self._rebuild(ctx, seq)
            payload = {"events": [r["seq"] for r in changing], "status": decision}
            return self._log(ctx, seq, MODERATE, payload)

    def block(self, token: str, member_id: int, blocked: bool = True) -> int:
        """Suspend (or restore) a participant's right to write (facilitator only)."""
        with self._writing(
            token, _FACILITATOR, "suspendre un participant", after_close=True
        ) as ctx:
            row = (
                ctx.conn.execute(
                    select(members).where(
                        members.c.workshop_id == ctx.wid, members.c.id == int(member_id)
                    )
                )
                .mappings()
                .one_or_none()
            )
            if row is None or row["role"] != Role.PARTICIPANT.value:
                raise NotFound(f"Aucun participant n° {member_id} dans cet atelier.")
            ctx.conn.execute(
                update(members).where(members.c.id == row["id"]).values(blocked=bool(blocked))
            )
            payload = {"member": row["id"], "nickname": row["nickname"], "blocked": bool(blocked)}
            return self._log(ctx, ctx.next_seq(), BLOCK, payload)

    # --- phases, closing --------------------------------------------------------------

    def set_phase(
        self,
        token: str,
        name: str = "",
        kinds: Iterable[Kind | str] | None = None,
        links_open: bool = True,
    ) -> Workshop:
        """Open a phase: participants may add and edit cards of ``kinds`` only (all when
        ``None``), links when ``links_open``; participants' and viewers' boards show the
        revealed kinds (facilitator only)."""
        name = " ".join(str(name or "").split())
        if len(name) > NAME_MAX:
            raise InvalidInput(f"nom de phase : {NAME_MAX} caractères au plus")
        values = None
        if kinds is not None:
            try:
                parsed = {
                    parse_enum(Kind, k) for k in ([kinds] if isinstance(kinds, str) else kinds)
                }
            except ValueError as error:
                raise InvalidInput(str(error)) from None
            values = [k.value for k in Kind if k in parsed]
        with self._writing(token, _FACILITATOR, "ouvrir une phase") as ctx:
            ctx.conn.execute(
                update(workshops)
                .where(workshops.c.id == ctx.wid)
                .values(phase_name=name, phase_kinds=values, links_open=bool(links_open))
            )
            payload = {"name": name, "kinds": values, "links_open": bool(links_open)}
            self._log(ctx, ctx.next_seq(), PHASE, payload)
        return self.workshop(token)

    def close(self, token: str) -> Workshop:
        """Close the workshop: participants can no longer write or join (facilitator)."""
        return self._set_status(token, CLOSED, CLOSE, "clore l’atelier")

    def reopen(self, token: str) -> Workshop:
        """Reopen a closed workshop (facilitator)."""
        return self._set_status(token, OPEN, REOPEN, "rouvrir l’atelier")

    def _set_status(self, token: str, status: str, kind: str, action: str) -> Workshop:
        with self._writing(token, _FACILITATOR, action) as ctx:
            if ctx.ws["status"] != status:
                ctx.conn.execute(
                    update(workshops).where(workshops.c.id == ctx.wid).values(status=status)
                )
                self._log(ctx, ctx.next_seq(), kind, {})
        return self.workshop(token)

    # --- reading ----------------------------------------------------------------------

    def workshop(self, token: str) -> Workshop:
        """The workshop this token belongs to."""
        with self._reading(token) as (_conn, ws, _member):
            return _workshop(ws)

    def me(self, token: str) -> Member:
        """Who this token is."""
        with self._reading(token) as (_conn, _ws, member):
            return _member(member)

    def members(self, token: str) -> list[Member]:
        """Everyone in the workshop (facilitator only)."""
        with self._reading(token, _FACILITATOR, "la liste des participants") as (conn, ws, _m):
            rows = conn.execute(
                select(members).where(members.c.workshop_id == ws["id"]).order_by(members.c.id)
            ).mappings()
            return [_member(r) for r in rows]

    def get_structure(self, token: str, sid: str) -> Card:
        """A card of the working copy with its version (to edit it)."""
        with self._reading(token) as (conn, ws, _member):
            row = self._structure_row(conn, ws["id"], sid)
            return _card(row)

    def get_link(self, token: str, link_id: int) -> LinkCard:
        """A link of the working copy with its version (to edit it)."""
        with self._reading(token) as (conn, ws, _member):
            return _link_card(self._link_row(conn, ws["id"], link_id))

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
                _workshop(ws),
                _member(member),
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
        return [_event(r) for r in reversed(conn.execute(query).mappings().all())]

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
            key = (ws["id"], ws["seq"], "working" if pending else "accepted")
            with self._cache_lock:
                eco = self._cache.get(key)
                if eco is not None:
                    self._cache.move_to_end(key)
            if eco is None:
                state = self._view(conn, ws, pending)
                eco = Ecosystem(
                    list(state.structures.values()),
                    list(state.links.values()),
                    territories=self.territories,
                )
                with self._cache_lock:
                    self._cache[key] = eco
                    while len(self._cache) > 16:
                        self._cache.popitem(last=False)
            reveal = (
                revealed_only
                if revealed_only is not None
                else (member["role"] != Role.FACILITATOR.value)
            )
            if reveal and ws["phase_kinds"] is not None:
                eco = eco.filter(kinds=list(ws["phase_kinds"]))
            return eco

    def records(self, token: str, *, include_pending: bool | None = None) -> Records:
        """The workshop now as records (what :meth:`export` writes), facilitator only."""
        with self._reading(token, _FACILITATOR, "l’export") as (conn, ws, member):
            state = self._view(conn, ws, self._pending_view(ws, member, include_pending))
        return Records(
            [Structure.model_validate(d) for d in state.structures.values()],
            [Link.model_validate(d) for d in state.links.values()],
        ).sorted()

    def export(
        self,
        token: str,
        path: str | Path,
        format: str | None = None,
        *,
        include_pending: bool | None = None,
    ) -> Path:
        """Write the workshop in an import format (``xlsx``, ``json``, ``csv``… from the
        extension or ``format``); facilitator only. :func:`fresque.io.read_records`
        reads the file back."""
        from fresque.io.tables import output_format, write_records

        try:
            fmt = output_format(path, format)
        except ValueError as error:
            raise InvalidInput(str(error)) from None
        records = self.records(token, include_pending=include_pending)
        written = write_records(records, path, fmt, territories=self.territories)
        with self._writing(token, _FACILITATOR, "l’export", after_close=True) as ctx:
            payload = {
                "format": fmt,
                "file": Path(path).name,
                "structures": len(records.structures),
                "links": len(records.links),
            }
            self._log(ctx, ctx.next_seq(), EXPORT, payload)
        return written

    # --- the log, as the app shows it ---------------------------------------------------

    def _events(
        self, conn: Connection, ws: Mapping[str, Any], member: Mapping[str, Any], *conditions: Any
    ) -> list[Event]:
        author = members.alias("author")
        query = (
            select(events, author.c.nickname, author.c.role)
            .select_from(events.outerjoin(author, events.c.author_id == author.c.id))
            .where(events.c.workshop_id == ws["id"], *conditions)
            .order_by(events.c.seq)
        )
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
            out.append(_event(row))
        return out

    def version(self, token: str) -> int:
        """The workshop's version as ``token`` sees it (what a screen polls): it moves
        with every event. One lookup by key, outside any transaction; refused like any
        read (unknown token, suspended participant).

        Examples
        --------
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> svc = WorkshopService(make_engine(f"sqlite:///{folder}/atelier.db"))
        >>> ws, facilitator = svc.create_workshop("Démo", base="vide")
        >>> before = svc.version(facilitator)
        >>> svc.version(svc.join(ws.code, "Ana")) == before + 1
        True
        """
        with single_read(self.engine) as conn:
            member, ws = self._member_and_workshop(conn, token)
        self._check_role(member, _ANYONE, "cette lecture")
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
        with self._reading(token, _FACILITATOR, "le journal de l’atelier") as (conn, ws, member):
            return self._events(conn, ws, member, events.c.seq > int(since))

    def pending(self, token: str) -> list[Event]:
        """Edits awaiting moderation, oldest first (facilitator only)."""
        with self._reading(token, _FACILITATOR, "la modération") as (conn, ws, member):
            return self._events(
                conn,
                ws,
                member,
                events.c.status == PENDING,
                events.c.undone_by.is_(None),
                events.c.kind.in_(sorted(STATE_KINDS)),
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

    # --- duplicates -------------------------------------------------------------------

    def duplicate_suggestions(self, token: str, threshold: float = 0.8) -> list[Duplicate]:
        """Pairs of cards with similar names serving a territory in common, where at
        least one was added in the workshop; best first (facilitator only)."""
        with self._reading(token, _FACILITATOR, "la recherche de doublons") as (conn, ws, _m):
            rows = (
                conn.execute(
                    select(structures.c.sid, structures.c.data, structures.c.base_data).where(
                        structures.c.workshop_id == ws["id"], structures.c.deleted.is_(False)
                    )
                )
                .mappings()
                .all()
            )
        cards = [(r["sid"], r["data"], r["base_data"] is None) for r in rows]
        found: dict[tuple[str, str], Duplicate] = {}
        for sid, data, new in cards:
            if not new:
                continue
            for other, score in self._similar(data, cards, threshold, skip=sid):
                pair = tuple(sorted((sid, other[0])))
                if pair not in found or found[pair].score < score:
                    first = data if pair[0] == sid else other[1]
                    second = other[1] if pair[0] == sid else data
                    found[pair] = Duplicate(pair[0], pair[1], first["name"], second["name"], score)
        return sorted(found.values(), key=lambda d: (-d.score, d.first, d.second))

    def similar_structures(
        self, token: str, values: Mapping[str, Any], threshold: float = 0.8
    ) -> list[Card]:
        """Cards that may already be the one a participant is about to add (similar name,
        a territory in common), best first: to show before :meth:`add_structure`."""
        name = values.get("name") if isinstance(values, Mapping) else None
        if not isinstance(name, str) or not name.strip():
            return []
        probe: dict[str, Any] = {"name": name[:200]}
        try:
            level = parse_enum(Level, str(values.get("territory_level") or ""))
            codes = values.get("territory_codes") or []
            codes = [codes] if isinstance(codes, str) else list(codes)
            resolved = []
            for code in codes[: forms.MAX_ITEMS]:
                found = self.territories.resolve(str(code), level=level)
                resolved += [t.code for t in found[:1]]
            probe.update(territory_level=level.value, territory_codes=resolved)
        except (ValueError, LookupError):
            pass
        with self._reading(token) as (conn, ws, _member):
            rows = (
                conn.execute(
                    select(structures).where(
                        structures.c.workshop_id == ws["id"], structures.c.deleted.is_(False)
                    )
                )
                .mappings()
                .all()
            )
        cards = [(r["sid"], r["data"], False) for r in rows]
        by_sid = {r["sid"]: r for r in rows}
        close = self._similar(probe, cards, threshold)
        return [_card(by_sid[c[0]]) for c, _score in sorted(close, key=lambda x: -x[1])]

    def _similar(
        self,
        data: Mapping[str, Any],
        cards: list[tuple[str, dict, bool]],
        threshold: float,
        skip: str | None = None,
    ) -> list[tuple[tuple[str, dict, bool], float]]:
        key = _name_key(data["name"])
        if not key:
            return []
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(key)
        out = []
        for card in cards:
            if card[0] == skip:
                continue
            other = _name_key(card[1]["name"])
            if not other:
                continue
            contained = min(len(key), len(other)) >= 4 and (key in other or other in key)
            matcher.set_seq1(other)
            if not contained and (
                matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold
            ):
                continue
            score = matcher.ratio()
            if (score >= threshold or contained) and self._share_territory(data, card[1]):
                out.append((card, round(max(score, threshold), 3)))
        return out

    def _share_territory(self, a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
        if not a.get("territory_level") or not b.get("territory_level"):
            return True  # nothing to tell them apart
        if Level.COUNTRY.value in (a["territory_level"], b["territory_level"]):
            return a["territory_level"] == b["territory_level"]
        try:
            first = {
                int(p)
                for code in a.get("territory_codes") or []
                for p in self.territories.commune_positions((a["territory_level"], code))
            }
            return any(
                int(p) in first
                for code in b.get("territory_codes") or []
                for p in self.territories.commune_positions((b["territory_level"], code))
            )
        except (LookupError, ValueError):
            return False

    # --- into the curated dataset -----------------------------------------------------

    def merge_into_dataset(
        self, token: str, folder: str | Path | None = None, *, write: bool = False
    ) -> DatasetMerge:
        """Merge what a closed workshop changed into the curated dataset (facilitator).

        Only accepted edits count. What the workshop changed is computed against the
        base it started from, then applied to the dataset as it is now: cards the
        workshop added are added, fields it changed are changed (other fields keep the
        dataset's current value), cards and links it removed are removed. Without
        ``write`` nothing is written: read :meth:`DatasetMerge.format` first.
        """
        from fresque.io import DatasetValidationError, read_records
        from fresque.io.tables import write_csv_dir

        with self._reading(token, _FACILITATOR, "le versement dans le jeu de données") as (
            conn,
            ws,
            _member,
        ):
            if ws["status"] == OPEN:
                raise PermissionDenied(
                    "Refusé : closez l’atelier avant de le verser dans le jeu de données."
                )
            if ws["status"] == MERGED:
                raise WorkshopClosed("Cet atelier a déjà été versé dans le jeu de données.")
            srows, lrows = self._rows(conn, ws["id"])
            base = self._base_state(srows, lrows)
            final = replay.replay(base, self._events_for(conn, ws["id"], (ACCEPTED,)))
        target = self._dataset_dir(folder)
        try:
            curated = (
                read_records(target, territories=self.territories)
                if (target / "structures.csv").exists()
                else Records()
            )
        except DatasetValidationError as error:
            raise InvalidInput(error.problems) from None
        merged_records, report, removed_s, removed_l = _merge_into(curated, base, final)
        try:
            Ecosystem(merged_records.structures, merged_records.links, territories=self.territories)
            ids = merged_records.structure_ids
            orphans = sorted(
                f"{s.id} (porteur {s.carrier_id})"
                for s in merged_records.structures
                if s.carrier_id and s.carrier_id not in ids
            )
            if orphans:
                raise ValueError("structures porteuses absentes : " + ", ".join(orphans))
        except ValueError as error:
            raise ConflictError(
                "Le jeu de données a changé depuis l’atelier et la fusion serait "
                f"incohérente : {error}"
            ) from None
        names = {sid: data["name"] for sid, data in base.structures.items()}
        names.update({s.id: s.name for s in curated.structures})
        names.update({sid: data["name"] for sid, data in final.structures.items()})
        result = DatasetMerge(report, removed_s, removed_l, merged_records, write, target, names)
        if write:
            with self._writing(token, _FACILITATOR, "le versement", after_close=True) as ctx:
                if ctx.ws["status"] != CLOSED:
                    raise ConflictError("L’atelier a été rouvert ou versé entre-temps.")
                write_csv_dir(merged_records, target)
                ctx.conn.execute(
                    update(workshops).where(workshops.c.id == ctx.wid).values(status=MERGED)
                )
                payload = {
                    "folder": str(target),
                    "added": len(report.added_structures) + len(report.added_links),
                    "changed": len(report.changed_structures) + len(report.changed_links),
                    "removed": len(removed_s) + len(removed_l),
                }
                self._log(ctx, ctx.next_seq(), MERGE_DATASET, payload)
        return result


def _merge_into(
    curated: Records, base: State, final: State
) -> tuple[Records, MergeReport, tuple[str, ...], tuple[str, ...]]:
    """Apply the workshop's changes (``base`` → ``final``) to ``curated``."""
    by_id = {s.id: s for s in curated.structures}
    incoming_s: list[Structure] = []
    for sid, data in final.structures.items():
        before = base.structures.get(sid)
        if before == data:
            continue
        if before is None or sid not in by_id:
            incoming_s.append(Structure.model_validate(data))
            continue
        diff = {k: v for k, v in data.items() if before.get(k) != v}
        if diff.keys() & {"territory_level", "territory_codes"}:
            diff["territory_level"], diff["territory_codes"] = (
                data["territory_level"],
                data["territory_codes"],
            )
        incoming_s.append(Structure.model_validate({**by_id[sid].model_dump(), **diff}))
    removed_s = tuple(sorted(sid for sid in base.structures if sid not in final.structures))
    base_keys = {link_key(d): d for d in base.links.values()}
    final_keys = {link_key(d): d for d in final.links.values()}
    curated_links = {(k.source, k.target, k.relation.value): k for k in curated.links}
    incoming_l: list[Link] = []
    for key, data in final_keys.items():
        before = base_keys.get(key)
        if before == data:
            continue
        if before is None or key not in curated_links:
            incoming_l.append(Link.model_validate(data))
            continue
        diff = {k: v for k, v in data.items() if before.get(k) != v}
        incoming_l.append(Link.model_validate({**curated_links[key].model_dump(), **diff}))
    removed_keys = sorted(key for key in base_keys if key not in final_keys)
    gone = set(removed_s)
    kept = Records(
        [s for s in curated.structures if s.id not in gone],
        [
            k
            for k in curated.links
            if (k.source, k.target, k.relation.value) not in set(removed_keys)
            and k.source not in gone
            and k.target not in gone
        ],
    )
    merged, report = merge_records(kept, Records(incoming_s, incoming_l))
    shown = tuple(f"{s} → {t} ({r})" for s, t, r in removed_keys)
    return merged, report, removed_s, shown


def _name_key(name: str) -> str:
    return " ".join(
        w for w in _words(name) if w not in {"de", "la", "le", "les", "du", "des", "d", "l", "et"}
    )


def _words(name: str) -> list[str]:
    from fresque.geo.territories import normalize_name

    return normalize_name(str(name)).split()


# --------------------------------------------------------------------------------------
# Rows → values
# --------------------------------------------------------------------------------------

_ROLE_SINGULAR = {
    Role.FACILITATOR: "l’animation",
    Role.PARTICIPANT: "participant",
    Role.VIEWER: "spectateur",
}

_KIND_LABELS = {
    CREATE: "création de l’atelier",
    JOIN: "arrivée",
    VIEWER_LINK: "lien de lecture",
    ADD_STRUCTURE: "ajout de structure",
    EDIT_STRUCTURE: "modification de structure",
    REMOVE_STRUCTURE: "retrait de structure",
    ADD_LINK: "ajout de lien",
    EDIT_LINK: "modification de lien",
    REMOVE_LINK: "retrait de lien",
    MERGE: "fusion de doublons",
    UNDO: "annulation",
    MODERATE: "modération",
    PHASE: "phase",
    CLOSE: "clôture",
    REOPEN: "réouverture",
    BLOCK: "suspension",
    EXPORT: "export",
    MERGE_DATASET: "versement dans le jeu de données",
}


def _link_text(data: Mapping[str, Any]) -> str:
    try:
        relation = label(Relation(data["relation"]))
    except (KeyError, ValueError):
        relation = str(data.get("relation"))
    return f"{data.get('source')} → {data.get('target')} ({relation})"


def _summary(kind: str, payload: Mapping[str, Any]) -> str:
    """The event in words (the author is shown apart)."""
    fields = ", ".join(forms.FIELD_LABELS.get(f, f) for f in payload.get("changes") or {})
    if kind == CREATE:
        return f"a créé l’atelier « {payload.get('name')} »"
    if kind == JOIN:
        return "a rejoint l’atelier"
    if kind == VIEWER_LINK:
        return "a créé un lien de lecture"
    if kind == ADD_STRUCTURE:
        return f"a ajouté la structure « {payload['data'].get('name')} »"
    if kind == EDIT_STRUCTURE:
        return f"a modifié « {payload.get('name')} » ({fields})"
    if kind == REMOVE_STRUCTURE:
        return f"a retiré la structure « {payload.get('name')} »"
    if kind == ADD_LINK:
        return f"a ajouté le lien {_link_text(payload['data'])}"
    if kind == EDIT_LINK:
        before = {**(payload.get("before") or {})}
        return f"a modifié le lien n° {payload.get('link')} ({fields or ', '.join(before)})"
    if kind == REMOVE_LINK:
        return f"a retiré le lien {_link_text(payload.get('before') or {})}"
    if kind == MERGE:
        return f"a fusionné « {payload.get('merged_name')} » dans « {payload.get('name')} »"
    if kind == UNDO:
        what = _KIND_LABELS.get(payload.get("kind", ""), "modification")
        return f"a annulé l’événement n° {payload.get('event')} ({what})"
    if kind == MODERATE:
        verb = {ACCEPTED: "accepté", REJECTED: "rejeté", PENDING: "remis en attente"}
        listed = ", ".join(f"n° {s}" for s in payload.get("events", []))
        return f"a {verb.get(payload.get('status'), '?')} : {listed}"
    if kind == PHASE:
        kinds = payload.get("kinds")
        opened = "tous les types" if kinds is None else ", ".join(label(Kind(k)) for k in kinds)
        links_state = "liens ouverts" if payload.get("links_open") else "liens fermés"
        name = f"« {payload.get('name')} » : " if payload.get("name") else ""
        return f"a ouvert la phase {name}{opened}, {links_state}"
    if kind == CLOSE:
        return "a clos l’atelier"
    if kind == REOPEN:
        return "a rouvert l’atelier"
    if kind == BLOCK:
        verb = "a suspendu" if payload.get("blocked") else "a rétabli"
        return f"{verb} {payload.get('nickname')}"
    if kind == EXPORT:
        return f"a exporté l’atelier ({payload.get('format')})"
    if kind == MERGE_DATASET:
        return "a versé l’atelier dans le jeu de données"
    return kind


def _event(row: Mapping[str, Any]) -> Event:
    role = Role(row["role"]) if row["role"] else None
    author = row["nickname"] or (_ROLE_SINGULAR[role] if role else "?")
    return Event(
        seq=row["seq"],
        kind=row["kind"],
        author_id=row["author_id"],
        author=author,
        role=role,
        created_at=row["created_at"],
        target=row["target"],
        other=row["other"],
        payload=dict(row["payload"]),
        status=row["status"],
        undone_by=row["undone_by"],
        summary=_summary(row["kind"], row["payload"]),
    )


def _workshop(row: Mapping[str, Any]) -> Workshop:
    kinds = row["phase_kinds"]
    return Workshop(
        id=row["id"],
        name=row["name"],
        code=row["code"],
        base=row["base"],
        region=row["region"],
        moderation=Moderation(row["moderation"]),
        status=row["status"],
        phase=Phase(
            row["phase_name"],
            None if kinds is None else tuple(Kind(k) for k in kinds),
            bool(row["links_open"]),
        ),
        version=row["seq"],
        rate_limit=row["rate_limit"],
        rate_window=row["rate_window"],
        created_at=row["created_at"],
    )


def _member(row: Mapping[str, Any]) -> Member:
    return Member(
        row["id"], row["workshop_id"], Role(row["role"]), row["nickname"], bool(row["blocked"])
    )


def _card(row: Mapping[str, Any]) -> Card:
    return Card(
        Structure.model_validate(row["data"]),
        row["version"],
        row["updated_seq"],
        bool(row["deleted"]),
        row["merged_into"],
        row["created_by"],
    )


def _link_card(row: Mapping[str, Any]) -> LinkCard:
    return LinkCard(
        row["id"],
        Link.model_validate(row["data"]),
        row["version"],
        row["updated_seq"],
        bool(row["deleted"]),
        row["created_by"],
    )
