"""Commands table of the benchmark service: what an HTTP command writes beside its event.

Revision ID: benchapp_0002
Revises: benchapp_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "benchapp_0002"
down_revision = "benchapp_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bench_commands",
        sa.Column("command_id", sa.String(36), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bench_commands")
