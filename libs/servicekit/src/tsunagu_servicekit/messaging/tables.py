"""The kit's own tables, as SQLAlchemy Core (bulk paths use Core, not the ORM).

The schema is created by the kit's Alembic branch; these definitions must match it.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
"""Every table of the kit: these, and the audit tables (:mod:`tsunagu_servicekit.audit`)."""

_PENDING = "published_at IS NULL AND quarantined_at IS NULL"
_PUBLISHED = "published_at IS NOT NULL"

outbox = sa.Table(
    "tsunagu_outbox",
    metadata,
    sa.Column(
        "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("payload", sa.LargeBinary(), nullable=False),
    sa.Column("headers", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    # Failed publishes of the row, not publishes: what quarantine counts.
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("last_error", sa.String(200), nullable=True),
    sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=True),
    # What the relay reads (servicekit_0002) and what pruning deletes by (servicekit_0005).
    sa.Index(
        "ix_tsunagu_outbox_pending",
        "seq",
        postgresql_where=sa.text(_PENDING),
        sqlite_where=sa.text(_PENDING),
    ),
    sa.Index(
        "ix_tsunagu_outbox_published_at",
        "published_at",
        postgresql_where=sa.text(_PUBLISHED),
        sqlite_where=sa.text(_PUBLISHED),
    ),
)

inbox = sa.Table(
    "tsunagu_inbox",
    metadata,
    sa.Column("consumer", sa.String(200), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_tsunagu_inbox_processed_at", "processed_at"),
)

# A message's handler failures, kept apart from its deliveries: a redelivery after AckWait, a
# restart or an outage spends nothing (ADR 0001). The row goes when the message is settled.
consumer_failures = sa.Table(
    "tsunagu_consumer_failures",
    metadata,
    sa.Column("consumer", sa.String(200), primary_key=True),
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("last_error", sa.String(200), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Which relay may publish this database's outbox (PostgreSQL; SQLite is one process per file).
relay_lease = sa.Table(
    "tsunagu_relay_lease",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("holder", sa.String(64), nullable=False),
    # The fencing token: +1 each time the lease changes hands, never on a renewal.
    sa.Column("token", sa.BigInteger(), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)
