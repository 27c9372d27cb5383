"""Intake: the sessions the public may sign up for (learnt from scheduling's events) and people's
sign-ups with scheduling's answer.

Downgrade drops both tables.

Revision ID: intake_0011_session_signups
Revises: intake_0008_briefs_and_tasks
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0011_session_signups"
down_revision = "intake_0008_briefs_and_tasks"
branch_labels = None
depends_on = None


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(36), nullable=nullable)


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "intake_public_session",
        _id("id"),
        sa.Column("kind", sa.String(32), nullable=False),
        _when("starts_at"),
        _when("ends_at"),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("waitlist", sa.Boolean(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        _when("recorded_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intake_public_session_starts_at", "intake_public_session", ["starts_at"])
    op.create_table(
        "intake_session_signup",
        _id("id"),
        _id("person_id"),
        _id("session_id"),
        sa.Column("status", sa.String(16), nullable=False),
        _id("registration_id", True),
        sa.Column("seat_no", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
        _when("requested_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_intake_session_signup_person_id", "intake_session_signup", ["person_id"])
    op.create_index("ix_intake_session_signup_session_id", "intake_session_signup", ["session_id"])


def downgrade() -> None:
    op.drop_table("intake_session_signup")
    op.drop_table("intake_public_session")
