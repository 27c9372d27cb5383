"""The unit of work: one transaction for a use case's state and the events it raises.

A use case opens a unit of work from its context (``with ctx.uow() as uow``), changes state on
``uow.session``, raises events with :meth:`UnitOfWork.emit`, and commits. Events are written to
the outbox in the same transaction as the state (transactional outbox); the relay publishes them
afterwards. The current trace context is stored with each event, so the consumer's span continues
the producer's trace, and events raised by a timer carry the timer scan's trace.

Correlation and causation are the unit of work's business, not the use case's: an event raised
while a consumed event is handled is caused by it (same correlation id, causation id = its id);
otherwise the first event raised opens a flow and the others of the same unit of work join it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, Insert, Table, insert
from sqlmodel import Session
from tsunagu_contracts import CloudEvent, EventData, new_event

from .messaging.outbox import OutboxMessage, outbox_row
from .messaging.tables import outbox
from .telemetry import inject_headers

__all__ = [
    "Cause",
    "Clock",
    "EventRef",
    "ReadOnlyError",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "now_from",
    "utc_now",
]

D = TypeVar("D", bound=EventData)

Clock = Callable[[], datetime]
"""What tells the time: ``utc_now`` in production, a settable clock in tests. Aware datetimes only."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class SettableClock:
    """A clock that is set and moved by hand: tests pass it where a service takes ``clock``, and a
    replay sets it to each event's time so that handlers decide as they did when it happened."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        """``advance(days=3, hours=2)``: the keywords of :class:`datetime.timedelta`."""
        self.now = self.now + timedelta(**delta)


def now_from(clock: Clock) -> datetime:
    """The clock's time in UTC; a naive datetime is refused (it would be read as local time)."""
    value = clock()
    if value.tzinfo is None:
        raise ValueError("the clock must give aware datetimes")
    return value.astimezone(UTC)


class Cause(Protocol):
    """What caused an event: a consumed :class:`CloudEvent`, or an :class:`EventRef` to one."""

    @property
    def id(self) -> str: ...

    @property
    def correlationid(self) -> str: ...


@dataclass(frozen=True)
class EventRef:
    """A stored reference to an event handled earlier, so that a later use case (an HTTP request
    days after, say) can raise what follows from it in the same flow."""

    id: str
    correlationid: str


class ReadOnlyError(RuntimeError):
    """A reading unit of work was asked to write."""


_INSERTS: dict[Table, Insert] = {}
# The outbox insert gives back each row's sequence number, so that what committed can be handed to
# the relay as it is (it then publishes without reading the rows back).
_OUTBOX_INSERT = insert(outbox).returning(outbox.c.seq, sort_by_parameter_order=True)

CommittedRows = Callable[[Sequence[OutboxMessage]], None]
"""Receives the outbox rows a unit of work committed (the relay's :meth:`~.relay.OutboxRelay.hand_over`)."""


def _insert_of(table: Table) -> Insert:
    # One statement object per table so SQLAlchemy's compiled cache is hit on every flush.
    stmt = _INSERTS.get(table)
    if stmt is None:
        stmt = _INSERTS[table] = insert(table)
    return stmt


