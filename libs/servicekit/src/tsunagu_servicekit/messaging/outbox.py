"""Outbox rows: how an event is stored until the relay publishes it.

The unit of work (:mod:`tsunagu_servicekit.unit_of_work`) writes them in the use case's
transaction; the relay (:mod:`.relay`) publishes them with these headers and marks them sent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tsunagu_contracts import CloudEvent

CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"


def outbox_row(event: CloudEvent[Any], trace_headers: dict[str, str]) -> dict[str, Any]:
    """The outbox row of an event: subject = type, ``Nats-Msg-Id`` = event id."""
    headers = {"Nats-Msg-Id": event.id, "Content-Type": CONTENT_TYPE, **trace_headers}
    return {
        "event_id": event.id,
        "subject": event.type,
        "payload": event.to_json_bytes(),
        "headers": headers,
        "created_at": datetime.now(UTC),
    }
