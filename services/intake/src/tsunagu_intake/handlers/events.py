"""Raising events from a use case: one correlation per unit of work, staged in the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tsunagu_contracts import CloudEvent, EventData, new_event
from tsunagu_servicekit.messaging.outbox import UnitOfWork


class EventStager:
    """Stages events in ``uow``; the first one opens the flow, the others correlate to it.

    ``cause`` (an incoming event) makes every staged event part of the cause's flow.
    """

    def __init__(self, uow: UnitOfWork, *, cause: CloudEvent[Any] | None = None) -> None:
        self._uow = uow
        self._cause = cause
        self._correlation = cause.correlationid if cause is not None else None

    def emit(self, data: EventData, *, subject: str, time: datetime | None = None) -> CloudEvent[Any]:
        event = new_event(
            data,
            subject=subject,
            correlation_id=self._correlation,
            causation_id=self._cause.id if self._cause is not None else None,
            time=time,
        )
        if self._correlation is None:
            self._correlation = event.id
        self._uow.add_event(event)
        return event
