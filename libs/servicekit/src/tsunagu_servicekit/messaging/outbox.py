"""The unit of work: a handler's state and the events it raises commit in one transaction.

Events are written to ``tsunagu_outbox`` in the same database transaction as the handler's
changes (transactional outbox); the relay publishes them afterwards. The current trace context
is stored with each row so the consumer's span continues the producer's trace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Insert, Table, insert
from sqlmodel import Session
from tsunagu_contracts import CloudEvent

from ..telemetry import inject_headers
from .tables import outbox

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def outbox_row(event: CloudEvent[Any], trace_headers: dict[str, str]) -> dict[str, Any]:
    """The outbox row of an event: subject = type, ``Nats-Msg-Id`` = event id."""
    headers = {"Nats-Msg-Id": event.id, "Content-Type": CONTENT_TYPE, **trace_headers}
    return {
        "event_id": event.id,
        "subject": event.type,
        "payload": event.to_json_bytes(),
        "headers": headers,
        "created_at": datetime.now(UTC),
    }


_INSERTS: dict[Table, Insert] = {}


def _insert_of(table: Table) -> Insert:
    # One statement object per table so SQLAlchemy's compiled cache is hit on every flush.
    stmt = _INSERTS.get(table)
    if stmt is None:
        stmt = _INSERTS[table] = insert(table)
    return stmt


class UnitOfWork:
    """One transaction: ``session`` for the handler's state, :meth:`add_event` for what it raises.

    Use as a context manager; nothing is written unless :meth:`commit` is called. After a commit
    that staged events, ``on_events_committed`` wakes the relay so events leave without waiting
    for its poll.

    Handlers that only append rows (projections, timelines, logs) can :meth:`stage` them: staged
    rows are written per table with one ``executemany`` when the unit of work flushes, which
    inside a consumer is once per fetched batch instead of one statement per event.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        on_events_committed: Callable[[], None] | None = None,
        session: Session | None = None,
    ) -> None:
        self._engine = engine
        self._on_events_committed = on_events_committed
        self._external_session = session is not None
        self.session: Session = session if session is not None else Session(engine, expire_on_commit=False)
        self._staged: list[dict[str, Any]] = []
        self._rows: dict[Table, list[dict[str, Any]]] = {}
        self.events_written = 0

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._external_session:
            self.rollback()
            self.session.close()

    def add_event(self, event: CloudEvent[Any]) -> None:
        """Stage an event to be published if, and only if, this unit of work commits."""
        self._staged.append(outbox_row(event, inject_headers()))

    def stage(self, table: Table, row: dict[str, Any]) -> None:
        """Insert ``row`` into ``table`` when this unit of work flushes (in this transaction).

        Staged rows are not visible to queries before the flush; tables are written in the order
        they were first staged, so a parent staged before its children satisfies foreign keys.
        """
        self._rows.setdefault(table, []).append(row)

    def flush_rows(self) -> None:
        """Write the staged rows, one ``executemany`` per table."""
        tables, self._rows = self._rows, {}
        for table, rows in tables.items():
            self.session.execute(_insert_of(table), rows)

    def flush_events(self) -> int:
        """Write the staged rows, then the staged events into the outbox, within the open transaction."""
        self.flush_rows()
        staged, self._staged = self._staged, []
        if staged:
            self.session.execute(insert(outbox), staged)
            self.events_written += len(staged)
        return len(staged)

    def commit(self) -> None:
        """Commit state and staged events together.

        Inside a consumer the unit of work runs on the consumer's session, which owns the
        transaction (one per fetched batch, with the inbox rows): there ``commit`` only writes the
        staged events and the consumer commits once the whole batch succeeded.
        """
        written = self.flush_events()
        if self._external_session:
            return
        self.session.commit()
        if written and self._on_events_committed is not None:
            self._on_events_committed()

    def rollback(self) -> None:
        self._staged.clear()
        self._rows.clear()
        if not self._external_session:
            self.session.rollback()


class UnitOfWorkFactory:
    """Builds units of work on one engine, all wired to the relay's wake-up call."""

    def __init__(self, engine: Engine, on_events_committed: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.on_events_committed = on_events_committed

    def __call__(self, session: Session | None = None) -> UnitOfWork:
        return UnitOfWork(self.engine, on_events_committed=self.on_events_committed, session=session)
