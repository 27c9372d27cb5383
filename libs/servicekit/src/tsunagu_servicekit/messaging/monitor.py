"""Stream fullness and consumer lag, as the broker reports them, in the service's metrics.

Each service watches the streams it uses (its own, those it consumes from, and the dead-letter
stream when it has consumers) and its own durable consumers: one ``STREAM.INFO`` per stream and
one ``CONSUMER.INFO`` per consumer each interval, whatever the traffic. A stream nearing its limit
refuses new messages once there (it never evicts, ADR 0001), so ``tsunagu_stream_fullness_ratio``
is what to alert on, well before 1; ``tsunagu_consumer_lag`` says how far behind a consumer is.

Labels are stream and durable names: ids of code, never of people.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from nats.js.api import StreamInfo

from ..aio import wait_set
from ..logging import get_logger
from ..metrics import (
    CONSUMER_ACK_PENDING,
    CONSUMER_LAG,
    CONSUMER_PENDING,
    STREAM_BYTES,
    STREAM_FULLNESS,
    STREAM_MAX_BYTES,
    STREAM_MESSAGES,
)
from .relay import JetStreamProvider

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class WatchedConsumer:
    stream: str
    name: str


def fullness(info: StreamInfo) -> float:
    """How full a stream is against its limits: the larger of bytes/max_bytes and, when limited,
    messages/max_msgs (0 for a stream without limits)."""
    ratios = [0.0]
    config, state = info.config, info.state
    if config.max_bytes and config.max_bytes > 0:
        ratios.append(state.bytes / config.max_bytes)
    if config.max_msgs and config.max_msgs > 0:
        ratios.append(state.messages / config.max_msgs)
    return max(ratios)


class BrokerMonitor:
    """Refreshes the stream and consumer gauges every ``interval`` seconds until stopped."""

    def __init__(
        self,
        jetstream: JetStreamProvider,
        *,
        streams: Sequence[str],
        consumers: Sequence[WatchedConsumer],
        interval: float = 30.0,
        timeout: float = 5.0,
    ) -> None:
        self._js = jetstream
        self.streams = tuple(dict.fromkeys(streams))
        self.consumers = tuple(consumers)
        self.interval = interval
        self.timeout = timeout
        self.refreshes = 0
        """Passes completed (tests wait on it)."""

    async def refresh(self) -> list[str]:
        """Read every watched stream and consumer once and set their gauges; returns the exception
        classes of what could not be read (its gauges keep their last value)."""
        js = self._js()
        failed: list[str] = []
        for name in self.streams:
            try:
                async with asyncio.timeout(self.timeout):
                    info = await js.stream_info(name)
            except Exception as exc:
                failed.append(type(exc).__name__)
                continue
            STREAM_MESSAGES.labels(stream=name).set(info.state.messages)
            STREAM_BYTES.labels(stream=name).set(info.state.bytes)
            max_bytes = info.config.max_bytes
            STREAM_MAX_BYTES.labels(stream=name).set(max_bytes if max_bytes and max_bytes > 0 else -1)
            STREAM_FULLNESS.labels(stream=name).set(fullness(info))
        for consumer in self.consumers:
            try:
                cinfo = await js.consumer_info(consumer.stream, consumer.name, timeout=self.timeout)
            except Exception as exc:
                failed.append(type(exc).__name__)
                continue
            labels = {"stream": consumer.stream, "consumer": consumer.name}
            pending, ack_pending = cinfo.num_pending or 0, cinfo.num_ack_pending or 0
            CONSUMER_PENDING.labels(**labels).set(pending)
            CONSUMER_ACK_PENDING.labels(**labels).set(ack_pending)
            CONSUMER_LAG.labels(**labels).set(pending + ack_pending)
        self.refreshes += 1
        return failed

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                failed = await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker away: the gauges keep their last value
                failed = [type(exc).__name__]
            if failed:
                log.warning("broker metrics not refreshed", errors=sorted(set(failed)))
            await wait_set(stop, self.interval)
