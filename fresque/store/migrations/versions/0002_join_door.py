"""The join door: join attempts counted in the database; members can be removed

Revision ID: 0002_join_door
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_join_door"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshop_join_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_join_attempts_workshop_id_workshops"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_join_attempts")),
    )
    op.create_index(
        "ix_workshop_join_attempts_workshop",
        "workshop_join_attempts",
        ["workshop_id", "at"],
        unique=False,
    )
    op.create_index(
        "ix_workshop_join_attempts_address",
        "workshop_join_attempts",
        ["address", "workshop_id", "at"],
        unique=False,
    )
    with op.batch_alter_table("workshop_members") as batch:
        batch.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workshop_members") as batch:
        batch.drop_column("removed_at")
    op.drop_index("ix_workshop_join_attempts_address", table_name="workshop_join_attempts")
    op.drop_index("ix_workshop_join_attempts_workshop", table_name="workshop_join_attempts")
    op.drop_table("workshop_join_attempts")
