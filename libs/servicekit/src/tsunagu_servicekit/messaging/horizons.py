"""How long outbox and inbox rows are kept, and why (the timers that prune them: :mod:`.retention`).

**Inbox.** An inbox row is what makes a second delivery of a processed event a duplicate. It may
go only once no copy of that event can still reach the consumer's handler:

- the same stream message redelivered (its acknowledgement was lost): the server redelivers it
  after ``ack_wait``, or after a retry delay of at most ``retry_max_delay``, and the consumer runs
  the handler only up to its ``delivery_limit``-th delivery (past it the inbox is asked and a
  message without a row is dead-lettered, never handled again): at most
  ``delivery_limit × (ack_wait + retry_max_delay)`` after the row was written;
- a second copy of the event, published again by a relay that crashed between the broker's
  acknowledgement and marking its row: within the stream's duplicate window the stream drops it,
  past it only the inbox does.

So ``inbox_horizon`` must be at least the longest duplicate window of the streams plus that
redelivery span (:func:`minimum_inbox_horizon`); a service refuses a shorter one at start. The
default, 7 days, also rides out a producer that stays down for days after such a crash, and a
service that was down itself: the first pruning runs one interval after the start, after the
redeliveries that waited for the service. A dead letter retried by ``tsunagu dlq retry`` is a new
copy too; it is addressed to the consumer that dead-lettered it (which has no row for it), and
every other consumer acknowledges it without running its handler, whatever its inbox remembers.

**Outbox.** A published row carries nothing the relay needs again; it is kept ``outbox_horizon``
(default a day, at least the duplicate window) as the record of what left the service and when.
Pending and quarantined rows are never pruned.

Both prunes delete at most ``prune_batch`` rows per transaction, by primary key, so neither
PostgreSQL nor SQLite holds a long lock; the timer runs batch after batch until nothing is left.
"""

from __future__ import annotations

from datetime import timedelta

from tsunagu_contracts import STREAMS


def duplicate_window() -> timedelta:
    """The longest duplicate window of the platform's streams."""
    return timedelta(seconds=max(s.duplicate_window_seconds for s in STREAMS))


def redelivery_span(*, delivery_limit: int, ack_wait: float, retry_max_delay: float) -> timedelta:
    """The longest time after a processed delivery in which the same stream message can still be
    delivered to the handler (see the module's docstring)."""
    return timedelta(seconds=delivery_limit * (ack_wait + retry_max_delay))


def minimum_inbox_horizon(*, delivery_limit: int, ack_wait: float, retry_max_delay: float) -> timedelta:
    """The shortest inbox horizon that outlives both the duplicate window and redelivery."""
    return duplicate_window() + redelivery_span(
        delivery_limit=delivery_limit, ack_wait=ack_wait, retry_max_delay=retry_max_delay
    )


def minimum_outbox_horizon() -> timedelta:
    """Published rows are kept at least as long as the stream remembers their ids."""
    return duplicate_window()
