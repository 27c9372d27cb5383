"""Peers: what an application written with plain FastStream 0.7 gets on the same stream.

2a ``plain_peer``: a pull subscriber that handles one message per call (``PullSub(batch_size=100)``),
parses the CloudEvent into the same pydantic envelope the kit validates, and touches no database.
2b ``batch_peer``: a batch pull subscriber (``PullSub(batch=True, batch_size=1000)``) writing the
rows the rebuild writes, one SQLite transaction (Core ``executemany``) per batch.

Both ack after the handler (``AckPolicy.ACK``); the clock runs from the first handler call to the
N-th, as for the kit's consumer.

Not ``from __future__ import annotations``: FastStream reads the handlers' annotations at runtime.
"""

import asyncio
import time
from collections.abc import Callable
from typing import Any

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, PullSub

from .benchapp import Envelope
from .common import RAW_STREAM, RAW_SUBJECT, rate


class _Clock:
    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self.first: float | None = None
        self.last: float | None = None
        self.done = asyncio.Event()

    def start(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def add(self, k: int = 1) -> None:
        self.count += k
        if self.count >= self.n and self.last is None:
            self.last = time.perf_counter()
            self.done.set()

    def result(self) -> dict[str, float]:
        seconds = (self.last or time.perf_counter()) - (self.first or time.perf_counter())
        return {"count": self.count, "seconds": seconds, "msgs_per_s": rate(self.count, seconds)}


async def _run(broker: NatsBroker, clock: _Clock, timeout: float) -> dict[str, float]:
    await broker.start()
    try:
        await asyncio.wait_for(clock.done.wait(), timeout)
    except TimeoutError:
        pass
    finally:
        await broker.stop()
    result = clock.result()
    result["complete"] = float(clock.count >= clock.n)
    return result


async def plain_peer(url: str, n: int, *, timeout: float = 300.0) -> dict[str, float]:
    broker = NatsBroker(url, logger=None)
    clock = _Clock(n)

    @broker.subscriber(
        RAW_SUBJECT,
        stream=JStream(RAW_STREAM, declare=False),
        pull_sub=PullSub(batch_size=100, timeout=1.0),
        durable="peer-plain",
        ack_policy=AckPolicy.ACK,
    )
    async def handle(event: Envelope) -> None:  # type: ignore[valid-type]
        clock.start()
        clock.add()

    return await _run(broker, clock, timeout)


async def batch_peer(
    url: str, n: int, apply_batch: Callable[[list[dict[str, Any]]], None], *, timeout: float = 300.0
) -> dict[str, float]:
    broker = NatsBroker(url, logger=None)
    clock = _Clock(n)

    @broker.subscriber(
        RAW_SUBJECT,
        stream=JStream(RAW_STREAM, declare=False),
        pull_sub=PullSub(batch=True, batch_size=1000, timeout=1.0),
        durable="peer-batch",
        ack_policy=AckPolicy.ACK,
    )
    async def handle(events: list[dict[str, Any]]) -> None:
        clock.start()
        apply_batch(events)
        clock.add(len(events))

    return await _run(broker, clock, timeout)
