"""Indexes the pruning timers read by: inbox rows by when they were processed, outbox rows by when
they were published (published rows only).

Revision ID: servicekit_0005_pruning
Revises: servicekit_0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "servicekit_0005_pruning"
down_revision = "servicekit_0004"
branch_labels = None
depends_on = None

_PUBLISHED = "published_at IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_tsunagu_inbox_processed_at", "tsunagu_inbox", ["processed_at"])
    op.create_index(
        "ix_tsunagu_outbox_published_at",
        "tsunagu_outbox",
        ["published_at"],
        postgresql_where=sa.text(_PUBLISHED),
        sqlite_where=sa.text(_PUBLISHED),
    )


def downgrade() -> None:
    op.drop_index("ix_tsunagu_outbox_published_at", table_name="tsunagu_outbox")
    op.drop_index("ix_tsunagu_inbox_processed_at", table_name="tsunagu_inbox")
