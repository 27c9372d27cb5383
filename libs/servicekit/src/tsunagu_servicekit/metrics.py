"""Prometheus metrics shared by every service, in one registry served at ``/metrics``.

Label values are ids of code, never of people: consumer and service names, outcomes, exception
classes, HTTP methods, route *templates* (``/cases/{case_id}``, never the raw path) and status
codes. Nothing that came from a request or a message body may become a label value.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

__all__ = [
    "DEAD_LETTERS",
    "HANDLER_SECONDS",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_SECONDS",
    "MESSAGES_CONSUMED",
    "OUTBOX_OLDEST_PENDING_SECONDS",
    "OUTBOX_PENDING",
    "OUTBOX_PUBLISHED",
    "OUTBOX_QUARANTINED",
    "REGISTRY",
    "render_metrics",
]

REGISTRY = CollectorRegistry()

MESSAGES_CONSUMED = Counter(
    "tsunagu_messages_consumed_total",
    "Messages handled by a consumer, by outcome: processed, duplicate, retried, dead_lettered",
    ["consumer", "outcome"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "tsunagu_dead_letters_total",
    "Messages copied to the dead-letter stream, by consumer and exception class",
    ["consumer", "error_class"],
    registry=REGISTRY,
)
OUTBOX_PUBLISHED = Counter(
    "tsunagu_outbox_published_total",
    "Outbox rows acknowledged by the broker",
    ["service"],
    registry=REGISTRY,
)
OUTBOX_PENDING = Gauge(
    "tsunagu_outbox_pending",
    "Outbox rows not yet acknowledged by the broker (quarantined rows not included)",
    ["service"],
    registry=REGISTRY,
)
OUTBOX_QUARANTINED = Gauge(
    "tsunagu_outbox_quarantined",
    "Outbox rows the broker refused for good, set aside until an operator retries or discards them",
    ["service"],
    registry=REGISTRY,
)
OUTBOX_OLDEST_PENDING_SECONDS = Gauge(
    "tsunagu_outbox_oldest_pending_seconds",
    "Age of the oldest pending outbox row (0 when none is pending)",
    ["service"],
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "tsunagu_handler_batch_seconds",
    "Time to handle one batch (or one message) of a consumer",
    ["consumer"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "tsunagu_http_requests_total",
    "HTTP requests answered, by route template and status code",
    ["service", "method", "route", "status"],
    registry=REGISTRY,
)
HTTP_REQUEST_SECONDS = Histogram(
    "tsunagu_http_request_seconds",
    "Time to answer an HTTP request, by route template",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)


def render_metrics() -> tuple[bytes, str]:
    """The registry in the Prometheus text format: ``(body, content type)``."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
