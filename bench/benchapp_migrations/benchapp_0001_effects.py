"""Effects table of the benchmark service.

Revision ID: benchapp_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "benchapp_0001"
down_revision = None
branch_labels = ("benchapp",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bench_effects",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("ping_id", sa.String(36), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("handled_ns", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bench_effects")
