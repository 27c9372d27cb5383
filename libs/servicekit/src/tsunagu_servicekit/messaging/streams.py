"""Create or update JetStream streams from the contracts' definitions.

Idempotent: an existing stream is updated to the definition, so a second start changes nothing.
Operators who manage streams themselves turn this off (``manage_streams=False``).

Replicas are configuration, not contract: ``replicas`` (a service's ``stream_replicas``, ``tsunagu
streams apply --replicas``) sets them; without it an existing stream keeps the replicas it has (an
operator who raised a stream to R3 is not reset to R1), and a new one gets the definition's.

Limits and the discard policy are contract: applying a definition to an existing stream updates
them (JetStream lets both change on a live stream; its storage type cannot). Every stream refuses
new messages at its size limit (``DiscardPolicy.NEW``) rather than evicting old ones: a publisher
sees the refusal and retries, and the relay treats it as an outage of that stream (ADR 0001).
"""

from __future__ import annotations

from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from tsunagu_contracts import STREAMS, StreamDefinition


def stream_config(definition: StreamDefinition, *, replicas: int | None = None) -> StreamConfig:
    """The nats-py configuration of a stream definition (with ``replicas`` when given)."""
    return StreamConfig(
        name=definition.name,
        subjects=list(definition.subjects),
        description=definition.description,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW if definition.discard == "new" else DiscardPolicy.OLD,
        max_age=float(definition.max_age_seconds),
        max_bytes=definition.max_bytes,
        duplicate_window=float(definition.duplicate_window_seconds),
        num_replicas=replicas if replicas is not None else definition.replicas,
    )


def applied_config(
    definition: StreamDefinition, existing: StreamConfig | None, replicas: int | None = None
) -> StreamConfig:
    """What applying ``definition`` writes over ``existing`` (``None``: a new stream): replicas as
    configured, else as the stream has them, else as defined."""
    if replicas is None and existing is not None and existing.num_replicas:
        replicas = existing.num_replicas
    return stream_config(definition, replicas=replicas)


async def ensure_streams(
    js: JetStreamContext, definitions: Iterable[StreamDefinition] = STREAMS, *, replicas: int | None = None
) -> list[str]:
    """Create missing streams and update existing ones; returns the names applied."""
    applied = []
    for definition in definitions:
        try:
            info = await js.stream_info(definition.name)
        except NotFoundError:
            await js.add_stream(applied_config(definition, None, replicas))
        else:
            await js.update_stream(applied_config(definition, info.config, replicas))
        applied.append(definition.name)
    return applied
