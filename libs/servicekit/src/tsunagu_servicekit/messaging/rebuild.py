"""The replay fast path: rebuild a projection from a stream with bare nats-py and SQLAlchemy Core.

Replay is where users wait (a new projection, a repaired one, a test fed a recorded stream), so
it has its own path instead of the durable consumer's parse → inbox → effect → ack per message.
Rebuilding means reading another service's stream with a new consumer: it runs with the stream
owner's rights (architecture §7), not a service's production credentials.

How it is fast:
- an ephemeral consumer that needs no acks (``AckPolicy.NONE``, deliver all, memory storage,
  removed when done and by the server after ``inactive_threshold`` if the process dies);
- a raw pull loop like ``messaging.pull``: one inbox subscription with a callback, up to two
  ``CONSUMER.MSG.NEXT`` requests of ``batch`` messages open, no ``fetch()`` (which spends a task
  and a ``wait_for`` per message) and no per-message span;
- ``json.loads`` per message, then ``apply_batch`` on a list of documents — one transaction of
  ``executemany`` per call (1,000–5,000 rows) in a worker thread, while the next batch arrives.

Order and completeness: messages are applied in stream order; the consumer sequence must have no
gap (a gap — a message the server dropped on a slow connection — restarts the consumer just
after the last stream sequence applied, as an ordered consumer does). The rebuild ends when a
message reports no more pending: it replays what the stream held when it reached the end.

A message that is not JSON is not skipped: it is counted and copied to the dead-letter stream
(``tsunagu.dlq.<dead_letter_as>``, error ``MalformedEventError``), as the durable consumer does, and
the rebuild goes on. A dead letter the broker does not take stops the rebuild.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from ..aio import wait_set
from ..logging import get_logger
from ..metrics import DEAD_LETTERS
from .deadletter import publish_dead_letter

ApplyBatch = Callable[[list[dict[str, Any]]], None]
UNPARSEABLE = "MalformedEventError"

_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild did: messages applied, and messages dead-lettered because they were not JSON."""

    applied: int
    dead_lettered: int = 0


MAX_RESTARTS = 5
"""Consumer restarts in a row that apply nothing before the rebuild gives up."""


def _reply_fields(reply: str) -> tuple[int, int, int]:
    """``(stream seq, consumer seq, pending)`` from a JetStream reply subject (v1 and v2 forms)."""
    tokens = reply.split(".")
    if len(tokens) == 9:
        return int(tokens[5]), int(tokens[6]), int(tokens[8])
    return int(tokens[7]), int(tokens[8]), int(tokens[10])


class _Replay:
    """One consumer generation: its inbox, its open requests, what arrived."""

    def __init__(self, nc: Client, stream: str, consumer: str, batch: int, max_buffered: int) -> None:
        self.nc = nc
        self.next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self.batch = batch
        self.max_buffered = max_buffered
        self.expires = 5.0
        self.prefix = nc.new_inbox()
        self.sub: Subscription | None = None
        # Open pull requests, oldest first: [request id, messages still due, deadline]. The server
        # serves them in order, and a message carries the stream subject, not the request's, so
        # messages are counted against the oldest one; a status message names its request.
        self.open: deque[list[Any]] = deque()
        self.rid = 0
        self.buffer: list[dict[str, Any]] = []
        self.unparseable: list[Msg] = []
        self.last_sseq = 0
        self.last_cseq = 0
        self.finished = False
        self.gap = False
        self.changed = asyncio.Event()
        self.last_activity = time.monotonic()

    async def start(self) -> None:
        self.sub = await self.nc.subscribe(f"{self.prefix}.*", cb=self._on_msg, pending_msgs_limit=-1)

    async def stop(self) -> None:
        if self.sub is not None:
            try:
                await self.sub.unsubscribe()
            except Exception:  # connection gone: nothing to undo
                pass
            self.sub = None

    async def _on_msg(self, msg: Msg) -> None:
        self.last_activity = time.monotonic()
        if not msg.reply:  # status (404 no messages, 408 expired, 409): that request is over
            rid = msg.subject[len(self.prefix) + 1 :]
            for request in self.open:
                if request[0] == rid:
                    self.open.remove(request)
                    break
            self.changed.set()
            return
        if self.finished or self.gap:
            return
        sseq, cseq, pending = _reply_fields(msg.reply)
        if cseq != self.last_cseq + 1:
            self.gap = True
            self.changed.set()
            return
        self.last_cseq = cseq
        self.last_sseq = sseq
        try:
            self.buffer.append(json.loads(msg.data))
        except ValueError:  # not JSON (nor UTF-8): dead-lettered by the loop, never skipped
            self.unparseable.append(msg)
        if self.open:
            head = self.open[0]
            head[1] -= 1
            if head[1] <= 0:
                self.open.popleft()
                self.changed.set()
        if pending == 0:
            self.finished = True
            self.changed.set()
        elif len(self.buffer) >= self.batch:
            self.changed.set()

    async def request_more(self) -> None:
        now = time.monotonic()
        while self.open and self.open[0][2] < now:
            self.open.popleft()  # never answered (server restart): replace it
        outstanding = sum(r[1] for r in self.open)
        while (
            not self.finished
            and len(self.open) < 2
            and len(self.buffer) + outstanding + self.batch <= self.max_buffered
        ):
            self.rid += 1
            rid = str(self.rid)
            self.open.append([rid, self.batch, now + self.expires + 2.0])
            outstanding += self.batch
            request = json.dumps({"batch": self.batch, "expires": int(self.expires * 1e9)}).encode()
            await self.nc.publish(self.next_subject, request, reply=f"{self.prefix}.{rid}")


