"""The FastStream NATS broker every service connects through.

The broker owns the connection (reconnecting forever: a restarted nats-server is waited for,
not fatal, and so is one that is not up yet when the service starts; each wait is logged, at most
every ``CONNECT_LOG_INTERVAL`` seconds), carries FastStream's OpenTelemetry middleware, and sets
the acknowledgement policy to MANUAL for any FastStream subscriber a service declares:
FastStream's default drops a message whose handler raised, which must never be in effect here.
The kit's own consumers and relay use the broker's nats-py connection directly (see
``messaging.pull``).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Awaitable, Callable

from faststream.middlewares import AckPolicy
from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry.trace import TracerProvider

from .logging import get_logger
from .natsconnect import nats_connect_options
from .settings import ServiceSettings

log = get_logger(__name__)

CONNECT_LOG_INTERVAL = 10.0
"""Seconds between two "broker unreachable" log lines (the client retries every half second)."""

ErrorCallback = Callable[[Exception], Awaitable[None]]


def inbox_prefix(service: str) -> str:
    """``_INBOX_intake``: the reply-subject prefix the service may subscribe to."""
    return f"_INBOX_{service}"


def connection_error_logger(service: str, forward: ErrorCallback | None = None) -> ErrorCallback:
    """The connection's error callback: hands every error to ``forward`` and logs failed connection
    attempts (the server down or restarting) without flooding the log."""
    last_logged = -CONNECT_LOG_INTERVAL
    failures = 0

    async def on_error(exc: Exception) -> None:
        nonlocal last_logged, failures
        if forward is not None:
            await forward(exc)
        if not isinstance(exc, OSError):  # refused, reset, timed out: not reached
            return
        failures += 1
        now = time.monotonic()
        if now - last_logged < CONNECT_LOG_INTERVAL:
            return
        last_logged = now
        if isinstance(exc, ssl.SSLError):
            # Not an outage: the CA bundle, certificate or TLS settings do not match the server's.
            reason = getattr(exc, "verify_message", None) or exc.reason or type(exc).__name__
            log.error(
                "broker TLS handshake failed; retrying", service=service, reason=reason, failures=failures
            )
        else:
            log.warning(
                "broker unreachable; waiting", service=service, error=type(exc).__name__, failures=failures
            )

    return on_error


def create_broker(
    settings: ServiceSettings,
    tracer_provider: TracerProvider | None = None,
    *,
    error_cb: ErrorCallback | None = None,
) -> NatsBroker:
    """A broker for the servers of ``settings.nats_url`` that never gives up reconnecting;
    ``error_cb`` is told of every error the connection reports (the runtime's watches for
    permissions violations). Credentials and TLS come from :func:`nats_connect_options`."""
    options = nats_connect_options(settings)
    return NatsBroker(
        # Every server of a cluster, not only the first: a client whose one seed is down at start
        # would not connect at all, though its peers are up.
        options.servers,
        security=options.faststream_security(),
        name=f"tsunagu-{settings.service_name}",
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        # nats-py waits a float number of seconds; FastStream's annotation says int.
        reconnect_time_wait=0.5,  # type: ignore[arg-type]  # FastStream annotates int, nats-py takes float
        connect_timeout=5,
        error_cb=connection_error_logger(settings.service_name, error_cb),
        # Replies (JetStream API answers, pull deliveries, publish acks) arrive under a prefix of
        # this service's own, so NATS permissions can keep one service out of another's inbox.
        inbox_prefix=inbox_prefix(settings.service_name),
        ack_policy=AckPolicy.MANUAL,
        middlewares=[NatsTelemetryMiddleware(tracer_provider=tracer_provider)],
        logger=None,
        description=f"Tsunagu {settings.service_name} service",
    )
