"""Scheduling: erased persons (intake's ``PersonErased``), for the escalations and home-visit
requests that arrive after the erasure.

Revision ID: scheduling_0003
Revises: scheduling_0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0003"
down_revision = "scheduling_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sched_erased_person",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("sched_erased_person")
