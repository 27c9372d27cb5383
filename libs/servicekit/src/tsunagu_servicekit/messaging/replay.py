"""Replay into one service: rebuild its views from recorded events, in a database of its own (ADR 0014).

A developer (or an operator repairing a projection) runs one service's consumers over history —
an export on disk or the live streams — without touching the live durable consumers, the other
services or the dead-letter stream:

- the events are read first (from export files, or from the streams by ephemeral consumers that
  need no acks and vanish when done: :func:`read_streams`), kept to the types the service
  subscribes to (and ``types``), and put in the order they happened (event time, then the order
  they were read): a service consumes several streams, and its handlers expect a completion
  before its expiry whichever stream each came from;
- each is handled by the subscription's own handler, through the inbox, in transactions of up to
  ``batch`` events, exactly as the durable consumer runs it (:meth:`EventConsumer.run_transaction`
  is the same claim, handling context and flush): a duplicate id is skipped by the inbox;
- the service's clock reads each event's time while its handler runs, so what a handler stamps
  or decides from "now" is what it decided when the event was first handled, however late the
  replay runs;
- what handlers raise is discarded, not put in the outbox: it was published when it first
  happened, and a rebuilt database must never publish it a second time;
- a handler that fails is not retried: the event is counted as dead-lettered in the summary
  (with its id, type and error class) and the replay goes on; the live dead-letter stream is not
  written to;
- ``until`` stops at the first event after that instant.

Only the service's **views** — the tables its consumers write — are the result: state made by
commands over HTTP is not in any stream it consumes. Each service names its views in
``consumers.VIEWS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from nats.aio.client import Client
from nats.aio.msg import Msg
from sqlmodel import Session
from tsunagu_contracts import CloudEvent, EventParseError, EventType
from tsunagu_contracts.registry import Registry

from ..eventlog import EventLogFormatError, read_jsonl
from ..mail.tables import mail_outbox
from ..runtime import ServiceRuntime
from ..unit_of_work import SettableClock
from .consumer import EventConsumer
from .inbox import claim
from .rebuild import rebuild_projection

C = TypeVar("C")

UNPARSEABLE = "MalformedEventError"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event a replay could not apply: its id (None when it was not an event at all), its type
    and the class of the error. Never the event's data."""

    event_id: str | None
    event_type: str | None
    error: str


@dataclass(slots=True)
class ReplaySummary:
    """What a replay did. ``read`` = ``applied`` + ``skipped`` + ``dead_lettered`` + ``not_wanted``
    + ``after_until``."""

    read: int = 0
    """Messages read from the source."""
    applied: int = 0
    """Events handled, their effects committed."""
    skipped: int = 0
    """Events the inbox skipped: their id had been handled already (a duplicate in the source)."""
    dead_lettered: int = 0
    """Messages that were not events, and events whose handler failed."""
    not_wanted: int = 0
    """Events of types the service does not consume, or outside ``types``."""
    after_until: int = 0
    """Events after ``until``: not applied."""
    raised: int = 0
    """Events the handlers raised again, discarded (they were published when they first happened)."""
    mails: int = 0
    """Mails the handlers queued again, discarded (they were sent when the events first happened)."""
    last_applied: tuple[str, datetime] | None = None
    """The id and time of the last event applied."""
    dead_letters: list[DeadLetter] = field(default_factory=list)


def type_matches(event_type: str, filters: Sequence[str]) -> bool:
    """Whether ``event_type`` is one of ``filters`` or below one (``tsunagu.training`` matches every
    training event; a full type only itself)."""
    return any(event_type == f or event_type.startswith(f.rstrip(".") + ".") for f in filters)


@dataclass(frozen=True, slots=True)
class _Read:
    """A message read from the source: its place in the reading, and the event, or why not."""

    order: int
    event: CloudEvent[Any] | None = None
    error: str | None = None
    """Why it is no event: the parse error's class; None for an event of a type not applied here."""
    event_id: str | None = None
    """The id of an event that could not be read as the subscribed version."""


