"""A lean JetStream pull loop: pull requests sent to one inbox subscription, messages into a queue.

nats-py's ``fetch()`` spends a task and a ``wait_for`` on every message; FastStream's batch pull
loses part of a batch when nats-py times out near the deadline (messages neither acked nor naked
until AckWait). This loop keeps up to ``max_requests`` pull requests open, each asking for up to
``batch`` messages with an expiry; messages are handed over as soon as they arrive, so a consumer
never waits for a full batch. The server serves pull requests first in, first out, which lets
the loop know when a request is used up; a request that is never answered (a server restart
loses it) expires by deadline and is replaced.

Two bounds keep AckWait from running out on messages that are ours but not yet settled:
- prefetch is bounded: what is queued plus what open requests may still bring never exceeds
  ``max_buffered`` (one batch by default), so at most one batch waits while one is processed;
- every message is *held* from arrival until the consumer settles it (:meth:`PullLoop.release`),
  and a held message is kept alive with ``in_progress`` every ``keepalive`` seconds (a third of
  AckWait), however long the handler or a database outage takes.

:meth:`PullLoop.stop` ends the pull requests first: it drains the inbox subscription (the server
stops serving the requests; messages already on their way are still queued, not lost), so what
the consumer hands back afterwards goes to another replica at once.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from dataclasses import dataclass

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from ..aio import wait_set

_PENDING_MESSAGES = "Nats-Pending-Messages"
"""Header of a status message ending a pull request: how many of its batch were not delivered."""


@dataclass(slots=True)
class _Held:
    msg: Msg
    touched: float


@dataclass
class _Request:
    rid: str
    batch: int
    deadline: float
    received: int = 0


class PullLoop:
    """Keeps pull requests open for one durable consumer and queues what arrives."""

    def __init__(
        self,
        nc: Client,
        *,
        stream: str,
        durable: str,
        batch: int = 100,
        expires: float = 5.0,
        max_requests: int = 2,
        max_buffered: int | None = None,
        keepalive: float = 10.0,
    ) -> None:
        self._nc = nc
        self._next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self.batch = batch
        self.expires = expires
        self.max_requests = max_requests
        self.max_buffered = max_buffered if max_buffered is not None else batch
        self.keepalive = keepalive
        # A deque and an event rather than an asyncio.Queue: the consumer takes a batch at a time,
        # and a queue's put and get per message were a tenth of the event loop's own work.
        self._ready: deque[Msg] = deque()
        self._arrived = asyncio.Event()
        self._held: dict[int, _Held] = {}
        self._open: deque[_Request] = deque()
        self._ids = itertools.count()
        self._prefix = ""
        self._sub: Subscription | None = None
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._keepalive_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._prefix = self._nc.new_inbox()
        self._sub = await self._nc.subscribe(f"{self._prefix}.*", cb=self._on_msg, pending_msgs_limit=-1)
        self._task = asyncio.create_task(self._request_loop(), name=f"pull:{self._next_subject}")
        self._keepalive_task = asyncio.create_task(
            self._keepalive_loop(), name=f"keepalive:{self._next_subject}"
        )

    async def stop(self) -> None:
        """End the pull requests; messages already sent to us are still queued. Held messages stay
        alive until :meth:`close`."""
        await _cancel(self._task)
        self._task = None
        if self._sub is not None:
            try:
                await self._sub.drain()  # type: ignore[no-untyped-call]  # nats-py leaves it unannotated
            except Exception:  # connection closed or closing: the server ends our requests itself
                pass
            self._sub = None
        self._open.clear()

    async def close(self) -> None:
        """Stop keeping held messages alive (after the consumer settled or handed them back)."""
        await self.stop()
        await _cancel(self._keepalive_task)
        self._keepalive_task = None
        self._held.clear()

    def release(self, msg: Msg) -> None:
        """``msg`` is settled (acked, naked or terminated): stop keeping it alive."""
        self._held.pop(id(msg), None)

    @property
    def held(self) -> int:
        return len(self._held)

    @property
    def queued(self) -> int:
        """Messages arrived and not yet taken."""
        return len(self._ready)

    async def take(self, limit: int) -> list[Msg]:
        """Wait until a message has arrived, then take up to ``limit`` of those queued, in order."""
        ready = self._ready
        while not ready:
            self._arrived.clear()
            await self._arrived.wait()
        return [ready.popleft() for _ in range(min(limit, len(ready)))]

    def take_all(self) -> list[Msg]:
        """Take every message queued, without waiting."""
        taken = list(self._ready)
        self._ready.clear()
        return taken

    def wake(self) -> None:
        """Ask for more now (called when the consumer drained its queue)."""
        self._changed.set()

    async def _on_msg(self, msg: Msg) -> None:
        if not msg.reply:
            # A status message (404 no messages, 408 expired, 409 conflict) ends its request.
            rid = msg.subject.rsplit(".", 1)[-1]
            for n, req in enumerate(self._open):
                if req.rid == rid:
                    del self._open[n]
                    self._correct(req, n, (msg.headers or {}).get(_PENDING_MESSAGES))
                    break
            self._changed.set()
            return
        self._held[id(msg)] = _Held(msg, time.monotonic())
        self._ready.append(msg)
        self._arrived.set()
        if self._open:
            head = self._open[0]
            head.received += 1
            if head.received >= head.batch:
                self._open.popleft()
                self._changed.set()

    def _correct(self, ended: _Request, at: int, pending: str | None) -> None:
        """Set the count of the requests after ``ended`` right, from what the server says it did not
        deliver of it.

        Messages carry no request id, so arrivals are counted against the oldest open request;
        the server does not always serve its requests strictly in turn (around an expiry), and a
        message sent to a later request may have been counted against this one, or the reverse.
        Uncorrected, a later request the server has filled stays open here, its remainder counted
        as still to come, and takes room from new requests until its deadline: seconds in which
        nothing is asked for while messages wait in the stream."""
        if pending is None or not pending.isdigit():
            return
        delivered = ended.batch - int(pending)
        moved = ended.received - delivered  # > 0: counted here, sent to a later request
        for req in list(itertools.islice(self._open, at, None)):
            if moved == 0:
                break
            step = min(moved, req.batch - req.received) if moved > 0 else -min(-moved, req.received)
            req.received += step
            moved -= step
            if req.received >= req.batch:
                self._open.remove(req)

    async def _request_loop(self) -> None:
        while True:
            now = time.monotonic()
            while self._open and self._open[0].deadline < now:
                self._open.popleft()  # lost (server restart) or never answered
            while len(self._open) < self.max_requests and self._nc.is_connected:
                # Never ask for more than fits: queued plus still expected stays within the bound.
                expected = sum(r.batch - r.received for r in self._open)
                room = min(self.batch, self.max_buffered - len(self._ready) - expected)
                if room <= 0:
                    break
                rid = str(next(self._ids))
                req = _Request(rid=rid, batch=room, deadline=now + self.expires + 2.0)
                payload = json.dumps({"batch": room, "expires": int(self.expires * 1e9)}).encode()
                try:
                    await self._nc.publish(self._next_subject, payload, reply=f"{self._prefix}.{rid}")
                except Exception:
                    break  # disconnected: try again after a short wait
                self._open.append(req)
            self._changed.clear()
            await wait_set(self._changed, 0.5)

    async def _keepalive_loop(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive / 2)
            due = time.monotonic() - self.keepalive
            for held in [h for h in self._held.values() if h.touched <= due]:
                try:
                    await held.msg.in_progress()
                except (
                    Exception
                ):  # disconnected: the message comes back after AckWait, and the inbox knows it
                    continue
                held.touched = time.monotonic()


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
