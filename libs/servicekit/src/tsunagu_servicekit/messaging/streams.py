"""Create or update JetStream streams from the contracts' definitions.

Idempotent: an existing stream is updated to the definition, so a second start changes nothing.
Operators who manage streams themselves turn this off (``manage_streams=False``).
"""

from __future__ import annotations

from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from tsunagu_contracts import STREAMS, StreamDefinition


def stream_config(definition: StreamDefinition) -> StreamConfig:
    """The nats-py configuration of a stream definition."""
    return StreamConfig(
        name=definition.name,
        subjects=list(definition.subjects),
        description=definition.description,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=float(definition.max_age_seconds),
        max_bytes=definition.max_bytes,
        duplicate_window=float(definition.duplicate_window_seconds),
        num_replicas=definition.replicas,
    )


async def ensure_streams(
    js: JetStreamContext, definitions: Iterable[StreamDefinition] = STREAMS
) -> list[str]:
    """Create missing streams and update existing ones; returns the names applied."""
    applied = []
    for definition in definitions:
        config = stream_config(definition)
        try:
            await js.stream_info(definition.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
        applied.append(definition.name)
    return applied
