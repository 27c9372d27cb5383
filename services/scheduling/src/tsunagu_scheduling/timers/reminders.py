"""The reminder timer: scans the reminder table every few seconds and fires what is due."""

from __future__ import annotations

import asyncio

from tsunagu_servicekit.aio import wait_set
from tsunagu_servicekit.logging import get_logger

from ..handlers.context import SchedulingContext
from ..handlers.reminders import fire_due

log = get_logger(__name__)


class ReminderTimer:
    """``await timer.run(stop)`` until ``stop`` is set; a failing scan is logged and retried."""

    def __init__(self, ctx: SchedulingContext, *, interval: float) -> None:
        self.ctx = ctx
        self.interval = interval
        self.fired = 0
        self.scans = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                while (n := await asyncio.to_thread(fire_due, self.ctx)) > 0:
                    self.fired += n
                    log.info("reminders fired", count=n)
            except Exception as exc:  # the database away, say: the next scan tries again
                log.warning("reminder scan failed", error=type(exc).__name__)
            self.scans += 1
            await wait_set(stop, self.interval)
