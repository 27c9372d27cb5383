"""Intake: staff pauses and extensions of reply deadlines, each with its reason sealed (ADR 0018).

Revision ID: intake_0006_deadline_changes
Revises: intake_0005_kit_access_log
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0006_deadline_changes"
down_revision = "intake_0005_kit_access_log"
branch_labels = None
depends_on = None


def _id(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(36), nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "intake_reply_deadline_change",
        _id("id"),
        _id("consultation_id"),
        _id("person_id"),
        _id("case_id"),
        sa.Column("kind", sa.String(16), nullable=False),
        _when("changed_at"),
        sa.Column("changed_by", sa.String(200), nullable=False),
        _when("previous_due_at"),
        _when("due_at"),
        sa.Column("business_days", sa.Integer(), nullable=True),
        _when("paused_from", True),
        _when("paused_until", True),
        sa.Column("reason_ct", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_intake_reply_deadline_change_consultation_id", "intake_reply_deadline_change", ["consultation_id"]
    )


def downgrade() -> None:
    op.drop_table("intake_reply_deadline_change")
