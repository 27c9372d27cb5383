"""The kit's mail tables (created by the kit's migration ``servicekit_0007_mail``)."""

from __future__ import annotations

import sqlalchemy as sa

from ..messaging.tables import metadata

_DUE = "sent_at IS NULL AND settled_at IS NULL"

mail_outbox = sa.Table(
    "tsunagu_mail_outbox",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    # What makes the mail one mail: queuing the same key again does nothing.
    sa.Column("key", sa.String(200), nullable=False, unique=True),
    sa.Column("topic", sa.String(64), nullable=False),
    sa.Column("template", sa.String(100), nullable=False),
    # An opaque reference the service resolves when sending ("office", "web_user:<id>"): never an
    # address, so the queue holds nothing an erasure would have to find.
    sa.Column("recipient", sa.String(200), nullable=False),
    sa.Column("context", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    # A sender holds the row while it sends; past this instant another may take it.
    sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
    # Failed sends the row itself was blamed for (the server refused it): what quarantine counts.
    sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(200), nullable=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    # Settled without sending: "suppressed" (unsubscribed, recipient gone) or "quarantined".
    sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Index(
        "ix_tsunagu_mail_outbox_due", "due_at", postgresql_where=sa.text(_DUE), sqlite_where=sa.text(_DUE)
    ),
)

mail_preferences = sa.Table(
    "tsunagu_mail_preferences",
    metadata,
    sa.Column("recipient", sa.String(200), primary_key=True),
    sa.Column("topic", sa.String(64), primary_key=True),
    sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=False),
)
