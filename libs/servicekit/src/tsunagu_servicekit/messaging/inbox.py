"""The consumer's inbox: ``(consumer, event id)`` rows written in the handler's own transaction.

The insert itself decides (``ON CONFLICT DO NOTHING ... RETURNING``): an id that comes back is
new and gets its effect; one that does not was already processed. There is no check-then-insert
window for two replicas to slip through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .tables import inbox

# One constant statement per dialect, executed with a list of parameter sets: SQLAlchemy caches
# its compilation and sends it as one multi-row INSERT ("insertmanyvalues"). Building
# ``.values([...])`` per batch instead recompiled it every time (a third of the consumer's cost).
_CLAIM: dict[str, Any] = {
    name: insert(inbox)
    .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    .returning(inbox.c.event_id)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def claim(session: Session | Connection, consumer: str, event_ids: Sequence[str]) -> set[str]:
    """Insert inbox rows for ``event_ids``; return those that were not there before."""
    unique = list(dict.fromkeys(event_ids))
    if not unique:
        return set()
    dialect = session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name
    stmt = _CLAIM["postgresql" if dialect == "postgresql" else "sqlite"]
    now = datetime.now(UTC)
    rows = [{"consumer": consumer, "event_id": eid, "processed_at": now} for eid in unique]
    return set(session.execute(stmt, rows).scalars())


def already_processed(engine: Engine, consumer: str, event_ids: Sequence[str]) -> set[str]:
    """Those of ``event_ids`` whose effect ``consumer`` has committed (their inbox rows exist)."""
    unique = list(dict.fromkeys(event_ids))
    if not unique:
        return set()
    with engine.connect() as conn:
        query = select(inbox.c.event_id).where(inbox.c.consumer == consumer, inbox.c.event_id.in_(unique))
        return {str(event_id) for event_id in conn.execute(query).scalars()}


def prune_inbox(engine: Engine, before: datetime, *, batch: int) -> int:
    """Delete at most ``batch`` inbox rows processed before ``before``, in one short transaction;
    returns how many. ``before`` must leave every row a redelivery could still need
    (:mod:`.retention`)."""
    with engine.begin() as conn:
        keys = [
            (row.consumer, row.event_id)
            for row in conn.execute(
                select(inbox.c.consumer, inbox.c.event_id)
                .where(inbox.c.processed_at < before)
                .order_by(inbox.c.processed_at)
                .limit(batch)
            )
        ]
        if not keys:
            return 0
        result = conn.execute(delete(inbox).where(tuple_(inbox.c.consumer, inbox.c.event_id).in_(keys)))
        return int(result.rowcount or 0)
