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

# The claim is on every batch's path, so it goes to the driver as written, with no per-row work
# in SQLAlchemy (its "insertmanyvalues" spent more building the parameters than the database spent
# inserting). PostgreSQL gets one short constant statement whatever the batch size — the ids as one
# array, kept in their sorted order — which psycopg prepares after a few runs; SQLite, one
# multi-row VALUES per batch size (the driver caches the statement).
_PG_CLAIM = (
    f"INSERT INTO {inbox.name} (consumer, event_id, processed_at) "
    "SELECT %(consumer)s, ids.event_id, %(now)s "
    "FROM unnest(%(ids)s::varchar[]) WITH ORDINALITY AS ids(event_id, n) ORDER BY ids.n "
    "ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
)
_SQLITE_CLAIM_ROWS = 500  # 3 parameters a row, far below SQLite's limit of 32,766
_sqlite_claims: dict[int, str] = {}


def _sqlite_claim(rows: int) -> str:
    sql = _sqlite_claims.get(rows)
    if sql is None:
        values = ", ".join(["(?, ?, ?)"] * rows)
        sql = _sqlite_claims[rows] = (
            f"INSERT INTO {inbox.name} (consumer, event_id, processed_at) VALUES {values} "
            "ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id"
        )
    return sql


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
    conn = session.connection() if isinstance(session, Session) else session
    dialect = conn.dialect
    now: Any = datetime.now(UTC)
    if dialect.name == "postgresql":
        named = {"consumer": consumer, "now": now, "ids": unique}
        return {str(eid) for eid in conn.exec_driver_sql(_PG_CLAIM, named).scalars().all()}
    # The column's own conversion, once per batch: stored exactly as SQLAlchemy stores it elsewhere.
    to_db = inbox.c.processed_at.type.dialect_impl(dialect).bind_processor(dialect)
    if to_db is not None:
        now = to_db(now)
    fresh: set[str] = set()
    for start in range(0, len(unique), _SQLITE_CLAIM_ROWS):
        chunk = unique[start : start + _SQLITE_CLAIM_ROWS]
        params = tuple(value for eid in chunk for value in (consumer, eid, now))
        claimed = conn.exec_driver_sql(_sqlite_claim(len(chunk)), params).scalars().all()
        fresh.update(str(eid) for eid in claimed)
    return fresh


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
