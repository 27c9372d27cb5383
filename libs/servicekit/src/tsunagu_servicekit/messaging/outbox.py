"""Outbox rows: how an event is stored until the relay publishes it, and what an operator can do
with the rows the broker refuses for good.

The unit of work (:mod:`tsunagu_servicekit.unit_of_work`) writes them in the use case's
transaction; the relay (:mod:`.relay`) publishes them with these headers and marks them sent, or
quarantines a row the broker keeps refusing (``tsunagu outbox list|show|retry|discard``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

import sqlalchemy as sa
from tsunagu_contracts import CloudEvent

from .tables import outbox

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


class OutboxMessage(NamedTuple):
    """What the relay publishes of an outbox row (read back, or handed over by the committing unit
    of work)."""

    seq: int
    subject: str
    payload: bytes
    headers: dict[str, str]


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


# -- what an operator sees and does ---------------------------------------------------------------

OutboxState = Literal["pending", "quarantined"]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An outbox row as an operator sees it: never its payload, only the payload's size."""

    seq: int
    event_id: str
    subject: str
    created_at: datetime
    attempts: int
    """Failed publishes."""
    last_error: str | None
    """The exception class of the last failed publish."""
    quarantined_at: datetime | None
    payload_bytes: int


@dataclass(frozen=True, slots=True)
class OutboxStats:
    pending: int
    quarantined: int
    oldest_pending_seconds: float


_ENTRY_COLUMNS = (
    outbox.c.seq,
    outbox.c.event_id,
    outbox.c.subject,
    outbox.c.created_at,
    outbox.c.attempts,
    outbox.c.last_error,
    outbox.c.quarantined_at,
    sa.func.length(outbox.c.payload).label("payload_bytes"),
)
_UNPUBLISHED = outbox.c.published_at.is_(None)
PENDING = sa.and_(_UNPUBLISHED, outbox.c.quarantined_at.is_(None))
"""Rows the relay publishes: not yet acknowledged, not quarantined."""
QUARANTINED = sa.and_(_UNPUBLISHED, outbox.c.quarantined_at.is_not(None))


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        seq=int(row.seq),
        event_id=str(row.event_id),
        subject=str(row.subject),
        created_at=_aware(row.created_at),
        attempts=int(row.attempts),
        last_error=row.last_error,
        quarantined_at=_aware(row.quarantined_at) if row.quarantined_at is not None else None,
        payload_bytes=int(row.payload_bytes or 0),
    )


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive date-times; the outbox writes UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def outbox_entries(engine: sa.Engine, state: OutboxState, *, limit: int = 100) -> list[OutboxEntry]:
    """The oldest ``limit`` rows in ``state``, in commit order."""
    where = PENDING if state == "pending" else QUARANTINED
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*_ENTRY_COLUMNS).where(where).order_by(outbox.c.seq).limit(limit))
        return [_entry(r) for r in rows]


def outbox_entry(engine: sa.Engine, event_id: str) -> OutboxEntry | None:
    """The unpublished row of ``event_id`` (pending or quarantined), if there is one."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(*_ENTRY_COLUMNS).where(_UNPUBLISHED, outbox.c.event_id == event_id)
        ).first()
        return _entry(row) if row is not None else None


def release_quarantined(engine: sa.Engine, event_ids: Sequence[str] | None = None) -> int:
    """Put quarantined rows (``None``: all of them) back in the relay's way, their failure count
    reset; returns how many. The relay publishes them after the rows pending now."""
    with engine.begin() as conn:
        return _rowcount(
            conn.execute(
                sa.update(outbox)
                .where(*_chosen(event_ids))
                .values(quarantined_at=None, attempts=0, last_error=None)
            )
        )


def discard_quarantined(engine: sa.Engine, event_ids: Sequence[str] | None = None) -> int:
    """Delete quarantined rows (``None``: all of them): their events are never published. Returns
    how many. Only quarantined rows can be discarded."""
    with engine.begin() as conn:
        return _rowcount(conn.execute(sa.delete(outbox).where(*_chosen(event_ids))))


def _chosen(event_ids: Sequence[str] | None) -> list[sa.ColumnElement[bool]]:
    chosen: list[sa.ColumnElement[bool]] = [QUARANTINED]
    if event_ids is not None:
        chosen.append(outbox.c.event_id.in_(list(event_ids)))
    return chosen


def _rowcount(result: sa.CursorResult[Any]) -> int:
    return int(result.rowcount or 0)


def prune_published(engine: sa.Engine, before: datetime, *, batch: int) -> int:
    """Delete at most ``batch`` rows published before ``before``, in one short transaction;
    returns how many. Pending and quarantined rows (``published_at`` unset) are never touched."""
    with engine.begin() as conn:
        seqs = list(
            conn.execute(
                sa.select(outbox.c.seq)
                .where(outbox.c.published_at.is_not(None), outbox.c.published_at < before)
                .order_by(outbox.c.published_at)
                .limit(batch)
            ).scalars()
        )
        if not seqs:
            return 0
        return _rowcount(conn.execute(sa.delete(outbox).where(outbox.c.seq.in_(seqs))))


def outbox_stats(engine: sa.Engine, now: datetime) -> OutboxStats:
    """How many rows are pending and quarantined, and the age of the oldest pending one."""
    with engine.connect() as conn:
        pending, oldest = conn.execute(
            sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(PENDING)
        ).one()
        quarantined = conn.execute(
            sa.select(sa.func.count()).select_from(outbox).where(QUARANTINED)
        ).scalar_one()
    age = max(0.0, (now - _aware(oldest)).total_seconds()) if oldest is not None else 0.0
    return OutboxStats(pending=int(pending), quarantined=int(quarantined), oldest_pending_seconds=age)
