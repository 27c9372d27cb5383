"""The timers that prune published outbox rows and old inbox rows in bounded batches, past the
horizons :mod:`.horizons` argues for.

Both prunes delete at most ``prune_batch`` rows per transaction, by primary key, so neither
PostgreSQL nor SQLite holds a long lock; the timer runs batch after batch until nothing is left,
then waits ``prune_interval``. The first pruning runs one interval after the start, after the
redeliveries that waited for the service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from ..metrics import ROWS_PRUNED
from ..timers import PeriodicScan
from .inbox import prune_failures, prune_inbox
from .outbox import prune_published

INBOX_PRUNE = "inbox-prune"
OUTBOX_PRUNE = "outbox-prune"


def prune_timers(
    *,
    service: str,
    inbox_horizon: timedelta,
    outbox_horizon: timedelta,
    batch: int,
    interval: float,
) -> list[PeriodicScan[Engine]]:
    """The kit's pruning timers of one service, run with its engine as their context."""

    def prune_outbox(engine: Engine) -> int:
        n = prune_published(engine, datetime.now(UTC) - outbox_horizon, batch=batch)
        ROWS_PRUNED.labels(service=service, table="outbox").inc(n)
        return n

    def prune_inbox_rows(engine: Engine) -> int:
        before = datetime.now(UTC) - inbox_horizon
        n = prune_inbox(engine, before, batch=batch)
        ROWS_PRUNED.labels(service=service, table="inbox").inc(n)
        orphans = prune_failures(engine, before, batch=batch)
        ROWS_PRUNED.labels(service=service, table="consumer_failures").inc(orphans)
        return n + orphans

    return [
        PeriodicScan(OUTBOX_PRUNE, interval, prune_outbox, first_delay=interval),
        PeriodicScan(INBOX_PRUNE, interval, prune_inbox_rows, first_delay=interval),
    ]
