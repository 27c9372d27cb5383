"""Replay an exported event log (see :mod:`tsunagu_servicekit.eventlog`) into JetStream."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
from nats.js.errors import NoStreamResponseError

from ..eventlog import read_jsonl


async def replay_jsonl(path: Path, nats_url: str, *, pace: float | None = None) -> int:
    """Publish every message of an exported JSONL file to JetStream, in file order.

    Each message keeps its subject, headers and payload (so its event id) and is published with
    ``Nats-Msg-Id`` set to its id (the recorded header, else the CloudEvent ``id``): replaying a
    file twice within the stream's de-duplication window adds nothing. Every publish waits for
    its acknowledgement, so order is kept and a failure stops the replay. ``pace`` waits that
    many seconds between messages (``None``: as fast as acknowledgements allow). The streams must
    exist. Returns the number of messages published (duplicates included).
    """
    nc = await nats.connect(nats_url, name="tsunagu-replay")
    try:
        js = nc.jetstream()
        count = 0
        for message in read_jsonl(path):
            if count and pace:
                await asyncio.sleep(pace)
            try:
                await js.publish(message.subject, message.payload_bytes(), headers=message.publish_headers())
            except NoStreamResponseError as exc:
                raise RuntimeError(
                    f"no stream captures {message.subject!r} (seq {message.seq} of {path}); "
                    "create the streams first"
                ) from exc
            count += 1
        return count
    finally:
        await nc.close()