class ServiceReplay(Generic[C]):
    """The consumers of one service, built by its composition root on a fresh database and with
    ``clock`` as its clock, applying recorded events (see the module's docstring)."""

    def __init__(
        self,
        runtime: ServiceRuntime[C],
        clock: SettableClock,
        *,
        types: Sequence[str] = (),
        until: datetime | None = None,
        batch: int = 500,
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.runtime = runtime
        self.clock = clock
        self.types = tuple(types)
        self.until = until
        self.batch = batch
        self.consumers: dict[str, EventConsumer[C]] = {
            sub.event_type: runtime.consumer_for(sub) for sub in runtime.subscriptions
        }
        # Stored events of an earlier version are read through their upcasters, as live.
        self.reads_as: dict[str, str] = {
            stored: subscribed
            for subscribed in self.subscribed
            for stored in self.registry.readable_as(subscribed)
        }

    @property
    def registry(self) -> Registry:
        return self.runtime.registry

    @property
    def subscribed(self) -> list[str]:
        """The event types this replay applies: the service's, kept to ``types`` when given."""
        return sorted(t for t in self.consumers if not self.types or type_matches(t, self.types))

    def streams(self) -> dict[str, list[str]]:
        """The streams holding what this replay applies (earlier versions included), each with its
        subjects."""
        by_stream: dict[str, list[str]] = {}
        for event_type in sorted(self.reads_as):
            by_stream.setdefault(EventType.parse(event_type).stream, []).append(event_type)
        return by_stream

    # -- reading ----------------------------------------------------------------------------

    def parse(self, order: int, payload: bytes | dict[str, Any]) -> _Read:
        """One message: an event this replay applies (validated), one it does not (not validated),
        or no event at all."""
        try:
            obj = json.loads(payload) if isinstance(payload, bytes) else payload
        except ValueError:
            return _Read(order, error=UNPARSEABLE)
        if not isinstance(obj, dict):
            return _Read(order, error=UNPARSEABLE)
        subscribed = self.reads_as.get(str(obj.get("type")))
        if subscribed is None:
            return _Read(order)
        try:
            return _Read(order, self.registry.upcast(self.registry.parse_obj(obj), subscribed))
        except EventParseError as exc:
            event_id = obj.get("id")
            return _Read(
                order, error=type(exc).__name__, event_id=event_id if isinstance(event_id, str) else None
            )

    def from_exports(self, paths: Iterable[Path]) -> list[_Read]:
        """The messages of export files (JSON Lines as ``tsunagu events export`` writes them); a
        directory stands for the ``*.jsonl`` files in it, by name."""
        reads: list[_Read] = []
        for path in _export_files(paths):
            try:
                for message in read_jsonl(path):
                    reads.append(self.parse(len(reads), message.payload_bytes()))
            except EventLogFormatError as exc:
                raise ValueError(f"{path}: not an exported event log ({exc})") from None
        return reads

    async def from_streams(self, nc: Client, *, batch: int = 1000) -> list[_Read]:
        """The messages of the live streams this service consumes, read by ephemeral consumers."""
        reads: list[_Read] = []

        def collect(documents: list[dict[str, Any]]) -> None:
            for document in documents:
                reads.append(self.parse(len(reads), document))

        def unparseable(_msg: Msg) -> None:
            reads.append(_Read(len(reads), None, UNPARSEABLE))

        for stream, subjects in sorted(self.streams().items()):
            await rebuild_projection(
                nc,
                stream,
                subject_filter=subjects,
                apply_batch=collect,
                batch=batch,
                on_unparseable=unparseable,
            )
        return reads

    # -- applying ---------------------------------------------------------------------------

    def apply(
        self, reads: Iterable[_Read], *, on_progress: Callable[[int, int], None] | None = None
    ) -> ReplaySummary:
        """Apply what was read, in the order it happened; ``on_progress(done, total)`` after each batch."""
        summary = ReplaySummary()
        wanted: list[_Read] = []
        for read in reads:
            summary.read += 1
            if read.error is not None:
                summary.dead_lettered += 1
                summary.dead_letters.append(DeadLetter(read.event_id, None, read.error))
            elif read.event is None:
                summary.not_wanted += 1
            else:
                wanted.append(read)
        wanted.sort(key=lambda r: (_time_of(r), r.order))
        if self.until is not None:
            kept = [r for r in wanted if _time_of(r) <= self.until]
            summary.after_until = len(wanted) - len(kept)
            wanted = kept
        events = [r.event for r in wanted if r.event is not None]
        done = 0
        for start in range(0, len(events), self.batch):
            self._apply_batch(events[start : start + self.batch], summary)
            done = min(start + self.batch, len(events))
            if on_progress is not None:
                on_progress(done, len(events))
        return summary

    def _apply_batch(self, events: list[CloudEvent[Any]], summary: ReplaySummary) -> None:
        try:
            results, raised, mails = self._transaction(events)
        except Exception as exc:
            if len(events) == 1:
                [event] = events
                summary.dead_lettered += 1
                summary.dead_letters.append(DeadLetter(event.id, event.type, type(exc).__name__))
                return
            # Isolate the failure: one transaction per event, as the durable consumer does.
            for event in events:
                self._apply_batch([event], summary)
            return
        summary.raised += raised
        summary.mails += mails
        for event, applied in zip(events, results, strict=True):
            if applied:
                summary.applied += 1
                summary.last_applied = (event.id, event.time)
            else:
                summary.skipped += 1

    def _transaction(self, events: list[CloudEvent[Any]]) -> tuple[list[bool], int, int]:
        """Claim ``events`` in their consumers' inboxes and run each new one's handler, in one
        transaction; per event whether it was applied, and how many events and mails handlers
        raised and queued (both discarded)."""
        applied: list[bool] = []
        ids_by_consumer: dict[str, list[str]] = {}
        for event in events:
            ids_by_consumer.setdefault(self.consumers[event.type].name, []).append(event.id)
        with Session(self.runtime.engine, expire_on_commit=False) as session:
            uow = self.runtime.units(session=session)
            fresh = {name: claim(session, name, ids) for name, ids in ids_by_consumer.items()}
            previous: str | None = None
            for event in events:
                consumer = self.consumers[event.type]
                if event.id not in fresh[consumer.name]:
                    applied.append(False)
                    continue
                fresh[consumer.name].discard(event.id)  # the same id twice: the second is a duplicate
                if previous is not None and previous != consumer.name:
                    # Live, each consumer has its own transactions: rows one appended are visible
                    # to the next consumer's handler, as they would be after its commit.
                    uow.flush_rows()
                previous = consumer.name
                self.clock.set(event.time)
                with uow.handling(event):
                    consumer.subscription.handler(consumer.context, uow, event)
                applied.append(True)
            raised = uow.discard_events()
            uow.flush_events()
            # Like the events: mail queued again would go out again from the rebuilt database.
            mails = len(session.execute(sa.delete(mail_outbox).returning(mail_outbox.c.id)).all())
            session.commit()
        return applied, raised, mails


def _time_of(read: _Read) -> datetime:
    assert read.event is not None
    return read.event.time


def _export_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(path.glob("*.jsonl"))
        elif path.exists():
            yield path
        else:
            raise ValueError(f"{path}: no such file or directory")


def summary_lines(summary: ReplaySummary) -> list[tuple[str, str]]:
    """The summary as label and value, for a table or a log line."""
    last = summary.last_applied
    return [
        ("read", str(summary.read)),
        ("applied", str(summary.applied)),
        ("skipped by the inbox", str(summary.skipped)),
        ("dead-lettered", str(summary.dead_lettered)),
        ("not consumed here", str(summary.not_wanted)),
        ("after --until", str(summary.after_until)),
        ("raised again, discarded", str(summary.raised)),
        ("mail queued again, discarded", str(summary.mails)),
        ("last applied", f"{last[1].isoformat()} {last[0]}" if last else "-"),
    ]


def summary_json(summary: ReplaySummary) -> str:
    """The summary as one JSON object (for scripts)."""
    last = summary.last_applied
    return json.dumps(
        {
            "read": summary.read,
            "applied": summary.applied,
            "skipped": summary.skipped,
            "dead_lettered": summary.dead_lettered,
            "not_wanted": summary.not_wanted,
            "after_until": summary.after_until,
            "raised": summary.raised,
            "mails": summary.mails,
            "last_applied": {"id": last[0], "time": last[1].isoformat()} if last else None,
            "dead_letters": [
                {"event_id": d.event_id, "type": d.event_type, "error": d.error} for d in summary.dead_letters
            ],
        }
    )
