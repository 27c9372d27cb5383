"""``tsunagu dlq``: list, inspect and retry dead letters.

A dead letter is a message on ``tsunagu.dlq.<consumer>`` in ``TSUNAGU_DLQ``: the original payload,
unchanged, with headers saying where it came from and why it failed (error class, attempts). A
payload that failed to parse may hold personal data, so it is shown only on request.

Retrying republishes the original payload with the original headers to the original subject,
with a ``Nats-Msg-Id`` fresh for each attempt (``retry-<dlq seq>-<random>``), then deletes the dead
letter; a republish the broker calls a duplicate keeps the dead letter. The republish is addressed
to the consumer that dead-lettered it (``Tsunagu-Dlq-Retry-For``): every other consumer of the
subject receives it too and acknowledges it unread, since it had its own verdict on the event and
its inbox, pruned past a horizon, may no longer remember it.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import nats.js.errors
from nats.js import JetStreamContext
from rich.json import JSON
from rich.markup import escape
from rich.table import Table
from tsunagu_contracts import DLQ_STREAM, dlq_subject
from tsunagu_servicekit.messaging.deadletter import (
    H_ATTEMPTS,
    H_CONSUMER,
    H_ERROR,
    H_RETRY_FOR,
    H_SEQUENCE,
    H_STREAM,
    H_SUBJECT,
    H_TIME,
)

from .common import CliError, connect, console, human_bytes, tokyo_time
from .reader import StreamReader, stored_time

DLQ_PREFIX = dlq_subject("")
"""``tsunagu.dlq.``"""
RETRY_OF_HEADER = "Tsunagu-Dlq-Retry-Of"
"""Set on a retried message: the dead-letter sequence it came from (for tracing, not for logic)."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    seq: int
    consumer: str
    subject: str | None
    """The subject the message was first published on."""
    stream: str | None
    original_seq: int | None
    error: str | None
    attempts: int | None
    time: datetime | None
    size: int
    headers: dict[str, str] = field(default_factory=dict)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _time(value: str | None, fallback: datetime | None) -> datetime | None:
    if value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
    return fallback


def dead_letter(
    seq: int, subject: str, headers: dict[str, str] | None, size: int, stored: datetime | None
) -> DeadLetter:
    h = dict(headers or {})
    consumer = h.get(H_CONSUMER) or (
        subject[len(DLQ_PREFIX) :] if subject.startswith(DLQ_PREFIX) else subject
    )
    return DeadLetter(
        seq=seq,
        consumer=consumer,
        subject=h.get(H_SUBJECT),
        stream=h.get(H_STREAM),
        original_seq=_int(h.get(H_SEQUENCE)),
        error=h.get(H_ERROR),
        attempts=_int(h.get(H_ATTEMPTS)),
        time=_time(h.get(H_TIME), stored),
        size=size,
        headers=h,
    )


async def list_dead_letters(js: JetStreamContext, consumer: str | None = None) -> list[DeadLetter]:
    """Dead letters in stream order (headers only: payloads are not even fetched)."""
    subjects = [dlq_subject(consumer)] if consumer else []
    out = []
    async with StreamReader(js, DLQ_STREAM.name, subjects=subjects, headers_only=True) as reader:
        async for msg in reader:
            headers = dict(msg.headers or {})
            size = _int(headers.pop("Nats-Msg-Size", None)) or len(msg.data or b"")
            out.append(
                dead_letter(msg.metadata.sequence.stream, msg.subject, headers, size, stored_time(msg))
            )
    return out


async def get_dead_letter(js: JetStreamContext, seq: int) -> tuple[DeadLetter, bytes]:
    """One dead letter and its payload."""
    try:
        raw = await js.get_msg(DLQ_STREAM.name, seq)
    except nats.js.errors.NotFoundError:
        raise CliError(f"no dead letter with sequence {seq} in {DLQ_STREAM.name}") from None
    data = raw.data or b""
    return dead_letter(seq, raw.subject or "", raw.headers, len(data), raw.time), data


@dataclass(frozen=True, slots=True)
class RetryOutcome:
    seq: int
    status: str
    """``retried`` (republished, dead letter removed) or ``failed`` (kept; ``reason`` says why)."""
    subject: str | None = None
    reason: str | None = None


async def retry_dead_letter(js: JetStreamContext, seq: int) -> RetryOutcome:
    """Republish one dead letter to its original subject, then delete it from the dead-letter stream."""
    letter, payload = await get_dead_letter(js, seq)
    subject = letter.subject
    if not subject:
        return RetryOutcome(seq, "failed", None, f"no {H_SUBJECT} header: cannot tell where it came from")
    if subject.startswith(DLQ_PREFIX):
        return RetryOutcome(seq, "failed", subject, "original subject is itself a dead-letter subject")
    headers = restored_headers(letter.headers)
    headers[RETRY_OF_HEADER] = str(seq)
    headers[H_RETRY_FOR] = letter.consumer
    # Fresh per attempt: a retry is never dropped as the duplicate of another (a recreated
    # dead-letter stream repeats sequences). Republishing twice is harmless: consumers' inboxes
    # key on the event's own id.
    headers["Nats-Msg-Id"] = f"retry-{seq}-{uuid.uuid4().hex}"
    try:
        ack = await js.publish(subject, payload, headers=headers)
    except nats.js.errors.NoStreamResponseError:
        return RetryOutcome(seq, "failed", subject, "no stream captures the original subject")
    if ack.duplicate:
        return RetryOutcome(seq, "failed", subject, "the broker dropped the republish as a duplicate; kept")
    # NotFound: removed meanwhile by another retry, whose republish is the one that counts
    with contextlib.suppress(nats.js.errors.NotFoundError):
        await js.delete_msg(DLQ_STREAM.name, seq)
    return RetryOutcome(seq, "retried", subject)


