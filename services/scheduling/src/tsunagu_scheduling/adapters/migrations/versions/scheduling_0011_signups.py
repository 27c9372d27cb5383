"""Scheduling: a registration remembers the public sign-up it answers (intake's
``session_signup.requested``), so its events, a promotion from the waitlist included, carry the
sign-up's id back to intake.

Downgrade drops the column.

Revision ID: scheduling_0011_signups
Revises: scheduling_0008_roll_minutes
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0011_signups"
down_revision = "scheduling_0008_roll_minutes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scheduling_registration") as batch:
        batch.add_column(sa.Column("signup_id", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scheduling_registration") as batch:
        batch.drop_column("signup_id")
