"""Intake: a reply may be recorded as sent outside (by the office's own mail), the only way to
answer someone without a web login. Replies kept before were all for reading on the site.

Downgrade drops the column.

Revision ID: intake_0012_replies_sent_outside
Revises: intake_0011_session_signups
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0012_replies_sent_outside"
down_revision = "intake_0011_session_signups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intake_email_reply") as batch:
        batch.add_column(sa.Column("sent_outside", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("intake_email_reply") as batch:
        batch.drop_column("sent_outside")
