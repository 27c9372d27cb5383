"""Staging events: a follow-up of a consumed event keeps its flow (correlation and causation)."""

from __future__ import annotations

from typing import Any

from tsunagu_contracts import CloudEvent, EventData, caused_by, new_event
from tsunagu_servicekit.messaging.outbox import UnitOfWork


def stage(uow: UnitOfWork, data: EventData, *, subject: str, cause: CloudEvent[Any] | None = None) -> None:
    """Add ``data`` to the unit of work: caused by ``cause`` when a consumed event led to it."""
    uow.add_event(
        caused_by(cause, data, subject=subject) if cause is not None else new_event(data, subject=subject)
    )