async def _create_consumer(
    nc: Client, stream: str, subject_filters: Sequence[str], start_seq: int
) -> tuple[str, int]:
    js = nc.jetstream()
    name = f"rebuild-{nc.new_inbox().rsplit('.', 1)[-1]}"
    one = len(subject_filters) == 1
    config = ConsumerConfig(
        name=name,
        description="projection rebuild",
        filter_subject=subject_filters[0] if one else None,
        filter_subjects=None if one else list(subject_filters),
        ack_policy=AckPolicy.NONE,
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE if start_seq > 1 else DeliverPolicy.ALL,
        opt_start_seq=start_seq if start_seq > 1 else None,
        inactive_threshold=30.0,
        mem_storage=True,
        num_replicas=1,
    )
    info = await js.add_consumer(stream, config)
    return name, int(info.num_pending or 0)


async def _delete_consumer(nc: Client, stream: str, name: str) -> None:
    try:
        await nc.jetstream().delete_consumer(stream, name)
    except Exception:  # already gone (inactive threshold) or connection closed
        pass


async def _check_idle(nc: Client, stream: str, name: str, replay: _Replay) -> None:
    """Nothing arrived for a while: messages removed meanwhile (age limit) or the consumer gone."""
    replay.last_activity = time.monotonic()
    try:
        info = await nc.jetstream().consumer_info(stream, name)
    except NotFoundError:
        replay.gap = True  # recreate it after the last applied message
        return
    if not info.num_pending:
        replay.finished = True


async def rebuild_projection(
    nc: Client,
    stream: str,
    *,
    subject_filter: str | Sequence[str],
    apply_batch: ApplyBatch,
    batch: int = 1000,
    dead_letter_as: str = "rebuild",
    on_unparseable: Callable[[Msg], None] | None = None,
) -> Rebuilt:
    """Replay every message of ``stream`` matching ``subject_filter`` (one filter or several) into
    ``apply_batch``.

    ``apply_batch`` receives the parsed JSON documents in stream order, a list of ``batch`` to
    ``4 * batch`` at a time, in a worker thread; it should write them in one transaction
    (SQLAlchemy Core ``executemany``) and must be idempotent if a rebuild can be retried. A
    message that is not JSON goes to the dead-letter stream as ``dead_letter_as``'s, or to
    ``on_unparseable`` instead when given (a replay into a private database keeps the live
    dead-letter stream out of it). Raises ``RuntimeError`` if consumers keep failing before
    delivering anything.
    """
    filters = [subject_filter] if isinstance(subject_filter, str) else list(subject_filter)
    if not filters:
        raise ValueError("rebuild_projection needs at least one subject filter")
    applied = 0
    dead = 0
    start_seq = 1
    fruitless = 0
    js = nc.jetstream()
    while True:
        name, pending = await _create_consumer(nc, stream, filters, start_seq)
        if pending == 0:
            await _delete_consumer(nc, stream, name)
            return Rebuilt(applied, dead)
        replay = _Replay(nc, stream, name, batch, max_buffered=4 * batch)
        await replay.start()
        try:
            while True:
                await replay.request_more()
                replay.changed.clear()
                dead += await _dead_letter(js, replay, dead_letter_as, on_unparseable)
                if replay.buffer and (len(replay.buffer) >= batch or replay.finished or replay.gap):
                    chunk, replay.buffer = replay.buffer, []
                    await asyncio.to_thread(apply_batch, chunk)
                    applied += len(chunk)
                    continue
                if replay.finished or replay.gap:
                    break
                idle = not await wait_set(replay.changed, 0.5)
                if idle and time.monotonic() - replay.last_activity > replay.expires + 2.0:
                    await _check_idle(nc, stream, name, replay)
            dead += await _dead_letter(js, replay, dead_letter_as, on_unparseable)
        finally:
            await replay.stop()
            await _delete_consumer(nc, stream, name)
        if replay.finished:
            return Rebuilt(applied, dead)
        # A gap or a lost consumer: carry on just after the last applied message.
        fruitless = 0 if replay.last_sseq else fruitless + 1
        if fruitless >= MAX_RESTARTS:
            raise RuntimeError(f"rebuild of {stream} made no progress after {MAX_RESTARTS} consumer restarts")
        start_seq = replay.last_sseq + 1 if replay.last_sseq else start_seq


async def _dead_letter(
    js: JetStreamContext, replay: _Replay, consumer: str, instead: Callable[[Msg], None] | None
) -> int:
    """Copy the messages that were not JSON to the dead-letter stream (or hand them to ``instead``);
    how many."""
    letters, replay.unparseable = replay.unparseable, []
    if instead is not None:
        for msg in letters:
            instead(msg)
        return len(letters)
    for msg in letters:
        await publish_dead_letter(js, msg, consumer=consumer, error_class=UNPARSEABLE)
        DEAD_LETTERS.labels(consumer=consumer, error_class=UNPARSEABLE).inc()
        _log.warning("rebuild dead-lettered a message", consumer=consumer, error=UNPARSEABLE)
    return len(letters)
