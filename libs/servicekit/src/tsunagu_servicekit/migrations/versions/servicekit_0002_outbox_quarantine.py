"""Outbox rows the broker refuses for good are quarantined, out of the relay's way.

Revision ID: servicekit_0002
Revises: servicekit_0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "servicekit_0002"
down_revision = "servicekit_0001"
branch_labels = None
depends_on = None

_PENDING = "published_at IS NULL AND quarantined_at IS NULL"


def upgrade() -> None:
    op.add_column("tsunagu_outbox", sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_index("ix_tsunagu_outbox_pending", table_name="tsunagu_outbox")
    op.create_index(
        "ix_tsunagu_outbox_pending",
        "tsunagu_outbox",
        ["seq"],
        postgresql_where=sa.text(_PENDING),
        sqlite_where=sa.text(_PENDING),
    )


def downgrade() -> None:
    op.drop_index("ix_tsunagu_outbox_pending", table_name="tsunagu_outbox")
    op.create_index(
        "ix_tsunagu_outbox_pending",
        "tsunagu_outbox",
        ["seq"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    with op.batch_alter_table("tsunagu_outbox") as batch:
        batch.drop_column("quarantined_at")
