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
    "CONSUMER_ACK_PENDING",
    "CONSUMER_LAG",
    "CONSUMER_PENDING",
    "DEAD_LETTERS",
    "HANDLER_SECONDS",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_SECONDS",
    "MESSAGES_CONSUMED",
    "OUTBOX_OLDEST_PENDING_SECONDS",
    "OUTBOX_PENDING",
    "OUTBOX_PUBLISHED",
    "OUTBOX_QUARANTINED",
    "OUTBOX_RELAY_LEADER",
    "REGISTRY",
    "ROWS_PRUNED",
    "STREAM_BYTES",
    "STREAM_FULLNESS",
    "STREAM_MAX_BYTES",
    "STREAM_MESSAGES",
    "render_metrics",
]

REGISTRY = CollectorRegistry()

MESSAGES_CONSUMED = Counter(
    "tsunagu_messages_consumed_total",
    "Messages handled by a consumer, by outcome: processed, duplicate, retried, dead_lettered, "
    "others_retry (a dead letter retried for another consumer, acknowledged unread)",
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
OUTBOX_RELAY_LEADER = Gauge(
    "tsunagu_outbox_relay_leader",
    "1 while this process's outbox relay may publish: it holds the lease with time to spare on "
    "PostgreSQL, or it runs on SQLite (one process per file); 0 otherwise. Summed over the "
    "replicas of a service it is 1 when a relay leads, 0 when none does",
    ["service"],
    registry=REGISTRY,
)
ROWS_PRUNED = Counter(
    "tsunagu_rows_pruned_total",
    "Rows deleted past their horizon: published outbox rows and inbox rows (table: outbox, inbox)",
    ["service", "table"],
    registry=REGISTRY,
)
# Streams and consumers as the broker reports them, refreshed by each service for the streams and
# durable consumers it uses (stream and durable names are ids of code).
STREAM_MESSAGES = Gauge("tsunagu_stream_messages", "Messages held by a stream", ["stream"], registry=REGISTRY)
STREAM_BYTES = Gauge("tsunagu_stream_bytes", "Bytes held by a stream", ["stream"], registry=REGISTRY)
STREAM_MAX_BYTES = Gauge(
    "tsunagu_stream_max_bytes", "A stream's size limit in bytes (-1: none)", ["stream"], registry=REGISTRY
)
STREAM_FULLNESS = Gauge(
    "tsunagu_stream_fullness_ratio",
    "How full a stream is against its limits (bytes, and messages when limited): 1 means it "
    "refuses new messages",
    ["stream"],
    registry=REGISTRY,
)
CONSUMER_PENDING = Gauge(
    "tsunagu_consumer_pending",
    "Messages of a durable consumer not delivered yet",
    ["stream", "consumer"],
    registry=REGISTRY,
)
CONSUMER_ACK_PENDING = Gauge(
    "tsunagu_consumer_ack_pending",
    "Messages delivered to a durable consumer and not acknowledged yet",
    ["stream", "consumer"],
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "tsunagu_consumer_lag",
    "Messages a durable consumer has not finished: pending plus awaiting acknowledgement",
    ["stream", "consumer"],
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
