"""What :class:`~fresque.store.service.WorkshopService` returns, and how rows become it.

Frozen dataclasses: a :class:`Workshop` and its :class:`Phase`, a :class:`Member`, a
:class:`Card` (a structure with its version) and a :class:`LinkCard`, the audit log's
:class:`Event` and its lighter :class:`RecentEvent`, the :class:`Changes` a poll gets,
the :class:`Reader` a phone redraws from, a :class:`Duplicate` suggestion and the
:class:`DatasetMerge` diff. The ``to_*`` functions build them from database rows
(:mod:`fresque.store.schema`); :func:`event_summary` says an event in French.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fresque.i18n import label
from fresque.io.validate import MergeReport, Records
from fresque.model import Kind, Link, Relation, Structure
from fresque.store import forms
from fresque.store.constants import (
    ACCEPTED,
    BLOCK,
    CLOSE,
    CREATE,
    EXPORT,
    JOIN,
    KIND_LABELS,
    MERGE_DATASET,
    MODERATE,
    PENDING,
    PHASE,
    REJECTED,
    REMOVE_MEMBERS,
    REOPEN,
    ROLE_SINGULAR,
    SCREEN_LINK,
    UNDO,
    VIEWER_LINK,
    Moderation,
    Role,
)
from fresque.store.replay import (
    ADD_LINK,
    ADD_STRUCTURE,
    EDIT_LINK,
    EDIT_STRUCTURE,
    MERGE,
    REMOVE_LINK,
    REMOVE_STRUCTURE,
)
from fresque.store.snapshot import Snapshot

__all__ = [
    "Card",
    "Changes",
    "DatasetMerge",
    "Duplicate",
    "Event",
    "LinkCard",
    "Member",
    "MemberCounts",
    "Phase",
    "Reader",
    "RecentEvent",
    "Workshop",
    "event_summary",
    "to_card",
    "to_event",
    "to_link_card",
    "to_member",
    "to_workshop",
]


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
    joined_at: datetime | None = None
    removed: bool = False


@dataclass(frozen=True)
class MemberCounts:
    """A workshop's participants: ``active`` ones take the ``seats``, ``suspended`` and
    ``removed`` ones do not."""

    active: int
    suspended: int
    removed: int
    seats: int


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


class _Counts:
    """Whether an event's edit counts: neither undone nor rejected."""

    undone_by: int | None
    status: str | None

    @property
    def active(self) -> bool:
        """Whether the edit counts (neither undone nor rejected)."""
        return self.undone_by is None and self.status != REJECTED


@dataclass(frozen=True)
class Event(_Counts):
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


@dataclass(frozen=True)
class RecentEvent(_Counts):
    """An event without its payload: what marks a card as just added."""

    seq: int
    kind: str
    target: str | None
    author_id: int | None
    status: str | None
    undone_by: int | None
    created_at: datetime


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
# Rows → records
# --------------------------------------------------------------------------------------


def _link_text(data: Mapping[str, Any]) -> str:
    try:
        relation = label(Relation(data["relation"]))
    except (KeyError, ValueError):
        relation = str(data.get("relation"))
    return f"{data.get('source')} → {data.get('target')} ({relation})"


def event_summary(kind: str, payload: Mapping[str, Any]) -> str:
    """The event in words (the author is shown apart)."""
    fields = ", ".join(forms.FIELD_LABELS.get(f, f) for f in payload.get("changes") or {})
    if kind == CREATE:
        return f"a créé l’atelier « {payload.get('name')} »"
    if kind == JOIN:
        return "a rejoint l’atelier"
    if kind == VIEWER_LINK:
        return "a créé un lien de lecture"
    if kind == SCREEN_LINK:
        return "a créé un lien d’écran partagé"
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
        what = KIND_LABELS.get(payload.get("kind", ""), "modification")
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
        if "nicknames" in payload:
            return f"{verb} {_people(payload['nicknames'])}"
        return f"{verb} {payload.get('nickname')}"
    if kind == REMOVE_MEMBERS:
        return f"a retiré {_people(payload.get('nicknames') or [])}"
    if kind == EXPORT:
        return f"a exporté l’atelier ({payload.get('format')})"
    if kind == MERGE_DATASET:
        return "a versé l’atelier dans le jeu de données"
    return kind


def _people(nicknames: list[str], shown: int = 12) -> str:
    """Participants named in a log line: the one, or how many and the first ``shown``.

    Examples
    --------
    >>> _people(["Alice"]), _people(["Alice", "Bruno"])
    ('Alice', '2 participants : Alice, Bruno')
    >>> _people([f"robot{i}" for i in range(20)], shown=2)
    '20 participants : robot0, robot1…'
    """
    if len(nicknames) == 1:
        return str(nicknames[0])
    more = "…" if len(nicknames) > shown else ""
    return f"{len(nicknames)} participants : {', '.join(map(str, nicknames[:shown]))}{more}"


def to_event(row: Mapping[str, Any]) -> Event:
    """An :class:`Event` from an ``events`` row joined with its author's nickname and role."""
    role = Role(row["role"]) if row["role"] else None
    author = row["nickname"] or (ROLE_SINGULAR[role] if role else "?")
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
        summary=event_summary(row["kind"], row["payload"]),
    )


def to_workshop(row: Mapping[str, Any]) -> Workshop:
    """A :class:`Workshop` from a ``workshops`` row."""
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


def to_member(row: Mapping[str, Any]) -> Member:
    """A :class:`Member` from a ``members`` row."""
    return Member(
        row["id"],
        row["workshop_id"],
        Role(row["role"]),
        row["nickname"],
        bool(row["blocked"]),
        row.get("created_at"),
        row.get("removed_at") is not None,
    )


def to_card(row: Mapping[str, Any]) -> Card:
    """A :class:`Card` from a ``structures`` row."""
    return Card(
        Structure.model_validate(row["data"]),
        row["version"],
        row["updated_seq"],
        bool(row["deleted"]),
        row["merged_into"],
        row["created_by"],
    )


def to_link_card(row: Mapping[str, Any]) -> LinkCard:
    """A :class:`LinkCard` from a ``links`` row."""
    return LinkCard(
        row["id"],
        Link.model_validate(row["data"]),
        row["version"],
        row["updated_seq"],
        bool(row["deleted"]),
        row["created_by"],
    )
