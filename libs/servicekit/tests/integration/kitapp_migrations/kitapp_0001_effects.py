"""Effects table of the test service.

Revision ID: kitapp_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "kitapp_0001"
down_revision = None
branch_labels = ("kitapp",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kit_effects",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("ping_id", sa.String(36), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kit_effects")
