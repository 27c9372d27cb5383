"""Scheduling: closed cases (intake's ``CaseClosed``) and why a case review left its agenda.

Revision ID: scheduling_0002
Revises: scheduling_0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0002"
down_revision = "scheduling_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sched_closed_case",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.add_column("sched_review", sa.Column("withdrawn_reason", sa.String(length=32), nullable=True))
    op.add_column("sched_review", sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
    # Until now only an erasure withdrew a review.
    op.execute("UPDATE sched_review SET withdrawn_reason = 'person_erased' WHERE status = 'withdrawn'")


def downgrade() -> None:
    with op.batch_alter_table("sched_review") as batch:
        batch.drop_column("withdrawn_at")
        batch.drop_column("withdrawn_reason")
    op.drop_table("sched_closed_case")
