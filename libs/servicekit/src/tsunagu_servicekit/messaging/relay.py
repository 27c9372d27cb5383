"""The outbox relay: publishes pending outbox rows to JetStream, then marks them sent.

- Publishes are pipelined (:class:`~.publish.JetStreamPublisher`, whose futures settle on the
  broker's refusals too) and each carries ``Nats-Msg-Id`` = event id, so a
  row published again after a crash between publish and mark is dropped by the stream's
  de-duplication window (and, past it, by every consumer's inbox).
- A commit that wrote events wakes the relay at once; a slow poll catches rows from other
  processes and crash leftovers. A unit of work hands the rows it committed over
  (:meth:`OutboxRelay.hand_over`, thread-safe), and the relay publishes them as they are, without
  reading them back, when they are exactly the next rows after everything it has published and
  nothing failed since (the database is read after any failure, at start, at each poll, on a
  wake without rows (:meth:`OutboxRelay.notify`), and for a row out of sequence).
- Every acknowledged row of a pass is marked, whatever failed beside it, so nothing acknowledged
  is published again.
- A failure is recorded on its row (``last_error``, the exception class). It counts against the
  row (``attempts``) only when the broker blames the row itself: the payload is too large, no
  stream captures its subject (asked of the broker, not guessed), the stream refuses the message,
  or its acknowledgement did not come while others of the same pass did. At
  ``quarantine_after`` such failures (at once for a payload the client refuses) the row is
  quarantined: set aside with its error, out of the relay's way, until an operator retries or
  discards it (``tsunagu outbox``). An outage (no connection, no acknowledgement at all, a stream
  at its size limit refusing new messages) blames no row: the relay backs off and tries again, for
  as long as it takes, and publishes once the stream has room.
- Order: rows are published in commit order, and the stream holds them so, except around a
  failure: rows already in flight behind a failed row (at most one batch) are acknowledged before
  it, and a row released from quarantine comes after what was committed before its release. With
  the default backoff a row the broker keeps refusing delays the rows committed after it by about
  3 s (its 5 failures) before it is quarantined.
- With several replicas on PostgreSQL, one relay leads, by a lease with a fencing token
  (:mod:`.lease`), re-validated before every message it publishes: a relay whose lease may have
  run out stops before another may take it, so two relays never publish at once. SQLite means one
  process per database file.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from sqlalchemy import Engine, case, func, select, update

from ..db import begin_unflushed
from ..logging import get_logger
from ..metrics import (
    OUTBOX_OLDEST_PENDING_SECONDS,
    OUTBOX_PENDING,
    OUTBOX_PUBLISHED,
    OUTBOX_QUARANTINED,
    OUTBOX_RELAY_LEADER,
)
from .backoff import backoff_delay
from .lease import RelayLease
from .outbox import PENDING, OutboxMessage, outbox_stats
from .tables import outbox

log = get_logger(__name__)

JetStreamProvider = Callable[[], JetStreamContext]


class Publisher(Protocol):
    """What the relay publishes with: pipelined publishes returning futures of the acknowledgement
    (:class:`~.publish.JetStreamPublisher`; nats-py's ``JetStreamContext`` also fits, but its
    futures never settle on a refusal)."""

    async def publish_async(
        self, subject: str, payload: bytes, *, headers: dict[str, str]
    ) -> asyncio.Future[Any]: ...


PublisherProvider = Callable[[], Publisher]

# The broker as a whole is out of reach: no row is to blame.
_OUTAGE: tuple[type[BaseException], ...] = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionDrainingError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoServersError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    nats.js.errors.TooManyStalledMsgsError,
)
# The client refuses the row as it is: no retry can publish it.
_REFUSED_BY_CLIENT: tuple[type[BaseException], ...] = (
    nats.errors.MaxPayloadError,
    nats.errors.BadSubjectError,
    nats.errors.BadHeaderError,
)
# JetStream error codes that concern the message itself, not its stream's state. A stream at its
# limits (10077 "maximum bytes exceeded", 10023 insufficient resources) is an outage of that
# stream: its rows wait, never quarantined, until it has room.
_MESSAGE_ERROR_CODES = frozenset({10054})  # message size exceeds the stream's maximum
_STATS_INTERVAL = 1.0  # seconds between refreshes of the outbox gauges

# The running relays of each service in this process (one in a deployment; tests run several).
# The leadership gauge is read from them when scraped, so it tells the state of that moment, not
# of the relay's last pass: a relay stuck anywhere stops counting once its lease runs short.
_RUNNING: dict[str, weakref.WeakSet[OutboxRelay]] = {}


MARK_GATHER_SECONDS = 0.05
"""How long acknowledged rows wait to be marked together inside the relay's loop (a crash in
between republishes them, and de-duplication drops the copies)."""


def _leaders(service: str) -> float:
    return float(sum(1 for relay in list(_RUNNING.get(service, ())) if relay.leads()))


@dataclass(frozen=True, slots=True)
class _Failure:
    seq: int
    error: str
    blames_row: bool
    quarantine_now: bool = False


class PublishFailed(Exception):
    """A pass published some rows and failed others (recorded on them); the relay backs off."""

    def __init__(self, failures: Sequence[_Failure]) -> None:
        super().__init__(f"{len(failures)} row(s) not published: {sorted({f.error for f in failures})}")
        self.failures = tuple(failures)


class OutboxRelay:
    """Moves outbox rows onto the bus. Run :meth:`run` as a task; call :meth:`notify` after commits."""

    def __init__(
        self,
        engine: Engine,
        jetstream: JetStreamProvider,
        *,
        service: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        ack_timeout: float = 5.0,
        retry_base: float = 0.2,
        retry_cap: float = 10.0,
        quarantine_after: int = 5,
        lease_seconds: float = 15.0,
        publisher: PublisherProvider | None = None,
    ) -> None:
        self._engine = engine
        self._js = jetstream
        self._publisher: PublisherProvider = publisher if publisher is not None else jetstream
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.quarantine_after = quarantine_after
        self._stats_at = 0.0
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        # SQLite: one process per database file, so no lease to hold.
        self._lease = (
            RelayLease(f"outbox-relay:{service}", lease_seconds)
            if engine.dialect.name == "postgresql"
            else None
        )
        self.published_total = 0
        # The fast path (see the module docstring). ``_frontier``: every row up to this sequence
        # number that was committed when the relay last looked is published (None: unknown, read
        # the database). ``_handed``: rows handed over since the last read. ``_recent``: the rows
        # the last read published, whose hand-over may arrive after it.
        self._handed: list[OutboxMessage] = []
        self._frontier: int | None = None
        self._must_read = True
        self._recent: frozenset[int] = frozenset()
        # Inside run(): acknowledged rows are marked beside the loop, one transaction at a time,
        # while the next passes publish; a read or a lease renewal waits until all are marked.
        self._defer_marks = False
        self._unmarked: list[int] = []
        self._marking: asyncio.Task[None] | None = None
        self._mark_now = asyncio.Event()
        self._gauges: asyncio.Task[None] | None = None

    # -- waking -------------------------------------------------------------------------------
    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def notify(self) -> None:
        """Wake the relay to read the outbox: something was committed that it was not handed.
        Safe to call from any thread (handlers commit in worker threads)."""
        self._call_in_loop(self._woken, None)

    def hand_over(self, rows: Sequence[OutboxMessage]) -> None:
        """Wake the relay with the rows a transaction just committed; from any thread. Dropped when
        the relay is not running (they wait in the database)."""
        self._call_in_loop(self._woken, list(rows))

    def _call_in_loop(self, fn: Callable[[list[OutboxMessage] | None], None], arg: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn(arg)
        else:
            try:
                loop.call_soon_threadsafe(fn, arg)
            except RuntimeError:  # the loop closed meanwhile: the rows wait in the database
                pass

    def _woken(self, rows: list[OutboxMessage] | None) -> None:
        if rows is None:
            self._must_read = True
        else:
            self._handed.extend(rows)
        self._wake.set()

    def _take_handed(self) -> list[OutboxMessage] | None:
        """The handed-over rows to publish without reading the database: the ones right after the
        frontier, in sequence, with no gap. None: read the database instead."""
        if self._must_read or self._frontier is None or not self._handed:
            return None
        # A row the last read published may be handed over after it: already out.
        handed = sorted((r for r in self._handed if r.seq not in self._recent), key=lambda r: r.seq)
        first = self._frontier + 1
        if any(r.seq != first + n for n, r in enumerate(handed)):
            # A gap (another writer, a rolled-back sequence number) or a row at or below the
            # frontier (a transaction that committed late): the database knows the order.
            return None
        take, self._handed = handed[: self.batch_size], handed[self.batch_size :]
        return take

    def _forget_handed(self) -> None:
        """Rows handed over are in the database: the next pass reads them there."""
        self._handed.clear()
        self._frontier = None

    # -- one pass -----------------------------------------------------------------------------
    def _pending(self) -> list[Any]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.seq, outbox.c.subject, outbox.c.payload, outbox.c.headers)
                .where(PENDING)
                .order_by(outbox.c.seq)
                .limit(self.batch_size)
            ).all()
        return list(rows)

    def _record(self, published: list[int], failures: Sequence[_Failure]) -> None:
        """Mark the acknowledged rows and record the failures, in one transaction."""
        if not published and not failures:
            return
        now = datetime.now(UTC)
        lease = self._lease
        sent_at = time.monotonic()
        # Marks alone may be lost (a crash republishes the rows and the duplicates are dropped),
        # so their commit skips SQLite's fsync, which held the next command's commit behind it;
        # failures (attempts, quarantine) are recorded durably.
        with begin_unflushed(self._engine) if not failures else self._engine.begin() as conn:
            # The fencing check, in the transaction that records the pass; renewing here keeps a
            # busy relay's lease fresh without a transaction of its own.
            token = lease.claim_in(conn) if lease is not None else None
            ours = lease is None or token is not None
            for start in range(0, len(published), 900):
                chunk = published[start : start + 900]
                conn.execute(update(outbox).where(outbox.c.seq.in_(chunk)).values(published_at=now))
            # Acknowledged rows are facts, whoever leads now; the failures are judgements (attempts,
            # quarantine), left to the relay that holds the lease.
            for failure in failures if ours else ():
                counted = outbox.c.attempts + (1 if failure.blames_row else 0)
                quarantined_at: Any = None
                if failure.quarantine_now:
                    quarantined_at = now
                elif failure.blames_row:
                    quarantined_at = case((counted >= self.quarantine_after, now), else_=None)
                conn.execute(
                    update(outbox)
                    .where(outbox.c.seq == failure.seq)
                    .values(attempts=counted, last_error=failure.error[:200], quarantined_at=quarantined_at)
                )
        if lease is not None:
            lease.settle(token, sent_at)

    def pending_count(self) -> int:
        """Rows waiting to be published (quarantined rows are not)."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(outbox).where(PENDING)).scalar_one())

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were acknowledged.

        Every acknowledged row is marked. Raises :class:`PublishFailed` (after recording each
        failure on its row) when any row was not acknowledged, or an outage error when the
        broker could not be reached at all. On PostgreSQL it publishes only while this relay
        holds the lease (taking or renewing it when due): 0 when another replica leads.
        """
        try:
            if not await self._lead():
                self._forget_handed()
                return 0
            rows: Sequence[Any] | None = self._take_handed()
            read = rows is None
            if rows is None:
                # Everything handed over until now is committed, so this read sees it; and the
                # rows published before are marked first, so it does not see them.
                self._handed.clear()
                self._must_read = False
                await self._marked()
                rows = await asyncio.to_thread(self._pending)
                self._recent = frozenset(r.seq for r in rows)
            published = await self._publish(rows)
        except BaseException:
            self._forget_handed()
            self._must_read = True
            raise
        if len(published) < len(rows):  # the lease ran short: the rest wait, read them again
            self._forget_handed()
        elif read and len(rows) >= self.batch_size:
            self._must_read = True  # more may be waiting
        elif rows:
            # All published. What a read returned is all that was pending when it ran.
            self._frontier = max(r.seq for r in rows)
        return len(published)

    async def _publish(self, rows: Sequence[Any]) -> list[int]:
        """Publish ``rows`` and record the pass; the acknowledged sequence numbers."""
        if not rows:
            return []
        js = self._js()
        publisher = self._publisher()
        sent: list[tuple[Any, asyncio.Future[Any]]] = []
        failures: list[_Failure] = []
        outage: BaseException | None = None
        for row in rows:
            if not self._may_publish():
                break  # the lease needs renewing first: the rest stay pending, untouched
            try:
                future = await publisher.publish_async(row.subject, row.payload, headers=dict(row.headers))
            except _OUTAGE as exc:
                outage = exc  # the rest stay pending, untouched
                break
            except _REFUSED_BY_CLIENT as exc:
                failures.append(_Failure(row.seq, type(exc).__name__, blames_row=True, quarantine_now=True))
                continue
            sent.append((row, future))
        if sent:
            await asyncio.wait([f for _, f in sent], timeout=self.ack_timeout)
        published = [row.seq for row, f in sent if _acknowledged(f)]
        someone_acked = bool(published)
        no_stream: dict[str, bool] = {}
        for row, future in sent:
            if _acknowledged(future):
                continue
            refusal = future.exception() if future.done() and not future.cancelled() else None
            if refusal is None:
                future.cancel()
                # Silence from the broker blames the row only if the broker answered others.
                failures.append(_Failure(row.seq, "TimeoutError", blames_row=someone_acked))
                continue
            blamed = await self._blames(js, row, refusal, no_stream)
            failures.append(_Failure(row.seq, _error_name(refusal), blamed))
        if self._defer_marks and not failures and outage is None:
            # Off the next event's path: it is published while these are marked. Until the mark
            # commits, a crash publishes them again, which the stream's de-duplication drops.
            self._mark_later(published)
        else:
            await self._marked()  # the lease is claimed in each: one transaction at a time
            await asyncio.to_thread(self._record, published, failures)
        self.published_total += len(published)
        OUTBOX_PUBLISHED.labels(service=self.service).inc(len(published))
        if failures:
            quarantinable = [f for f in failures if f.blames_row]
            log.warning(
                "outbox rows not published",
                failed=len(failures),
                blamed_on_row=len(quarantinable),
                errors=sorted({f.error for f in failures}),
            )
            raise PublishFailed(failures)
        if outage is not None:
            raise outage
        return published

    async def _blames(
        self, js: JetStreamContext, row: Any, exc: BaseException, no_stream: dict[str, bool]
    ) -> bool:
        """Whether the broker's refusal of ``row`` is the row's own fault."""
        if isinstance(exc, nats.js.errors.NoStreamResponseError):
            # No responder: no stream captures the subject, or JetStream is not there at all. Ask.
            if row.subject not in no_stream:
                no_stream[row.subject] = await self._stream_missing(js, row.subject)
            return no_stream[row.subject]
        if isinstance(exc, nats.js.errors.APIError):
            return exc.err_code in _MESSAGE_ERROR_CODES
        return False

    async def _stream_missing(self, js: JetStreamContext, subject: str) -> bool:
        try:
            await asyncio.wait_for(js.find_stream_name_by_subject(subject), timeout=self.ack_timeout)
        except nats.js.errors.NotFoundError:
            return True
        except Exception:
            return False  # the broker did not answer: an outage, not the row
        return False

    def _mark_later(self, seqs: list[int]) -> None:
        self._unmarked.extend(seqs)
        if self._marking is None or self._marking.done():
            self._mark_now = asyncio.Event()
            self._marking = asyncio.create_task(self._mark_all(), name="outbox-relay-mark")

    async def _mark_all(self) -> None:
        # Marks gathered for a moment go in one transaction: on SQLite each transaction takes the
        # file's one write lock, so one per event held the next command's commit back. Whoever
        # needs the marks done (a read, a lease renewal, a stop) cuts the wait short.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._mark_now.wait(), MARK_GATHER_SECONDS)
        while self._unmarked:
            seqs, self._unmarked = self._unmarked, []
            await asyncio.to_thread(self._record, seqs, ())

    async def _marked(self) -> None:
        """Wait until every acknowledged row is marked (raising a mark's error: its rows, still
        pending, are read and published again, and de-duplicated)."""
        task = self._marking
        if task is None:
            return
        self._mark_now.set()
        try:
            await task
        except BaseException:
            if task.done():
                self._unmarked.clear()
                self._marking = None
            raise
        self._marking = None

    async def refresh_gauges(self, *, force: bool = False) -> None:
        """Set the pending, quarantined and oldest-pending gauges (at most once a second)."""
        moment = time.monotonic()
        if not force and moment - self._stats_at < _STATS_INTERVAL:
            return
        self._stats_at = moment
        stats = await asyncio.to_thread(outbox_stats, self._engine, datetime.now(UTC))
        OUTBOX_PENDING.labels(service=self.service).set(stats.pending)
        OUTBOX_QUARANTINED.labels(service=self.service).set(stats.quarantined)
        OUTBOX_OLDEST_PENDING_SECONDS.labels(service=self.service).set(stats.oldest_pending_seconds)

    # -- leadership ---------------------------------------------------------------------------
    def leads(self) -> bool:
        """Whether this relay runs and may publish now (what ``tsunagu_outbox_relay_leader`` says)."""
        return self.service in _RUNNING and self in _RUNNING[self.service] and self._may_publish()

    def _register_running(self) -> None:
        relays = _RUNNING.setdefault(self.service, weakref.WeakSet())
        relays.add(self)
        OUTBOX_RELAY_LEADER.labels(service=self.service).set_function(partial(_leaders, self.service))

    def _may_publish(self) -> bool:
        return self._lease is None or self._lease.may_publish()

    async def _lead(self) -> bool:
        """Whether this relay leads now, renewing or taking the lease when that is due."""
        lease = self._lease
        # A lease with time to spare is proof enough (nobody else can hold it before it expires):
        # no I/O and no thread hop, which would be on every event's path from commit to the bus.
        if lease is None or not lease.renewal_due():
            return True
        await self._marked()  # its transaction renews the lease too: one claim at a time
        return await asyncio.to_thread(lease.renew, self._engine)

    def _suspend_lead(self) -> None:
        if self._lease is not None:
            self._lease.suspend()

    def _release_lead(self) -> None:
        if self._lease is None:
            return
        try:
            self._lease.release(self._engine)
        except Exception as exc:  # the database is gone: the lease simply expires
            log.warning("outbox relay lease not released", error=type(exc).__name__)

    # -- the loop -----------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set; never gives up on a row."""
        self.bind_loop(asyncio.get_running_loop())
        failures = 0
        self._defer_marks = True
        self._register_running()
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    if not await self._lead():
                        self._forget_handed()
                        # Another replica leads: try again at the poll, not at each of our commits.
                        await _wait_either(stop, None, self.poll_interval)
                        continue
                    published = await self.publish_pending()
                    failures = 0
                    if published >= self.batch_size or not self._may_publish():
                        continue  # more may be waiting, or the lease is due: no sleep
                    self._refresh_in_background()
                except asyncio.CancelledError:
                    raise
                except PublishFailed:
                    # Recorded on the rows (the lease checked in that transaction).
                    failures += 1
                    await self._refresh_quietly()
                    delay = backoff_delay(failures, base=self.retry_base, cap=self.retry_cap)
                    await _wait_either(stop, None, delay)
                    continue
                except Exception as exc:
                    failures += 1
                    self._suspend_lead()  # the lease may be gone with the database: publish nothing
                    delay = backoff_delay(failures, base=self.retry_base, cap=self.retry_cap)
                    log.warning(
                        "outbox relay failed; retrying", error=type(exc).__name__, delay=round(delay, 3)
                    )
                    await _wait_either(stop, None, delay)
                    continue
                await _wait_either(stop, self._wake, self.poll_interval)
                if not self._wake.is_set():
                    self._must_read = True  # the poll: rows from other processes, leftovers
        finally:
            # Stopped: nothing is handed over any more (it would pile up unread); a run again
            # starts by reading the outbox.
            _RUNNING.get(self.service, weakref.WeakSet()).discard(self)
            self._loop = None
            self._forget_handed()
            self._must_read = True
            self._defer_marks = False
            try:
                await self._marked()
            except Exception as exc:  # the rows stay pending: published again, de-duplicated
                log.warning("outbox rows not marked", error=type(exc).__name__)
            if self._gauges is not None:
                self._gauges.cancel()
            await asyncio.to_thread(self._release_lead)

    def _refresh_in_background(self) -> None:
        # Off the relay's path: a commit that wakes it must not wait for two counting queries.
        due = time.monotonic() - self._stats_at >= _STATS_INTERVAL
        if due and (self._gauges is None or self._gauges.done()):
            self._gauges = asyncio.create_task(self._refresh_quietly())

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh_gauges()
        except Exception as exc:  # the gauges must never stop the relay
            log.warning("outbox gauges not refreshed", error=type(exc).__name__)


def _error_name(exc: BaseException) -> str:
    """The exception class, with JetStream's error code when it has one (``ServiceUnavailableError
    10077``: the stream is at its limits): what an operator needs, and never a payload value."""
    name = type(exc).__name__
    code = getattr(exc, "err_code", None) if isinstance(exc, nats.js.errors.APIError) else None
    return f"{name} {code}" if code else name


def _acknowledged(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


async def _wait_either(stop: asyncio.Event, wake: asyncio.Event | None, timeout: float) -> None:
    waiters: list[Awaitable[Any]] = [stop.wait()]
    if wake is not None:
        waiters.append(wake.wait())
    tasks = [asyncio.ensure_future(w) for w in waiters]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
