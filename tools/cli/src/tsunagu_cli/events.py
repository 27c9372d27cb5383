"""``tsunagu events``: watch events live, export a stream to JSON lines, replay an export.

All reads go through ephemeral ordered consumers (nothing durable is left on the server, the
services' consumers are untouched). Exports use the service kit's event-log line format, so an
export made here can be replayed by the tests and the other way round. Replays keep each
message's id as ``Nats-Msg-Id``, so JetStream's de-duplication window drops what is already there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text
from tsunagu_contracts import DLQ_STREAM, REGISTRY, STREAMS, EventParseError
from tsunagu_servicekit.eventlog import EventLogFormatError, ExportedMessage

from .common import BrokerUnavailable, CliError, connect, display_url, err_console, tokyo_time
from .common import console as default_console
from .reader import StreamReader, stored_time

_FULL_TYPE_RE = re.compile(r"\.v[1-9][0-9]*$")
_EVENT_STREAMS = tuple(s.name for s in STREAMS if s.name != DLQ_STREAM.name)


# -- subject filters -------------------------------------------------------------------------------


def type_filter(prefix: str) -> str:
    """``--type`` to a subject filter: a full type is exact, a shorter prefix matches everything below it.

    ``tsunagu.intake`` -> ``tsunagu.intake.>``; ``tsunagu.intake.case.opened.v1`` stays as is;
    filters with wildcards are taken as given.
    """
    p = prefix.strip().strip(".")
    if not p:
        raise CliError("--type: empty prefix")
    tokens = p.split(".")
    if "*" in tokens or ">" in tokens:
        return p
    if _FULL_TYPE_RE.search(p) and len(tokens) == 5:
        return p
    return f"{p}.>"


def _tokens_overlap(a: list[str], b: list[str]) -> bool:
    for x, y in zip(a, b, strict=False):
        if x == ">" or y == ">":
            return True
        if x != y and "*" not in (x, y):
            return False
    return len(a) == len(b)


def subjects_overlap(a: str, b: str) -> bool:
    """Whether two subject filters can match a common subject."""
    return _tokens_overlap(a.split("."), b.split("."))


def _is_subset(inner: str, outer: str) -> bool:
    """Whether every subject ``inner`` matches is also matched by ``outer``."""
    i_tokens, o_tokens = inner.split("."), outer.split(".")
    for idx, o in enumerate(o_tokens):
        if o == ">":
            return len(i_tokens) > idx
        if idx >= len(i_tokens):
            return False
        t = i_tokens[idx]
        if o == "*":
            if t == ">":
                return False
            continue
        if t != o:
            return False
    return len(i_tokens) == len(o_tokens)


def _minimal(filters: Sequence[str]) -> list[str]:
    """Drop filters covered by another one (JetStream rejects overlapping filter lists)."""
    kept: list[str] = []
    for f in dict.fromkeys(filters):
        if any(_is_subset(f, k) for k in kept):
            continue
        kept = [k for k in kept if not _is_subset(k, f)]
        kept.append(f)
    return kept


async def tail_targets(
    js: JetStreamContext, types: Sequence[str] = (), stream: str | None = None
) -> list[tuple[str, list[str]]]:
    """Which streams to watch and with which filters, for ``--type`` prefixes and ``--stream``."""
    filters = _minimal([type_filter(t) for t in types])
    present = {info.config.name: list(info.config.subjects or []) for info in await js.streams_info()}
    if stream is not None:
        if stream not in present:
            raise CliError(f"no stream named {stream} (see `tsunagu streams list`)")
        candidates = [stream]
    else:
        candidates = [name for name in _EVENT_STREAMS if name in present]
        if not candidates:
            raise CliError(
                "none of the event streams exists yet: run `tsunagu up` or `tsunagu streams apply`"
            )
    targets: list[tuple[str, list[str]]] = []
    for name in candidates:
        subjects = present[name]
        if not filters:
            targets.append((name, subjects))
            continue
        wanted = [f for f in filters if any(subjects_overlap(f, s) for s in subjects)]
        if wanted:
            targets.append((name, wanted))
    if not targets:
        where = f"stream {stream}" if stream else "any event stream"
        raise CliError(f"--type {' '.join(types)}: matches no subject of {where}")
    return targets


# -- one message, for people -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EventLine:
    """What ``events tail`` shows of one message."""

    stream: str
    seq: int
    subject: str
    time: datetime
    type: str | None = None
    id: str | None = None
    correlation: str | None = None
    entity: str | None = None
    data: str | None = None
    error: str | None = None
    """Error class when the payload is not a valid event (its content is never shown)."""

    def render(self, data_width: int = 160) -> Text:
        text = Text(no_wrap=False)
        text.append(tokyo_time(self.time), style="dim")
        text.append("  ")
        text.append(f"{self.stream}#{self.seq}", style="dim cyan")
        text.append("  ")
        if self.error is not None:
            text.append(self.subject, style="bold")
            text.append("  ")
            text.append(f"unparseable: {self.error}", style="bold red")
            return text
        text.append(self.type or self.subject, style="bold green")
        text.append(f"  id={self.id}", style="")
        text.append(f"  corr={self.correlation}", style="magenta")
        if self.entity:
            text.append(f"  subject={self.entity}", style="yellow")
        if self.subject != self.type:
            text.append(f"  nats={self.subject}", style="dim")
        if self.data is not None:
            data = self.data if len(self.data) <= data_width else self.data[: data_width - 1] + "…"
            text.append("  ")
            text.append(data, style="dim")
        return text


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def describe(msg: Msg) -> EventLine:
    meta = msg.metadata
    stream, seq, subject = meta.stream, meta.sequence.stream, msg.subject
    try:
        event = REGISTRY.parse(msg.data)
    except EventParseError as exc:
        return EventLine(
            time=stored_time(msg), error=type(exc).__name__, stream=stream, seq=seq, subject=subject
        )
    return EventLine(
        time=event.time,
        type=event.type,
        id=event.id,
        correlation=event.correlationid,
        entity=event.subject,
        data=compact_json(event.data.model_dump(mode="json")),
        stream=stream,
        seq=seq,
        subject=subject,
    )


async def tail_events(
    js: JetStreamContext,
    emit: Callable[[EventLine], None],
    *,
    types: Sequence[str] = (),
    stream: str | None = None,
    from_start: bool = False,
    limit: int | None = None,
    ready: Callable[[list[tuple[str, list[str]]]], None] | None = None,
    is_closed: Callable[[], bool] | None = None,
) -> int:
    """Show events as they arrive (after the history with ``from_start``); returns how many were shown.

    One ephemeral ordered consumer per stream watched; runs until ``limit`` events or cancellation,
    or until ``is_closed()`` says the connection is gone (then :class:`BrokerUnavailable`).
    """
    targets = await tail_targets(js, types, stream)
    queue: asyncio.Queue[Msg] = asyncio.Queue()

    async def on_msg(msg: Msg) -> None:
        queue.put_nowait(msg)

    subs = []
    try:
        for name, filters in targets:
            config = ConsumerConfig(
                description="tsunagu cli: events tail",
                deliver_policy=DeliverPolicy.ALL if from_start else DeliverPolicy.NEW,
                inactive_threshold=5.0,  # removed by the server soon after we stop watching
            )
            if len(filters) > 1:
                config.filter_subjects = filters
            subs.append(
                await js.subscribe(filters[0], stream=name, cb=on_msg, ordered_consumer=True, config=config)
            )
        if ready is not None:
            ready(targets)
        shown = 0
        while limit is None or shown < limit:
            try:
                # asyncio.timeout, not wait_for: Ctrl-C must not be swallowed by a message arriving
                async with asyncio.timeout(1.0):
                    msg = await queue.get()
            except TimeoutError:
                if is_closed is not None and is_closed():
                    raise BrokerUnavailable("lost the connection to the broker") from None
                continue
            emit(describe(msg))
            shown += 1
        return shown
    finally:
        for sub in subs:
            with contextlib.suppress(nats.errors.Error, OSError):
                await sub.unsubscribe()


# -- export ----------------------------------------------------------------------------------------


def exported_message(msg: Msg) -> ExportedMessage:
    """One stored message as an event-log line record."""
    meta = msg.metadata
    return ExportedMessage.from_payload(
        msg.subject,
        msg.data,
        headers=msg.headers,
        seq=meta.sequence.stream,
        time=stored_time(msg),
    )


@dataclass(frozen=True, slots=True)
class ExportResult:
    count: int
    first_seq: int | None
    last_seq: int | None
    incomplete: bool
    """The broker went quiet before the bound was reached (the file may lack the last messages)."""


async def export_stream(
    js: JetStreamContext,
    stream: str,
    out: TextIO,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    on_total: Callable[[int], None] | None = None,
    on_message: Callable[[], None] | None = None,
    idle_timeout: float = 10.0,
) -> ExportResult:
    """Write ``stream`` as JSON lines in stream order.

    From its first message (or ``since``) to its last one when the export starts (or ``until``).
    """
    count = 0
    first: int | None = None
    last: int | None = None
    async with StreamReader(js, stream, since=since, until=until, idle_timeout=idle_timeout) as reader:
        if on_total is not None:
            on_total(reader.total)
        async for msg in reader:
            out.write(exported_message(msg).to_line())
            out.write("\n")
            seq = msg.metadata.sequence.stream
            first = seq if first is None else first
            last = seq
            count += 1
            if on_message is not None:
                on_message()
        incomplete = reader.stopped_idle
    out.flush()
    return ExportResult(count=count, first_seq=first, last_seq=last, incomplete=incomplete)


# -- replay ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplayResult:
    published: int
    duplicates: int


def read_records(lines: Iterable[str], source: str = "input") -> Iterable[ExportedMessage]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = ExportedMessage.from_line(line)
            if record.is_raw:
                record.payload_bytes()  # invalid base64 is reported here, before anything is published
        except EventLogFormatError:
            raise CliError(f"{source}:{number}: not a line of an exported event log") from None
        yield record


def _no_stream(subject: str) -> CliError:
    return CliError(
        f"no stream captures {subject}: create the streams first (`tsunagu streams apply`), then replay again"
    )


async def replay_records(
    js: JetStreamContext,
    records: Iterable[ExportedMessage],
    *,
    pace: float = 0.0,
    rate: float | None = None,
    on_message: Callable[[bool], None] | None = None,
    window: int = 256,
    ack_timeout: float = 10.0,
) -> ReplayResult:
    """Publish records in order, keeping their ids; counts new messages and duplicates the broker dropped.

    Without pacing, publishes are pipelined (a window of unacknowledged ones, in order on one
    connection); with ``pace`` (seconds between messages) or ``rate`` (messages per second) each
    publish is awaited before the next is due.
    """
    interval = max(pace, (1.0 / rate) if rate else 0.0)
    published = duplicates = 0

    def count(duplicate: bool) -> None:
        nonlocal published, duplicates
        if duplicate:
            duplicates += 1
        else:
            published += 1
        if on_message is not None:
            on_message(duplicate)

    if interval > 0:
        next_due = time.monotonic()
        for record in records:
            delay = next_due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            next_due = max(next_due + interval, time.monotonic())
            try:
                ack = await js.publish(
                    record.subject, record.payload_bytes(), headers=record.publish_headers()
                )
            except nats.js.errors.NoStreamResponseError:
                raise _no_stream(record.subject) from None
            count(bool(ack.duplicate))
        return ReplayResult(published, duplicates)

    pending: deque[tuple[str, asyncio.Future[Any]]] = deque()

    async def settle(upto: int) -> None:
        while len(pending) > upto:
            subject, fut = pending.popleft()
            try:
                ack = await asyncio.wait_for(fut, timeout=ack_timeout)
            except nats.js.errors.NoStreamResponseError:
                raise _no_stream(subject) from None
            except TimeoutError:
                raise CliError(f"the broker did not acknowledge a message on {subject} in time") from None
            count(bool(ack.duplicate))

    try:
        for record in records:
            fut = await js.publish_async(
                record.subject, record.payload_bytes(), headers=record.publish_headers()
            )
            pending.append((record.subject, fut))
            await settle(window)
        await settle(0)
    finally:
        for _subject, fut in pending:
            fut.cancel()
    return ReplayResult(published, duplicates)


# -- Typer glue helpers ----------------------------------------------------------------------------


async def events_tail_command(
    nats_url: str,
    *,
    types: Sequence[str] = (),
    stream: str | None = None,
    from_start: bool = False,
    limit: int | None = None,
    console: Console | None = None,
) -> int:
    out = console or default_console
    width = max(40, out.width - 20) if out.is_terminal else 400

    def ready(targets: list[tuple[str, list[str]]]) -> None:
        watched = "; ".join(f"{name} ({', '.join(f)})" for name, f in targets)
        err_console.print(
            f"[dim]Watching {escape(watched)}{' from the start' if from_start else ''}. Ctrl-C stops.[/]"
        )

    async with connect(nats_url) as (nc, js):
        return await tail_events(
            js,
            lambda line: out.print(line.render(width), soft_wrap=True),
            types=types,
            stream=stream,
            from_start=from_start,
            limit=limit,
            ready=ready,
            is_closed=lambda: nc.is_closed,
        )


async def events_export_command(
    nats_url: str,
    stream: str,
    out: TextIO,
    *,
    since: datetime | None,
    until: datetime | None,
    where: str,
    status: Console,
) -> ExportResult:
    async with connect(nats_url) as (_nc, js):
        try:
            await js.stream_info(stream)
        except nats.js.errors.NotFoundError:
            raise CliError(f"no stream named {stream} (see `tsunagu streams list`)") from None
        with Progress(
            TextColumn("[bold]export[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=status,
        ) as progress:
            task = progress.add_task(stream, total=None)
            result = await export_stream(
                js,
                stream,
                out,
                since=since,
                until=until,
                on_total=lambda total: progress.update(task, total=total),
                on_message=lambda: progress.advance(task),
            )
            progress.update(task, total=result.count, completed=result.count)
    span = f" (seq {result.first_seq}..{result.last_seq})" if result.count else ""
    status.print(f"Exported {result.count} message(s) from {stream}{span} to {escape(where)}.")
    if result.incomplete:
        status.print(
            "[yellow]The broker went quiet before the end of the stream: the export may be incomplete.[/]"
        )
    return result


async def events_replay_command(
    nats_url: str,
    records: Iterable[ExportedMessage],
    *,
    total: int | None,
    name: str,
    pace: float = 0.0,
    rate: float | None = None,
    console: Console | None = None,
) -> ReplayResult:
    out = console or default_console
    async with connect(nats_url) as (_nc, js):
        with Progress(
            TextColumn("[bold]replay[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("new {task.fields[new]}  duplicate {task.fields[dup]}"),
            TimeElapsedColumn(),
            console=out,
        ) as progress:
            task = progress.add_task(name, total=total, new=0, dup=0)
            counts = {"new": 0, "dup": 0}

            def on_message(duplicate: bool) -> None:
                counts["dup" if duplicate else "new"] += 1
                progress.update(task, advance=1, new=counts["new"], dup=counts["dup"])

            result = await replay_records(js, records, pace=pace, rate=rate, on_message=on_message)
    out.print(
        f"Replayed {result.published + result.duplicates} message(s) to {display_url(nats_url)}: "
        f"{result.published} published, {result.duplicates} duplicate(s) dropped by the broker."
    )
    return result