def restored_headers(letter_headers: dict[str, str]) -> dict[str, str]:
    """The original message's headers, from a dead letter's: those it kept as they were (the
    kit's own ``Tsunagu-Dlq-*`` and the broker's directives left out)."""
    return {
        name: value
        for name, value in letter_headers.items()
        if not name.startswith("Tsunagu-Dlq-") and not name.lower().startswith("nats-")
    }


async def retry_dead_letters(
    js: JetStreamContext, seqs: list[int] | None = None, consumer: str | None = None
) -> list[RetryOutcome]:
    """Retry the given dead letters, or every one (of ``consumer``) when ``seqs`` is ``None``."""
    if seqs is None:
        seqs = [d.seq for d in await list_dead_letters(js, consumer)]
    outcomes = []
    for seq in seqs:
        if consumer is not None:
            letter, _ = await get_dead_letter(js, seq)
            if letter.consumer != consumer:
                outcomes.append(
                    RetryOutcome(seq, "failed", letter.subject, f"not a dead letter of {consumer}")
                )
                continue
        outcomes.append(await retry_dead_letter(js, seq))
    return outcomes


# -- Typer glue helpers ----------------------------------------------------------------------------


def _opt(value: object) -> str:
    return "-" if value is None else str(value)


async def dlq_list_command(nats_url: str, consumer: str | None) -> list[DeadLetter]:
    async with connect(nats_url) as (_nc, js):
        letters = await list_dead_letters(js, consumer)
    if not letters:
        console.print(f"No dead letters{f' of {consumer}' if consumer else ''}.")
        return letters
    table = Table(title=f"Dead letters in {DLQ_STREAM.name}" + (f" of {consumer}" if consumer else ""))
    table.add_column("dlq seq", justify="right", style="bold")
    table.add_column("consumer")
    table.add_column("original subject")
    table.add_column("original seq", justify="right")
    table.add_column("error", style="red")
    table.add_column("attempts", justify="right")
    table.add_column("time (Tokyo)")
    for d in letters:
        original = (
            f"{d.stream}#{d.original_seq}"
            if d.stream and d.original_seq is not None
            else _opt(d.original_seq)
        )
        table.add_row(
            str(d.seq),
            d.consumer,
            _opt(d.subject),
            original,
            _opt(d.error),
            _opt(d.attempts),
            tokyo_time(d.time) if d.time else "-",
        )
    console.print(table)
    console.print(f"{len(letters)} dead letter(s). Inspect one with `tsunagu dlq show SEQ`.")
    return letters


async def dlq_show_command(nats_url: str, seq: int, show_payload: bool) -> DeadLetter:
    async with connect(nats_url) as (_nc, js):
        letter, payload = await get_dead_letter(js, seq)
    table = Table(title=f"Dead letter {seq}", show_header=False)
    table.add_column("header", style="bold")
    table.add_column("value")
    table.add_row("consumer", letter.consumer)
    table.add_row("time (Tokyo)", tokyo_time(letter.time) if letter.time else "-")
    for key in sorted(letter.headers):
        table.add_row(escape(key), escape(letter.headers[key]))
    table.add_row("payload size", f"{human_bytes(letter.size)} ({letter.size} bytes)")
    console.print(table)
    if not show_payload:
        console.print("[dim]Payload not shown (it may hold personal data); add --payload to print it.[/]")
        return letter
    try:
        console.print(JSON.from_data(json.loads(payload)))
        return letter
    except (ValueError, RecursionError):
        pass
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        console.print("[yellow]payload is neither JSON nor UTF-8 text; its bytes:[/]")
        console.print(escape(repr(payload)), soft_wrap=True)
    else:
        console.print("[yellow]payload is not JSON; as text:[/]")
        console.print(escape(text), soft_wrap=True)
    return letter


async def dlq_retry_command(
    nats_url: str, seqs: list[int] | None, consumer: str | None
) -> list[RetryOutcome]:
    async with connect(nats_url) as (_nc, js):
        outcomes = await retry_dead_letters(js, seqs, consumer)
    for o in outcomes:
        if o.status == "failed":
            console.print(f"[red]failed[/]    #{o.seq} {escape(_opt(o.subject))}: {escape(o.reason or '')}")
        else:
            console.print(f"[green]retried[/]   #{o.seq} -> {escape(_opt(o.subject))}")
    retried = sum(1 for o in outcomes if o.status != "failed")
    failed = len(outcomes) - retried
    console.print(f"{retried} retried, {failed} failed" + ("" if outcomes else " (no dead letters)") + ".")
    return outcomes
