"""The FastStream NATS broker every service connects through.

The broker owns the connection (reconnecting forever: a restarted nats-server is waited for,
not fatal), carries FastStream's OpenTelemetry middleware, and sets the acknowledgement policy
to MANUAL for any FastStream subscriber a service declares: FastStream's default drops a message
whose handler raised, which must never be in effect here. The kit's own consumers and relay use
the broker's nats-py connection directly (see ``messaging.pull``).
"""

from __future__ import annotations

from faststream.middlewares import AckPolicy
from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry.trace import TracerProvider

from .settings import ServiceSettings


def inbox_prefix(service: str) -> str:
    """``_INBOX_intake``: the reply-subject prefix the service may subscribe to."""
    return f"_INBOX_{service}"


def create_broker(settings: ServiceSettings, tracer_provider: TracerProvider | None = None) -> NatsBroker:
    """A broker for the servers of ``settings.nats_url`` that never gives up reconnecting."""
    return NatsBroker(
        # Every server of a cluster, not only the first: a client whose one seed is down at start
        # would not connect at all, though its peers are up.
        settings.nats_servers(),
        name=f"tsunagu-{settings.service_name}",
        allow_reconnect=True,
        max_reconnect_attempts=-1,
        # nats-py waits a float number of seconds; FastStream's annotation says int.
        reconnect_time_wait=0.5,  # type: ignore[arg-type]  # FastStream annotates int, nats-py takes float
        connect_timeout=5,
        # Replies (JetStream API answers, pull deliveries, publish acks) arrive under a prefix of
        # this service's own, so NATS permissions can keep one service out of another's inbox.
        inbox_prefix=inbox_prefix(settings.service_name),
        ack_policy=AckPolicy.MANUAL,
        middlewares=[NatsTelemetryMiddleware(tracer_provider=tracer_provider)],
        logger=None,
        description=f"Tsunagu {settings.service_name} service",
    )
