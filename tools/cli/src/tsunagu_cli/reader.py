"""Bounded reads of a stream through an ephemeral ordered consumer.

``events export`` and ``dlq list`` read a stream from its start (or a start time) up to the last
message that was there when they began, then stop: they never wait for messages that may never
come. The consumer is ephemeral (ordered push consumer, no acks, in memory), so reading leaves
nothing behind on the server and never disturbs the services' durable consumers.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from .common import CliError

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def stored_time(msg: Msg) -> datetime:
    """When the stream stored ``msg``, exact to the microsecond.

    nats-py's ``metadata.timestamp`` goes through a float and may round up past a time the user
    typed (or read from another message), which would make ``--until`` drop that very message.
    """
    tokens = (msg.reply or "").split(".")
    try:
        ns = int(tokens[7] if len(tokens) == 9 else tokens[Msg.Ack.Timestamp])
    except (IndexError, ValueError):
        return msg.metadata.timestamp
    return _EPOCH + timedelta(microseconds=ns // 1000)


class StreamReader:
    """Messages of one stream in stream order, from the start (or ``since``) to the bound.

    The bound is the stream's last sequence when the read starts, and ``until`` (stream time)
    when given. ``total`` is the number of messages expected, known once the reader is open.
    Use as ``async with StreamReader(...) as reader: async for msg in reader: ...``.
    """

    def __init__(
        self,
        js: JetStreamContext,
        stream: str,
        *,
        subjects: Sequence[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        headers_only: bool = False,
        idle_timeout: float = 10.0,
    ) -> None:
        self.js = js
        self.stream = stream
        self.subjects = list(subjects)
        self.since = since
        self.until = until
        self.headers_only = headers_only
        self.idle_timeout = idle_timeout
        self.total = 0
        self.last_seq = 0
        self.stopped_idle = False
        """True when the read ended because the broker went quiet before the bound (incomplete)."""
        self._sub: JetStreamContext.PushSubscription | None = None
        self._empty = False

    async def __aenter__(self) -> StreamReader:
        try:
            info = await self.js.stream_info(self.stream)
        except nats.js.errors.NotFoundError:
            raise CliError(f"no stream named {self.stream} (see `tsunagu streams list`)") from None
        state = info.state
        self.last_seq = state.last_seq
        if state.messages == 0:
            self._empty = True
            return self
        filters = self.subjects or list(info.config.subjects or [])
        config = ConsumerConfig(
            description="tsunagu cli: bounded read",
            deliver_policy=DeliverPolicy.BY_START_TIME if self.since else DeliverPolicy.ALL,
            opt_start_time=self.since,
            headers_only=self.headers_only or None,
            inactive_threshold=5.0,  # removed by the server soon after the read
        )
        if len(filters) > 1:
            config.filter_subjects = filters
        self._sub = await self.js.subscribe(
            filters[0] if filters else ">",
            stream=self.stream,
            ordered_consumer=True,
            config=config,
            idle_heartbeat=2.0,
        )
        consumer = await self._sub.consumer_info()
        delivered = consumer.delivered.consumer_seq if consumer.delivered is not None else 0
        pending = (consumer.num_pending or 0) + (delivered or 0)
        if pending == 0:
            self._empty = True
        elif self.subjects or self.since:
            self.total = pending
        else:
            self.total = state.messages
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._sub is not None:
            with contextlib.suppress(nats.errors.Error):
                await self._sub.unsubscribe()
            self._sub = None

    def __aiter__(self) -> AsyncIterator[Msg]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[Msg]:
        if self._empty or self._sub is None:
            return
        while True:
            try:
                msg = await self._sub.next_msg(timeout=self.idle_timeout)
            except nats.errors.TimeoutError:
                self.stopped_idle = True
                return
            meta = msg.metadata
            seq = meta.sequence.stream
            if seq > self.last_seq:
                return
            if self.until is not None and stored_time(msg) > self.until:
                return
            yield msg
            if seq >= self.last_seq or meta.num_pending == 0:
                return
