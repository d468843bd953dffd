"""Workshops: members, event log, materialised structures and links

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("base", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=3), nullable=True),
        sa.Column("moderation", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("phase_name", sa.String(length=200), nullable=False),
        sa.Column("phase_kinds", sa.JSON(), nullable=True),
        sa.Column("links_open", sa.Boolean(), nullable=False),
        sa.Column("rate_limit", sa.Integer(), nullable=False),
        sa.Column("rate_window", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
        sa.UniqueConstraint("code", name=op.f("uq_workshops_code")),
    )
    op.create_table(
        "workshop_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("nickname", sa.String(length=40), nullable=True),
        sa.Column("nickname_key", sa.String(length=40), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_members_workshop_id_workshops"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_members")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_workshop_members_token_hash")),
        sa.UniqueConstraint(
            "workshop_id", "nickname_key", name=op.f("uq_workshop_members_workshop_id_nickname_key")
        ),
    )
    op.create_table(
        "workshop_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("other", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["workshop_members.id"],
            name=op.f("fk_workshop_events_author_id_workshop_members"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"],
            ["workshop_members.id"],
            name=op.f("fk_workshop_events_reviewed_by_workshop_members"),
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_workshop_events_workshop_id_workshops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_events")),
        sa.UniqueConstraint("workshop_id", "seq", name=op.f("uq_workshop_events_workshop_id_seq")),
    )
    op.create_index(
        "ix_workshop_events_author",
        "workshop_events",
        ["workshop_id", "author_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_workshop_events_status", "workshop_events", ["workshop_id", "status"], unique=False
    )
    op.create_index(
        "ix_workshop_events_target", "workshop_events", ["workshop_id", "target"], unique=False
    )

    op.create_table(
        "workshop_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("base_data", sa.JSON(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["workshop_members.id"],
            name=op.f("fk_workshop_links_created_by_workshop_members"),
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_workshop_links_workshop_id_workshops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_links")),
    )
    op.create_index(
        "ix_workshop_links_ends",
        "workshop_links",
        ["workshop_id", "source", "target"],
        unique=False,
    )
    op.create_index(
        "ix_workshop_links_updated", "workshop_links", ["workshop_id", "updated_seq"], unique=False
    )

    op.create_table(
        "workshop_structures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("base_data", sa.JSON(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("merged_into", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["workshop_members.id"],
            name=op.f("fk_workshop_structures_created_by_workshop_members"),
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_structures_workshop_id_workshops"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_structures")),
        sa.UniqueConstraint(
            "workshop_id", "sid", name=op.f("uq_workshop_structures_workshop_id_sid")
        ),
    )
    op.create_index(
        "ix_workshop_structures_updated",
        "workshop_structures",
        ["workshop_id", "updated_seq"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_workshop_structures_updated", table_name="workshop_structures")

    op.drop_table("workshop_structures")
    op.drop_index("ix_workshop_links_updated", table_name="workshop_links")
    op.drop_index("ix_workshop_links_ends", table_name="workshop_links")

    op.drop_table("workshop_links")
    op.drop_index("ix_workshop_events_target", table_name="workshop_events")
    op.drop_index("ix_workshop_events_status", table_name="workshop_events")
    op.drop_index("ix_workshop_events_author", table_name="workshop_events")

    op.drop_table("workshop_events")
    op.drop_table("workshop_members")
    op.drop_table("workshops")
