"""Ceilings: what bare nats-py does on this machine, in this run, with the same events.

1a pipelined publish with acks; 1b ``fetch(100)`` and an ack per message; 1c ``fetch(1000)`` from a
consumer that needs no acks. Each returns messages per second.
"""

from __future__ import annotations

import time

from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from .common import RAW_STREAM, RAW_SUBJECT, publish_pipelined, rate


async def publish_ceiling(
    js: JetStreamContext, items: list[tuple[str, bytes]], window: int
) -> dict[str, float]:
    seconds = await publish_pipelined(js, RAW_SUBJECT, items, window)
    return {"count": len(items), "seconds": seconds, "msgs_per_s": rate(len(items), seconds)}


async def _drain(psub, n: int, batch: int, ack: bool) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    got = 0
    started = time.perf_counter()
    while got < n:
        msgs = await psub.fetch(min(batch, n - got) if ack else batch, timeout=5)
        if ack:
            for msg in msgs:
                await msg.ack()
        got += len(msgs)
    return got, time.perf_counter() - started


async def fetch_ack_ceiling(js: JetStreamContext, n: int, batch: int = 100) -> dict[str, float]:
    """A durable consumer like the kit's (explicit acks, 1,000 unacked at most): fetch and ack."""
    psub = await js.pull_subscribe(
        RAW_SUBJECT,
        durable="raw-fetch-ack",
        stream=RAW_STREAM,
        config=ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, max_ack_pending=1000, ack_wait=30
        ),
    )
    try:
        got, seconds = await _drain(psub, n, batch, ack=True)
    finally:
        await psub.unsubscribe()
    return {"count": got, "batch": batch, "seconds": seconds, "msgs_per_s": rate(got, seconds)}


async def fetch_noack_ceiling(js: JetStreamContext, n: int, batch: int = 1000) -> dict[str, float]:
    """A consumer with ``AckPolicy.NONE`` read with ``fetch(1000)``: the bare read rate."""
    psub = await js.pull_subscribe(
        RAW_SUBJECT,
        durable="raw-fetch-noack",
        stream=RAW_STREAM,
        config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
    )
    try:
        got, seconds = await _drain(psub, n, batch, ack=False)
    finally:
        await psub.unsubscribe()
    return {"count": got, "batch": batch, "seconds": seconds, "msgs_per_s": rate(got, seconds)}
