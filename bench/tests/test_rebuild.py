"""The rebuild fast path: reply-subject parsing, order, a gap, an empty stream (real nats-server)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from tsunagu_servicekit.natsserver import NatsServerProcess

from bench import rebuild
from bench.common import RAW_STREAM, RAW_SUBJECT, connect, ensure_stream, make_payloads, publish_pipelined


def test_reply_fields_v1_and_v2() -> None:
    v1 = "$JS.ACK.S.C.1.42.7.1700000000000000000.3"
    v2 = "$JS.ACK.hub.ACCHASH.S.C.1.42.7.1700000000000000000.3.rand"
    assert rebuild._reply_fields(v1) == (42, 7, 3)
    assert rebuild._reply_fields(v2) == (42, 7, 3)


async def _rebuild(url: str, subject: str, batch: int = 500) -> list[dict[str, Any]]:
    nc = await connect(url, "rebuild-test")
    seen: list[dict[str, Any]] = []
    try:
        n = await rebuild.rebuild_projection(
            nc, RAW_STREAM, subject_filter=subject, apply_batch=seen.extend, batch=batch
        )
    finally:
        await nc.close()
    assert n == len(seen)
    return seen


@pytest.mark.slow
def test_rebuild_in_order_with_a_gap_and_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario(url: str) -> None:
        nc = await connect(url, "rebuild-test-setup")
        js = nc.jetstream()
        await ensure_stream(js, RAW_STREAM, ["bench.raw.>"])
        await publish_pipelined(js, RAW_SUBJECT, make_payloads(2_500), 500)
        await nc.close()

        seen = await _rebuild(url, RAW_SUBJECT)
        assert [e["data"]["n"] for e in seen] == list(range(2_500))

        # Drop one delivery on the floor, as a slow connection would: the consumer sequence jumps,
        # the loop restarts after the last applied message and nothing is lost or repeated.
        original = rebuild._Replay._on_msg
        dropped: list[int] = []

        async def lossy(self: rebuild._Replay, msg: Any) -> None:
            if msg.reply and not dropped and json.loads(msg.data)["data"]["n"] == 1_234:
                dropped.append(1)
                return
            await original(self, msg)

        monkeypatch.setattr(rebuild._Replay, "_on_msg", lossy)
        seen = await _rebuild(url, RAW_SUBJECT)
        monkeypatch.setattr(rebuild._Replay, "_on_msg", original)
        assert dropped
        assert [e["data"]["n"] for e in seen] == list(range(2_500))

        assert await _rebuild(url, "bench.raw.nothing") == []

    with NatsServerProcess(store_dir=tmp_path / "nats") as server:
        asyncio.run(scenario(server.url))
