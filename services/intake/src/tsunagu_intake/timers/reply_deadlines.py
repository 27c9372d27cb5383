"""The periodic scan that announces e-mail replies due soon and overdue (durable: state in the database)."""

from __future__ import annotations

import asyncio

from tsunagu_servicekit.aio import wait_set
from tsunagu_servicekit.logging import get_logger

from ..handlers.context import IntakeContext
from ..handlers.email import scan_reply_deadlines

log = get_logger(__name__)


class ReplyDeadlineTimer:
    """Runs :func:`scan_reply_deadlines` every ``interval`` seconds until stopped.

    Nothing is kept in memory between scans: what was announced is recorded with the announcement
    (same transaction as its outbox row), so a restart neither loses nor repeats one.
    """

    name = "reply-deadlines"

    def __init__(self, ctx: IntakeContext, interval: float) -> None:
        self.ctx = ctx
        self.interval = interval
        self.scans = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(scan_reply_deadlines, self.ctx)
            except Exception as exc:  # the database away, say: try again next round
                log.warning("reply deadline scan failed", error=type(exc).__name__)
            self.scans += 1
            await wait_set(stop, self.interval)
