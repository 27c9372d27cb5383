"""The outbox relay: publishes pending outbox rows to JetStream in order, then marks them sent.

- Publishes are pipelined (``publish_async``) and each carries ``Nats-Msg-Id`` = event id, so a
  row published again after a crash between publish and mark is dropped by the stream's
  de-duplication window (and, past it, by every consumer's inbox).
- A commit that wrote events wakes the relay at once (:meth:`OutboxRelay.notify`, thread-safe);
  a slow poll catches rows from other processes and crash leftovers.
- Failures (broker down, no ack) leave rows pending and retry with a growing delay.
- With several replicas on PostgreSQL, one relay leads, by a session advisory lock; the others
  wait. That keeps the stream in commit order. SQLite means one process per database file.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import Connection, Engine, func, select, text, update

from ..logging import get_logger
from ..metrics import OUTBOX_PENDING, OUTBOX_PUBLISHED
from .backoff import backoff_delay
from .tables import outbox

log = get_logger(__name__)

JetStreamProvider = Callable[[], JetStreamContext]


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
    ) -> None:
        self._engine = engine
        self._js = jetstream
        self.service = service
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.ack_timeout = ack_timeout
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._leader_conn: Connection | None = None
        self.published_total = 0

    # -- waking -------------------------------------------------------------------------------
    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def notify(self) -> None:
        """Wake the relay; safe to call from any thread (handlers commit in worker threads)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake.set()
        else:
            loop.call_soon_threadsafe(self._wake.set)

    # -- one pass -----------------------------------------------------------------------------
    def _pending(self) -> list[Any]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.seq, outbox.c.subject, outbox.c.payload, outbox.c.headers)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.seq)
                .limit(self.batch_size)
            ).all()
        return list(rows)

    def _mark_published(self, seqs: list[int]) -> None:
        if not seqs:
            return
        now = datetime.now(UTC)
        with self._engine.begin() as conn:
            for start in range(0, len(seqs), 900):
                chunk = seqs[start : start + 900]
                conn.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_(chunk))
                    .values(published_at=now, attempts=outbox.c.attempts + 1)
                )

    def _mark_failed(self, seq: int, error: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.seq == seq)
                .values(attempts=outbox.c.attempts + 1, last_error=error[:200])
            )

    def pending_count(self) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
                ).scalar_one()
            )

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were acknowledged.

        Raises when the broker failed to acknowledge a row; the acknowledged prefix is marked
        first, so the next pass resumes at the failed row.
        """
        rows = await asyncio.to_thread(self._pending)
        if not rows:
            return 0
        js = self._js()
        futures: list[asyncio.Future[Any]] = []
        for row in rows:
            futures.append(await js.publish_async(row.subject, row.payload, headers=dict(row.headers)))
        done: list[int] = []
        failure: BaseException | None = None
        for row, future in zip(rows, futures, strict=True):
            if failure is not None:
                future.cancel()
                continue
            try:
                await asyncio.wait_for(future, timeout=self.ack_timeout)
            except Exception as exc:  # broker error or timeout: stop here, keep order
                failure = exc
                await asyncio.to_thread(self._mark_failed, row.seq, type(exc).__name__)
                continue
            done.append(row.seq)
        await asyncio.to_thread(self._mark_published, done)
        self.published_total += len(done)
        OUTBOX_PUBLISHED.labels(service=self.service).inc(len(done))
        if failure is not None:
            raise failure
        return len(done)

    # -- leadership ---------------------------------------------------------------------------
    def _try_lead(self) -> bool:
        if self._engine.dialect.name != "postgresql":
            return True
        if self._leader_conn is not None:
            return True
        conn = self._engine.connect()
        key = zlib.crc32(f"tsunagu-relay:{self.service}".encode())
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar_one())
        conn.commit()
        if got:
            self._leader_conn = conn
        else:
            conn.close()
        return got

    async def _lead(self) -> bool:
        # Only PostgreSQL (advisory lock) or an unheld lock needs I/O; otherwise skip the
        # thread hop, which is on every event's path from commit to the bus.
        if self._engine.dialect.name != "postgresql" or self._leader_conn is not None:
            return True
        return await asyncio.to_thread(self._try_lead)

    def _release_lead(self) -> None:
        if self._leader_conn is not None:
            try:
                self._leader_conn.close()  # closing the session releases the advisory lock
            finally:
                self._leader_conn = None

    # -- the loop -----------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Publish until ``stop`` is set; never gives up on a row."""
        self.bind_loop(asyncio.get_running_loop())
        failures = 0
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    if not await self._lead():
                        await _wait_either(stop, self._wake, self.poll_interval)
                        continue
                    published = await self.publish_pending()
                    failures = 0
                    if published >= self.batch_size:
                        continue  # more may be waiting: no sleep between full batches
                    if published:
                        OUTBOX_PENDING.labels(service=self.service).set(0)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    failures += 1
                    self._release_lead()
                    delay = backoff_delay(failures, base=self.retry_base, cap=self.retry_cap)
                    log.warning(
                        "outbox relay failed; retrying", error=type(exc).__name__, delay=round(delay, 3)
                    )
                    await _wait_either(stop, None, delay)
                    continue
                await _wait_either(stop, self._wake, self.poll_interval)
        finally:
            await asyncio.to_thread(self._release_lead)


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
