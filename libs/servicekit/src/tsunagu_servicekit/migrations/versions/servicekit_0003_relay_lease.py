"""The outbox relay leads by a lease with a fencing token, not a session advisory lock.

Revision ID: servicekit_0003_relay_lease
Revises: servicekit_0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "servicekit_0003_relay_lease"
down_revision = "servicekit_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tsunagu_relay_lease",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tsunagu_relay_lease")
