"""Scheduling: the staff directory, where the mail of each staff member (by the ``sub`` of their
token) goes — their display name, work address and whether they receive any.

Downgrade drops the table.

Revision ID: scheduling_0010_staff_directory
Revises: scheduling_0007_known_cases
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0010_staff_directory"
down_revision = "scheduling_0007_known_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduling_staff_member",
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("subject"),
    )


def downgrade() -> None:
    op.drop_table("scheduling_staff_member")
