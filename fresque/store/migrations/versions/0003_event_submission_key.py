"""Events remember the submission key a phone sent with a save (a retry returns it)

Revision ID: 0003_submission_key
Revises: 0002_join_door
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_submission_key"
down_revision = "0002_join_door"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshop_events") as batch:
        batch.add_column(sa.Column("submission", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_workshop_events_submission",
        "workshop_events",
        ["workshop_id", "author_id", "submission"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_workshop_events_submission", table_name="workshop_events")
    with op.batch_alter_table("workshop_events") as batch:
        batch.drop_column("submission")
