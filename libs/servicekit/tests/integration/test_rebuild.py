"""The rebuild fast path against a real nats-server: order, a dropped delivery, an empty filter."""

from __future__ import annotations

import json
from typing import Any

import nats
import pytest
from nats.js.api import StreamConfig
from tsunagu_contracts import DLQ_STREAM
from tsunagu_servicekit.messaging import rebuild
from tsunagu_servicekit.messaging.deadletter import H_CONSUMER, H_ERROR, H_SEQUENCE, H_SUBJECT
from tsunagu_servicekit.messaging.streams import ensure_streams

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
        rebuilt = await rebuild.rebuild_projection(
            nc, STREAM, subject_filter=subject, apply_batch=seen.extend, batch=batch
        )
    finally:
        await nc.close()
    assert rebuilt == rebuild.Rebuilt(applied=len(seen), dead_lettered=0)
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


async def test_a_message_that_is_not_json_is_counted_and_dead_lettered_not_skipped(nats_url: str) -> None:
    nc = await nats.connect(nats_url, allow_reconnect=False)
    try:
        js = nc.jetstream()
        await ensure_streams(js, [DLQ_STREAM])
        await js.add_stream(StreamConfig(name=STREAM, subjects=["test.rebuild.>"]))
        for n in range(3):
            await js.publish(SUBJECT, json.dumps({"data": {"n": n}}).encode())
        await js.publish(
            SUBJECT, b'{"data": {"n": "CANARY-\xe5\xb1\xb1\xe7\x94\xb0', headers={"Nats-Msg-Id": "bad-1"}
        )
        await js.publish(SUBJECT, b"\xff\xfe not even text")
        for n in range(3, 5):
            await js.publish(SUBJECT, json.dumps({"data": {"n": n}}).encode())
        seen: list[dict[str, Any]] = []
        rebuilt = await rebuild.rebuild_projection(
            nc, STREAM, subject_filter=SUBJECT, apply_batch=seen.extend, dead_letter_as="rebuild-test"
        )
        assert rebuilt == rebuild.Rebuilt(applied=5, dead_lettered=2)
        assert [e["data"]["n"] for e in seen] == list(range(5))
        info = await js.stream_info(DLQ_STREAM.name)
        assert info.state.messages == 2
        letters = [
            await js.get_msg(DLQ_STREAM.name, seq) for seq in (info.state.first_seq, info.state.last_seq)
        ]
        for letter in letters:
            headers = letter.headers or {}
            assert (headers[H_CONSUMER], headers[H_ERROR]) == ("rebuild-test", "MalformedEventError")
            assert headers[H_SUBJECT] == SUBJECT
        assert [int((m.headers or {})[H_SEQUENCE]) for m in letters] == [4, 5]
    finally:
        await nc.close()
