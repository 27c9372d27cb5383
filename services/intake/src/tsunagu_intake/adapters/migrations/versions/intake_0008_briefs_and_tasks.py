"""Intake: escalations a rule started get a brief built from codes, which staff complete; the expert
team's recommended risk level becomes a task for the case's counsellor.

``intake_escalation.brief_completed_at`` says when staff last wrote a brief's narrative: escalations
made by hand wrote it with the escalation, so existing ones with a brief take their escalation's
time. ``intake_task`` holds the tasks, one per review at most (``review_id`` unique).

Downgrade drops the table and the column.

Revision ID: intake_0008_briefs_and_tasks
Revises: intake_0010_recovery_codes
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0008_briefs_and_tasks"
down_revision = "intake_0010_recovery_codes"
branch_labels = None
depends_on = None


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(36), nullable=nullable)


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("intake_escalation") as batch:
        batch.add_column(_when("brief_completed_at"))
    op.execute("UPDATE intake_escalation SET brief_completed_at = escalated_at WHERE brief_ct IS NOT NULL")
    op.create_table(
        "intake_task",
        _id("id"),
        sa.Column("kind", sa.String(32), nullable=False),
        _id("case_id"),
        _id("person_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee", sa.String(200), nullable=True),
        _when("created_at", False),
        _id("review_id", True),
        _id("escalation_id", True),
        sa.Column("recommended_risk_level", sa.String(16), nullable=False),
        sa.Column("risk_level_then", sa.String(16), nullable=False),
        _when("completed_at"),
        sa.Column("completed_by", sa.String(200), nullable=True),
        sa.Column("decline_reason", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intake_task_case_id", "intake_task", ["case_id"])
    op.create_index("ix_intake_task_status", "intake_task", ["status"])
    op.create_index("ix_intake_task_assignee", "intake_task", ["assignee"])
    op.create_index("ix_intake_task_review_id", "intake_task", ["review_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_intake_task_review_id", table_name="intake_task")
    op.drop_index("ix_intake_task_assignee", table_name="intake_task")
    op.drop_index("ix_intake_task_status", table_name="intake_task")
    op.drop_index("ix_intake_task_case_id", table_name="intake_task")
    op.drop_table("intake_task")
    with op.batch_alter_table("intake_escalation") as batch:
        batch.drop_column("brief_completed_at")
