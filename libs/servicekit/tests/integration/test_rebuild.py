"""The rebuild fast path against a real nats-server: order, a dropped delivery, an empty filter."""

from __future__ import annotations

import json
from typing import Any

import nats
import pytest
from nats.js.api import StreamConfig
from tsunagu_servicekit.messaging import rebuild

pytestmark = pytest.mark.slow

STREAM = "REBUILD_TEST"
SUBJECT = "test.rebuild.noted"


def test_reply_fields_v1_and_v2() -> None:
    v1 = "$JS.ACK.S.C.1.42.7.1700000000000000000.3"
    v2 = "$JS.ACK.hub.ACCHASH.S.C.1.42.7.1700000000000000000.3.rand"
    assert rebuild._reply_fields(v1) == (42, 7, 3)
    assert rebuild._reply_fields(v2) == (42, 7, 3)


async def _rebuild(url: str, subject: str, batch: int = 500) -> list[dict[str, Any]]:
    nc = await nats.connect(url, allow_reconnect=False)
    seen: list[dict[str, Any]] = []
    try:
        n = await rebuild.rebuild_projection(
            nc, STREAM, subject_filter=subject, apply_batch=seen.extend, batch=batch
        )
    finally:
        await nc.close()
    assert n == len(seen)
    return seen


async def _publish(url: str, count: int) -> None:
    nc = await nats.connect(url, allow_reconnect=False)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name=STREAM, subjects=["test.rebuild.>"]))
    for start in range(0, count, 500):
        futures = [
            await js.publish_async(SUBJECT, json.dumps({"data": {"n": n}}).encode())
            for n in range(start, min(start + 500, count))
        ]
        for future in futures:
            await future
    await nc.close()


async def test_rebuild_applies_every_event_in_stream_order(nats_url: str) -> None:
    await _publish(nats_url, 2_500)
    seen = await _rebuild(nats_url, SUBJECT)
    assert [e["data"]["n"] for e in seen] == list(range(2_500))


async def test_a_dropped_delivery_restarts_after_the_last_applied_event(
    nats_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow connection can lose a delivery: the consumer sequence jumps, the loop restarts just
    # after the last applied message, and nothing is lost or repeated.
    await _publish(nats_url, 2_500)
    original = rebuild._Replay._on_msg
    dropped: list[int] = []

    async def lossy(self: rebuild._Replay, msg: Any) -> None:
        if msg.reply and not dropped and json.loads(msg.data)["data"]["n"] == 1_234:
            dropped.append(1)
            return
        await original(self, msg)

    monkeypatch.setattr(rebuild._Replay, "_on_msg", lossy)
    seen = await _rebuild(nats_url, SUBJECT)
    assert dropped
    assert [e["data"]["n"] for e in seen] == list(range(2_500))


async def test_a_filter_that_matches_nothing_rebuilds_nothing(nats_url: str) -> None:
    await _publish(nats_url, 10)
    assert await _rebuild(nats_url, "test.rebuild.nothing") == []
