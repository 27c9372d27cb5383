"""Export streams as an event log and replay one (see :mod:`tsunagu_servicekit.eventlog`) into JetStream."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats
from nats.js.errors import NoStreamResponseError, NotFoundError

from ..eventlog import ExportedMessage, read_jsonl


async def export_streams(nats_url: str, streams: tuple[str, ...]) -> list[ExportedMessage]:
    """Every message of ``streams``, stream by stream in sequence order, as exported event-log
    lines (what ``tsunagu events export`` writes); deleted sequences are skipped."""
    nc = await nats.connect(nats_url, name="tsunagu-export")
    out: list[ExportedMessage] = []
    try:
        js = nc.jetstream()
        for stream in streams:
            info = await js.stream_info(stream)
            if not info.state.messages:
                continue
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    msg = await js.get_msg(stream, seq)
                except NotFoundError:
                    continue
                out.append(ExportedMessage.from_stream_msg(msg))
    finally:
        await nc.close()
    return out


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
