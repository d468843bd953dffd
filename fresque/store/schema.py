"""The database tables of the live workshops (SQLAlchemy Core, migrated with Alembic).

``workshops``
    One row per workshop: name, join code, base dataset, moderation mode, phase, status,
    rate limit, and ``seq``, the number of the workshop's last event (its version).
``workshop_members``
    Facilitators, participants and viewers; only a SHA-256 of each secret token is kept.
    ``removed_at`` is set when the facilitator removes a member: the row stays (its edits
    and the audit log name it), its token no longer opens anything.
``workshop_events``
    The append-only log: every write is one event ``(workshop_id, seq)`` with its author,
    time, kind and JSON payload. Only two columns ever change after the insert:
    ``status`` (pending / accepted / rejected, for the edits that are moderated) and
    ``undone_by`` (the event that undid it). A phone's save keeps its ``submission`` key
    (unique per author), so that the same save sent again after a lost answer finds
    its first event instead of writing a second one.
``workshop_join_attempts``
    The join door's counter: one row per attempt to join (client address, the workshop
    when the code named one, time, whether it got in), deleted after
    :data:`~fresque.store.constants.JOIN_ATTEMPTS_KEPT` seconds.
``workshop_structures``, ``workshop_links``
    The current state, materialised: one row per card (structure) and link ever present
    in the workshop, the base dataset's ones included, with ``base_data`` (the base
    snapshot, ``NULL`` for what the workshop created), ``data`` (current value),
    ``deleted``, and ``version`` for optimistic concurrency
    (``UPDATE … WHERE version = :expected``). ``updated_seq`` tells pollers what changed.

Dates are naive UTC, read from the database's clock on PostgreSQL
(:mod:`fresque.store.clock`). Column changes go through a migration in ``migrations/versions``
(a test checks the migrations and this module agree).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

__all__ = [
    "events",
    "join_attempts",
    "links",
    "members",
    "metadata",
    "structures",
    "workshops",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workshops = Table(
    "workshops",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("code", String(6), nullable=False, unique=True),
    Column("base", String(200), nullable=False),
    Column("region", String(3), nullable=True),
    Column("moderation", String(4), nullable=False),
    Column("status", String(10), nullable=False),
    Column("phase_name", String(200), nullable=False),
    Column("phase_kinds", JSON, nullable=True),
    Column("links_open", Boolean, nullable=False),
    Column("rate_limit", Integer, nullable=False),
    Column("rate_window", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

members = Table(
    "workshop_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workshop_id", Integer, ForeignKey("workshops.id"), nullable=False),
    Column("role", String(12), nullable=False),
    Column("nickname", String(40), nullable=True),
    Column("nickname_key", String(40), nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("blocked", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("removed_at", DateTime, nullable=True),
    UniqueConstraint("workshop_id", "nickname_key"),
)

events = Table(
    "workshop_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workshop_id", Integer, ForeignKey("workshops.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("author_id", Integer, ForeignKey("workshop_members.id"), nullable=True),
    Column("kind", String(24), nullable=False),
    Column("target", String(64), nullable=True),
    Column("other", String(64), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("status", String(10), nullable=True),
    Column("undone_by", Integer, nullable=True),
    Column("reviewed_by", Integer, ForeignKey("workshop_members.id"), nullable=True),
    Column("reviewed_at", DateTime, nullable=True),
    Column("submission", String(64), nullable=True),
    UniqueConstraint("workshop_id", "seq"),
    Index("ix_workshop_events_author", "workshop_id", "author_id", "created_at"),
    Index("ix_workshop_events_target", "workshop_id", "target"),
    Index("ix_workshop_events_status", "workshop_id", "status"),
    Index("ix_workshop_events_submission", "workshop_id", "author_id", "submission", unique=True),
)

structures = Table(
    "workshop_structures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workshop_id", Integer, ForeignKey("workshops.id"), nullable=False),
    Column("sid", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("base_data", JSON, nullable=True),
    Column("deleted", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("merged_into", String(64), nullable=True),
    Column("created_by", Integer, ForeignKey("workshop_members.id"), nullable=True),
    Column("updated_seq", Integer, nullable=False),
    UniqueConstraint("workshop_id", "sid"),
    Index("ix_workshop_structures_updated", "workshop_id", "updated_seq"),
)

links = Table(
    "workshop_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("workshop_id", Integer, ForeignKey("workshops.id"), nullable=False),
    Column("source", String(64), nullable=False),
    Column("target", String(64), nullable=False),
    Column("relation", String(20), nullable=False),
    Column("data", JSON, nullable=False),
    Column("base_data", JSON, nullable=True),
    Column("deleted", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_by", Integer, ForeignKey("workshop_members.id"), nullable=True),
    Column("updated_seq", Integer, nullable=False),
    Index("ix_workshop_links_updated", "workshop_id", "updated_seq"),
    Index("ix_workshop_links_ends", "workshop_id", "source", "target"),
)

# --- the join door (issue 13) ---------------------------------------------------------
join_attempts = Table(
    "workshop_join_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(64), nullable=False),
    Column("workshop_id", Integer, ForeignKey("workshops.id"), nullable=True),
    Column("at", DateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    Index("ix_workshop_join_attempts_workshop", "workshop_id", "at"),
    Index("ix_workshop_join_attempts_address", "address", "workshop_id", "at"),
)
