"""A lean JetStream pull loop: pull requests sent to one inbox subscription, messages into a queue.

nats-py's ``fetch()`` spends a task and a ``wait_for`` on every message; FastStream's batch pull
loses part of a batch when nats-py times out near the deadline (messages neither acked nor naked
until AckWait). This loop keeps up to ``max_requests`` pull requests open, each asking for up to
``batch`` messages with an expiry; messages are handed over as soon as they arrive, so a consumer
never waits for a full batch. The server serves pull requests first in, first out, which lets
the loop know when a request is used up; a request that is never answered (a server restart
loses it) expires by deadline and is replaced.
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
    ) -> None:
        self._nc = nc
        self._next_subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self.batch = batch
        self.expires = expires
        self.max_requests = max_requests
        self.max_buffered = max_buffered if max_buffered is not None else batch * 4
        self.queue: asyncio.Queue[Msg] = asyncio.Queue()
        self._open: deque[_Request] = deque()
        self._ids = itertools.count()
        self._prefix = ""
        self._sub: Subscription | None = None
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._prefix = self._nc.new_inbox()
        self._sub = await self._nc.subscribe(f"{self._prefix}.*", cb=self._on_msg, pending_msgs_limit=-1)
        self._task = asyncio.create_task(self._request_loop(), name=f"pull:{self._next_subject}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:  # connection already closed: nothing to undo
                pass
            self._sub = None

    def wake(self) -> None:
        """Ask for more now (called when the consumer drained its queue)."""
        self._changed.set()

    async def _on_msg(self, msg: Msg) -> None:
        if not msg.reply:
            # A status message (404 no messages, 408 expired, 409 conflict) ends its request.
            rid = msg.subject.rsplit(".", 1)[-1]
            for req in list(self._open):
                if req.rid == rid:
                    self._open.remove(req)
                    break
            self._changed.set()
            return
        self.queue.put_nowait(msg)
        if self._open:
            head = self._open[0]
            head.received += 1
            if head.received >= head.batch:
                self._open.popleft()
                self._changed.set()

    async def _request_loop(self) -> None:
        while True:
            now = time.monotonic()
            while self._open and self._open[0].deadline < now:
                self._open.popleft()  # lost (server restart) or never answered
            while (
                len(self._open) < self.max_requests
                and self.queue.qsize() < self.max_buffered
                and self._nc.is_connected
            ):
                rid = str(next(self._ids))
                req = _Request(rid=rid, batch=self.batch, deadline=now + self.expires + 2.0)
                payload = json.dumps({"batch": self.batch, "expires": int(self.expires * 1e9)}).encode()
                try:
                    await self._nc.publish(self._next_subject, payload, reply=f"{self._prefix}.{rid}")
                except Exception:
                    break  # disconnected: try again after a short wait
                self._open.append(req)
            self._changed.clear()
            await wait_set(self._changed, 0.5)
