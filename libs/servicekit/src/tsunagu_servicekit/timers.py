"""Durable timers: a service's periodic scans of its own database.

A timer keeps nothing in memory: what is due is found in the database on each scan, and what a
scan did is recorded in the same transaction as the events it raised, so a restart neither loses
nor repeats anything. Each scan runs in a worker thread inside a *root* span, so the events it
raises carry trace context like any others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace

from .aio import wait_set
from .logging import get_logger
from .telemetry import get_tracer

__all__ = ["MOVED_POLL_SECONDS", "PeriodicScan"]

MOVED_POLL_SECONDS = 0.01
"""How often a timer under a simulated clock looks whether simulated time moved."""

log = get_logger(__name__)
_tracer = get_tracer("tsunagu.timers")

C = TypeVar("C")


@dataclass
class PeriodicScan(Generic[C]):
    """``scan(context)`` every ``interval`` seconds until the service stops.

    ``scan`` returns how many things it handled. A scan that handled something is followed by
    another at once (scans work in bounded batches); one that found nothing waits for the next
    tick. A failing scan (the database away, say) is logged by class and tried again next tick.
    """

    name: str
    interval: float
    scan: Callable[[C], int]
    first_delay: float = 0.0
    """Seconds before the first scan (0: at once)."""
    scans: int = field(default=0, init=False)
    """Scans run so far (tests wait on it)."""
    handled: int = field(default=0, init=False)
    """Things handled so far."""

    def scan_once(self, context: C) -> int:
        """One scan, in a root span of its own (a timer starts its own trace)."""
        with _tracer.start_as_current_span(
            f"{self.name} scan", context=otel_context.Context(), kind=trace.SpanKind.INTERNAL
        ) as span:
            n = self.scan(context)
            span.set_attribute("tsunagu.timer.handled", n)
            return n

    async def run(
        self,
        context: C,
        stop: asyncio.Event,
        *,
        moved: Callable[[], object] | None = None,
        scanned: Callable[[object], None] | None = None,
    ) -> None:
        """Scan until ``stop``. ``moved`` (a simulated clock's version) wakes the timer early when
        it changes: simulated time may jump days between two ticks. ``scanned`` is told the
        version each finished scan began at."""
        if self.first_delay > 0:
            await wait_set(stop, self.first_delay)
        while not stop.is_set():
            # Taken before the scan reads the clock: a move during the scan wakes the next one.
            seen = moved() if moved is not None else None
            try:
                while (n := await asyncio.to_thread(self.scan_once, context)) > 0:
                    self.handled += n
                    log.info("timer scan handled", timer=self.name, count=n)
                    if stop.is_set():
                        break
            except Exception as exc:
                log.warning("timer scan failed", timer=self.name, error=type(exc).__name__)
            self.scans += 1
            if scanned is not None:
                scanned(seen)
            await self._pause(stop, moved, seen)

    async def _pause(self, stop: asyncio.Event, moved: Callable[[], object] | None, seen: object) -> None:
        if moved is None:
            await wait_set(stop, self.interval)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.interval
        while (left := deadline - loop.time()) > 0:
            if await wait_set(stop, min(left, MOVED_POLL_SECONDS)) or moved() != seen:
                return
