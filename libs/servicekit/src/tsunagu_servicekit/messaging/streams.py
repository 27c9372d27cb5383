"""Create or update JetStream streams from the contracts' definitions.

Idempotent: an existing stream is updated to the definition, so a second start changes nothing.
Operators who manage streams themselves turn this off (``manage_streams=False``).

Replicas are configuration, not contract: ``replicas`` (a service's ``stream_replicas``, ``tsunagu
streams apply --replicas``) sets them; without it an existing stream keeps the replicas it has (an
operator who raised a stream to R3 is not reset to R1), and a new one gets the definition's.

On a cluster, a stream whose leader's node died answers no request until its peers elect another
leader (several seconds); so does the whole JetStream API while the meta leader is elected. A
service starting then waits for the answer (:func:`until_answered`, up to
:data:`JETSTREAM_PATIENCE` seconds) instead of failing its start.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

import nats.errors
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, NotFoundError
from tsunagu_contracts import STREAMS, StreamDefinition

from ..logging import get_logger
from .backoff import backoff_delay

log = get_logger(__name__)

T = TypeVar("T")

JETSTREAM_PATIENCE = 30.0
"""Seconds a starting service keeps asking JetStream a request nobody answers (leader elections)."""

_TEMPORARILY_UNAVAILABLE = 10008  # "JetStream system temporarily unavailable"


def _unanswered(exc: BaseException) -> bool:
    """No answer in time, or JetStream says it is briefly unavailable: ask again later."""
    if isinstance(exc, nats.errors.TimeoutError):
        return True
    return isinstance(exc, APIError) and exc.err_code == _TEMPORARILY_UNAVAILABLE


async def until_answered(
    call: Callable[[], Awaitable[T]], *, what: str, patience: float = JETSTREAM_PATIENCE
) -> T:
    """``await call()`` (an idempotent JetStream request), asked again with a growing delay while
    it goes unanswered, for up to ``patience`` seconds; then the last error is raised. Any other
    error is raised at once."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    attempt = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            if not _unanswered(exc):
                raise
            attempt += 1
            delay = backoff_delay(attempt, base=0.2, cap=2.0)
            if loop.time() + delay >= deadline:
                raise
            log.warning(
                "JetStream did not answer; asking again",
                what=what,
                error=type(exc).__name__,
                attempt=attempt,
                delay=round(delay, 3),
            )
            await asyncio.sleep(delay)


def stream_config(definition: StreamDefinition, *, replicas: int | None = None) -> StreamConfig:
    """The nats-py configuration of a stream definition (with ``replicas`` when given)."""
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
    js: JetStreamContext,
    definitions: Iterable[StreamDefinition] = STREAMS,
    *,
    replicas: int | None = None,
    patience: float = JETSTREAM_PATIENCE,
) -> list[str]:
    """Create missing streams and update existing ones; returns the names applied.

    A stream that does not answer (its leader being elected) is asked again for up to
    ``patience`` seconds, from its lookup on: what a lost answer did is seen, never assumed.
    """
    applied = []
    for definition in definitions:
        ensure = functools.partial(_ensure_stream, js, definition, replicas)
        await until_answered(ensure, what=definition.name, patience=patience)
        applied.append(definition.name)
    return applied


async def _ensure_stream(js: JetStreamContext, definition: StreamDefinition, replicas: int | None) -> None:
    try:
        info = await js.stream_info(definition.name)
    except NotFoundError:
        await js.add_stream(applied_config(definition, None, replicas))
    else:
        await js.update_stream(applied_config(definition, info.config, replicas))
