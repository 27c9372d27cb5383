"""Mail queued in the sender's transaction and sent by the kit's mail timer, and who unsubscribed
from what (tsunagu_servicekit.mail).

Revision ID: servicekit_0007_mail
Revises: servicekit_0006_audit
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "servicekit_0007_mail"
down_revision = "servicekit_0006_audit"
branch_labels = None
depends_on = None

_DUE = "sent_at IS NULL AND settled_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "tsunagu_mail_outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(200), nullable=False, unique=True),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
    )
    op.create_index(
        "ix_tsunagu_mail_outbox_due",
        "tsunagu_mail_outbox",
        ["due_at"],
        postgresql_where=sa.text(_DUE),
        sqlite_where=sa.text(_DUE),
    )
    op.create_table(
        "tsunagu_mail_preferences",
        sa.Column("recipient", sa.String(200), primary_key=True),
        sa.Column("topic", sa.String(64), primary_key=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tsunagu_mail_preferences")
    op.drop_index("ix_tsunagu_mail_outbox_due", table_name="tsunagu_mail_outbox")
    op.drop_table("tsunagu_mail_outbox")
