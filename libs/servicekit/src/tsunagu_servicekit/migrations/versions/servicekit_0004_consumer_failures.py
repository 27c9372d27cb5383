"""Handler failures per consumer and event: the failure budget counts failures, not deliveries.

Revision ID: servicekit_0004
Revises: servicekit_0003_relay_lease
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "servicekit_0004"
down_revision = "servicekit_0003_relay_lease"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tsunagu_consumer_failures",
        sa.Column("consumer", sa.String(200), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tsunagu_consumer_failures")
