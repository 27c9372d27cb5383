"""The consumer's inbox: ``(consumer, event id)`` rows written in the handler's own transaction.

The insert itself decides (``ON CONFLICT DO NOTHING ... RETURNING``): an id that comes back is
new and gets its effect; one that does not was already processed. There is no check-then-insert
window for two replicas to slip through. Ids are inserted in sorted order, so two replicas
claiming overlapping batches take the index locks in the same order and cannot deadlock on them.

Beside it, the failure budget: a message's handler failures, counted per ``(consumer, event id)``
in their own short transaction after the failed one rolled back. Deliveries are not failures: a
redelivery after AckWait, a restart, a stop or an outage spends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, Engine, Table, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .tables import consumer_failures, inbox

# One constant statement per dialect, executed with a list of parameter sets: SQLAlchemy caches
# its compilation and sends it as one multi-row INSERT ("insertmanyvalues"). Building
# ``.values([...])`` per batch instead recompiled it every time (a third of the consumer's cost).
_CLAIM: dict[str, Any] = {
    name: insert(inbox)
    .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
    .returning(inbox.c.event_id)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_FAIL: dict[str, Any] = {}
for _name, _insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert)):
    _stmt = _insert(consumer_failures)
    _FAIL[_name] = _stmt.on_conflict_do_update(
        index_elements=["consumer", "event_id"],
        set_={
            "failures": consumer_failures.c.failures + 1,
            "last_error": _stmt.excluded.last_error,
            "updated_at": _stmt.excluded.updated_at,
        },
    ).returning(consumer_failures.c.failures)


def _dialect(bind: Session | Connection | Engine) -> str:
    name = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    return "postgresql" if name == "postgresql" else "sqlite"


def claim(session: Session | Connection, consumer: str, event_ids: Sequence[str]) -> set[str]:
    """Insert inbox rows for ``event_ids``; return those that were not there before."""
    unique = sorted(set(event_ids))
    if not unique:
        return set()
    stmt = _CLAIM[_dialect(session)]
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


def record_failure(engine: Engine, consumer: str, event_id: str, error: str) -> int:
    """Count one more handler failure of ``event_id`` (its own transaction); return the count."""
    row = {"consumer": consumer, "event_id": event_id, "failures": 1, "last_error": error[:200]}
    with engine.begin() as conn:
        return int(conn.execute(_FAIL[_dialect(conn)], {**row, "updated_at": datetime.now(UTC)}).scalar_one())


def forget_failures(bind: Session | Connection, consumer: str, event_ids: Sequence[str]) -> None:
    """Drop the failure counts of settled messages (in the caller's transaction)."""
    if event_ids:
        bind.execute(
            delete(consumer_failures).where(
                consumer_failures.c.consumer == consumer, consumer_failures.c.event_id.in_(set(event_ids))
            )
        )


def prune_inbox(engine: Engine, before: datetime, *, batch: int) -> int:
    """Delete at most ``batch`` inbox rows processed before ``before``, in one short transaction;
    returns how many. ``before`` must leave every row a redelivery could still need
    (:mod:`.retention`)."""
    return _prune_by_key(engine, inbox, inbox.c.processed_at, before, batch)


def prune_failures(engine: Engine, before: datetime, *, batch: int) -> int:
    """Delete at most ``batch`` failure counts last touched before ``before``: left by a message
    settled where its count could not be dropped (a dead letter whose clean-up failed)."""
    return _prune_by_key(engine, consumer_failures, consumer_failures.c.updated_at, before, batch)


def _prune_by_key(engine: Engine, table: Table, stamp: Column[Any], before: datetime, batch: int) -> int:
    with engine.begin() as conn:
        keys = [
            (row.consumer, row.event_id)
            for row in conn.execute(
                select(table.c.consumer, table.c.event_id).where(stamp < before).order_by(stamp).limit(batch)
            )
        ]
        if not keys:
            return 0
        result = conn.execute(delete(table).where(tuple_(table.c.consumer, table.c.event_id).in_(keys)))
        return int(result.rowcount or 0)
