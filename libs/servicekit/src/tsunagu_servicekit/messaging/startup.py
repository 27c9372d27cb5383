"""What a service asks JetStream while it starts, asked until the broker answers.

A service may start while its broker is restarting (a rolling upgrade, a node drain, the broker's
pod scheduled after the service's). The connection itself is waited for by the client (the broker
reconnects forever, see :mod:`tsunagu_servicekit.broker`); what the service then asks JetStream on
the way up (create or check streams, create or check its consumers) goes through
:func:`until_answered`, which asks again, with a growing delay and jitter and a log line per wait,
for as long as the broker does not answer:

- a request timeout, no responders (JetStream not up yet), the connection closed, reconnecting or
  stale, an OS-level connection error, JetStream temporarily unavailable (503).

It fails at once, with an error that says what to do, on a permanent refusal:

- a permissions violation the server reported for the request (:class:`BrokerPermissionError`):
  a NATS publish the user may not make is dropped by the server, so the request itself only
  times out; the server's ``-ERR`` on the same connection is what tells the two apart;
- any other JetStream API error (a bad configuration, say).

A consumer that does not exist where the operator creates consumers
(:class:`ConsumerMissingError`) is waited for a bounded while (``missing_wait``), because the
operator's job may run at the same moment as the service (a Kubernetes Job is not ordered before
a Deployment); past that bound it fails, so a consumer nobody creates is not waited for forever.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nats.errors import (
    ConnectionClosedError,
    ConnectionReconnectingError,
    NoRespondersError,
    NoServersError,
    OutboundBufferLimitError,
    StaleConnectionError,
)
from nats.errors import Error as NatsError
from nats.js.errors import ServiceUnavailableError

from ..logging import get_logger
from .backoff import backoff_delay

__all__ = [
    "BROKER_NOT_ANSWERING",
    "BrokerPermissionError",
    "ConsumerMissingError",
    "PermissionRefusals",
    "until_answered",
]

log = get_logger(__name__)

T = TypeVar("T")

BROKER_NOT_ANSWERING: tuple[type[BaseException], ...] = (
    TimeoutError,  # nats.errors.TimeoutError and asyncio's are both this class
    NoRespondersError,
    NoServersError,
    ConnectionClosedError,
    ConnectionReconnectingError,
    StaleConnectionError,
    OutboundBufferLimitError,
    ServiceUnavailableError,
    OSError,
)
"""Errors that mean "the broker did not answer (yet)", never "the broker said no"."""


class ConsumerMissingError(RuntimeError):
    """The durable consumer does not exist and this service may not create it."""


class BrokerPermissionError(RuntimeError):
    """The broker refused a start-up request for lack of permission: waiting will not help."""


class PermissionRefusals:
    """The permissions violations the server reported on a connection: its error callback.

    The server answers a publish its user may not make with ``-ERR 'Permissions Violation for
    Publish to "<subject>"'`` and drops it; the client hands that to the error callback. Subjects
    only are kept (never payloads), the newest ``keep``.
    """

    def __init__(self, keep: int = 50) -> None:
        self._seen: deque[str] = deque(maxlen=keep)
        self.count = 0

    async def __call__(self, exc: Exception) -> None:
        if isinstance(exc, NatsError) and "permissions violation" in str(exc).lower():
            self._seen.append(str(exc).removeprefix("nats: ").strip("'"))
            self.count += 1

    def since(self, mark: int) -> list[str]:
        """The violations reported after ``count`` was ``mark``."""
        new = self.count - mark
        return list(self._seen)[-new:] if new > 0 else []


async def until_answered(
    step: str,
    call: Callable[[], Awaitable[T]],
    *,
    refusals: PermissionRefusals | None = None,
    missing_wait: float = 0.0,
    base: float = 0.5,
    cap: float = 15.0,
) -> T:
    """``await call()`` until the broker answers it; see the module documentation.

    ``step`` names what is asked in the log (``"streams"``, ``"consumer <name>"``): no values.
    ``refusals`` is the connection's error callback, whose permissions violations turn a timeout
    into :class:`BrokerPermissionError`. :class:`ConsumerMissingError` is retried for
    ``missing_wait`` seconds at most, then raised.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    attempt = 0
    while True:
        mark = refusals.count if refusals is not None else 0
        try:
            result = await call()
        except ConsumerMissingError:
            waited = loop.time() - started
            if waited >= missing_wait:
                raise
            message, reason = "consumer missing; waiting for the operator to create it", "ConsumerMissing"
            limit = missing_wait - waited
        except BROKER_NOT_ANSWERING as exc:
            denied = refusals.since(mark) if refusals is not None else []
            if denied:
                raise BrokerPermissionError(
                    f"{step}: the broker refused it ({denied[-1]}); this service's NATS user may "
                    "not do this. Where the operator owns streams and consumers (production "
                    "permissions), set the service's MANAGE_STREAMS and MANAGE_CONSUMERS to false."
                ) from None
            message, reason = "broker not answering; waiting", type(exc).__name__
            limit = cap
        else:
            if attempt:
                log.info(
                    "broker answered",
                    step=step,
                    attempts=attempt + 1,
                    waited_s=round(loop.time() - started, 1),
                )
            return result
        attempt += 1
        delay = min(backoff_delay(attempt, base=base, cap=cap, jitter=0.2), limit)
        log.warning(message, step=step, error=reason, attempt=attempt, retry_in_s=round(delay, 2))
        await asyncio.sleep(delay)