class UnitOfWork:
    """One transaction: ``session`` for the use case's state, :meth:`emit` for what it raises.

    Use as a context manager; nothing is written unless :meth:`commit` is called. After a commit
    that wrote events, ``on_rows_committed`` hands the rows to the relay (or, without it,
    ``on_events_committed`` wakes the relay) so events leave without waiting for its poll.

    Use cases that only add rows (projections, timelines, logs) can :meth:`append` them: appended
    rows are written per table with one ``executemany`` when the unit of work flushes, which
    inside a consumer is once per fetched batch instead of one statement per event.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        on_events_committed: Callable[[], None] | None = None,
        session: Session | None = None,
        clock: Clock = utc_now,
        read_only: bool = False,
        on_rows_committed: CommittedRows | None = None,
    ) -> None:
        self._engine = engine
        self._on_events_committed = on_events_committed
        self._on_rows_committed = on_rows_committed
        self._written: list[OutboxMessage] = []
        self._external_session = session is not None
        self.session: Session = session if session is not None else Session(engine, expire_on_commit=False)
        self._clock = clock
        self.read_only = read_only
        self._outbox_rows: list[dict[str, Any]] = []
        self._rows: dict[Table, list[dict[str, Any]]] = {}
        self._cause: Cause | None = None
        self._correlation: str | None = None
        self.events_written = 0

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._external_session:
            if self.read_only:
                # What was read stays readable after the transaction ends: detached before the
                # rollback, which would otherwise expire it (and a detached row cannot reload).
                self.session.expunge_all()
            self.rollback()
            self.session.close()

    def now(self) -> datetime:
        """The unit of work's clock, in UTC."""
        return now_from(self._clock)

    # -- events -----------------------------------------------------------------------------

    def handling(self, cause: Cause) -> _Handling:
        """Events emitted inside the block are caused by ``cause``: the consumer wraps each handler
        in it; a use case that continues a flow recorded earlier passes an :class:`EventRef`."""
        return _Handling(self, cause)

    def emit(self, data: D, *, subject: str | None = None, time: datetime | None = None) -> CloudEvent[D]:
        """Raise an event: it is published if, and only if, this unit of work commits.

        ``subject`` is the pseudonymous id of the entity the event is about; ``time`` when it
        happened, if not now.
        """
        self.require_writable()
        cause = self._cause
        event = new_event(
            data,
            subject=subject,
            correlation_id=cause.correlationid if cause is not None else self._correlation,
            causation_id=cause.id if cause is not None else None,
            time=time or self.now(),
        )
        if cause is None and self._correlation is None:
            self._correlation = event.id
        self._outbox_rows.append(outbox_row(event, inject_headers()))
        return event

    # -- rows -------------------------------------------------------------------------------

    def append(self, table: Table, row: dict[str, Any]) -> None:
        """Insert ``row`` into ``table`` when this unit of work flushes (in this transaction).

        Appended rows are not visible to queries before the flush; tables are written in the order
        they were first appended to, so a parent appended before its children satisfies foreign keys.
        """
        self.require_writable()
        self._rows.setdefault(table, []).append(row)

    def flush_rows(self) -> None:
        """Write the appended rows, one ``executemany`` per table."""
        tables, self._rows = self._rows, {}
        for table, rows in tables.items():
            self.session.execute(_insert_of(table), rows)

    def discard_events(self) -> int:
        """Forget the events raised so far, unwritten: a replay rebuilds state from history, and
        what its handlers raise again was published when it first happened. How many."""
        discarded = len(self._outbox_rows)
        self._outbox_rows.clear()
        return discarded

    def flush_events(self) -> int:
        """Write the appended rows, then the raised events into the outbox, within the open transaction."""
        self.flush_rows()
        rows, self._outbox_rows = self._outbox_rows, []
        if rows:
            seqs = self.session.execute(_OUTBOX_INSERT, rows).scalars().all()
            self._written.extend(
                OutboxMessage(seq, row["subject"], row["payload"], row["headers"])
                for seq, row in zip(seqs, rows, strict=True)
            )
            self.events_written += len(rows)
        return len(rows)

    def announce_committed(self) -> None:
        """Tell the relay what the committed transaction wrote to the outbox (nothing: no call).

        :meth:`commit` does it; a caller that owns the transaction (the consumer) calls it once
        its own commit returned."""
        written, self._written = self._written, []
        if not written:
            return
        if self._on_rows_committed is not None:
            self._on_rows_committed(written)
        elif self._on_events_committed is not None:
            self._on_events_committed()

    # -- the transaction --------------------------------------------------------------------

    def commit(self) -> None:
        """Commit state and raised events together.

        Inside a consumer the unit of work runs on the consumer's session, which owns the
        transaction (one per fetched batch, with the inbox rows): there ``commit`` only writes the
        events and the consumer commits once the whole batch succeeded.
        """
        self.require_writable()
        self.flush_events()
        if self._external_session:
            return
        self.session.commit()
        self.announce_committed()

    def rollback(self) -> None:
        self._outbox_rows.clear()
        self._rows.clear()
        self._written.clear()
        if not self._external_session:
            self.session.rollback()

    def require_writable(self) -> None:
        """Raise :class:`ReadOnlyError` in a reading unit of work: for writers that go past
        :meth:`emit` and :meth:`append` (the change history writes at once, on ``session``)."""
        if self.read_only:
            raise ReadOnlyError("this unit of work only reads")


class _Handling:
    """:meth:`UnitOfWork.handling`: a plain context manager, not a generator one, because the
    consumer enters it for every event it handles."""

    __slots__ = ("_cause", "_previous", "_uow")

    def __init__(self, uow: UnitOfWork, cause: Cause) -> None:
        self._uow = uow
        self._cause = cause
        self._previous: Cause | None = None

    def __enter__(self) -> None:
        self._previous, self._uow._cause = self._uow._cause, self._cause

    def __exit__(self, *exc: object) -> None:
        self._uow._cause = self._previous


class UnitOfWorkFactory:
    """Builds units of work on one engine, all on one clock and wired to the relay's wake-up call."""

    def __init__(
        self,
        engine: Engine,
        on_events_committed: Callable[[], None] | None = None,
        *,
        clock: Clock = utc_now,
        on_rows_committed: CommittedRows | None = None,
    ) -> None:
        self.engine = engine
        self.on_events_committed = on_events_committed
        self.on_rows_committed = on_rows_committed
        self.clock = clock

    def __call__(self, session: Session | None = None) -> UnitOfWork:
        """A writing unit of work (on ``session`` when the caller owns the transaction)."""
        return UnitOfWork(
            self.engine,
            on_events_committed=self.on_events_committed,
            session=session,
            clock=self.clock,
            on_rows_committed=self.on_rows_committed,
        )

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads: it never commits, and what it loaded stays readable."""
        return UnitOfWork(self.engine, clock=self.clock, read_only=True)
