"""Fire the reminders that are due: one ``AppointmentReminderDue`` per reminder, exactly once.

Each reminder is marked fired by a conditional update (``WHERE fired_at IS NULL``) in the same
transaction as its outbox row; a second scanner (another replica) finds it taken. Nothing is held
in memory: a restart picks up whatever came due meanwhile.
"""

from __future__ import annotations

from tsunagu_contracts.events.scheduling import AppointmentReminderDue

from ..adapters import reminders
from ..domain.codes import AppointmentStatus
from .appointments import event_fields, staff_ids
from .context import SchedulingContext

BATCH = 200
"""Reminders fired per transaction; the timer scans again at once while a scan fires any."""


def fire_due(ctx: SchedulingContext, *, limit: int = BATCH) -> int:
    """Raise the reminders due by now (at most ``limit``); returns how many fired."""
    now = ctx.now()
    fired = 0
    with ctx.uow() as uow:
        due = reminders.due(uow.session, now, limit=limit)
        if not due:
            return 0
        for reminder, appointment in due:
            if not reminders.take(uow.session, reminder.appointment_id, now):
                continue  # another scanner fired it
            if appointment.status != AppointmentStatus.BOOKED:
                continue
            lead = max(0, int((appointment.starts_at - reminder.due_at).total_seconds() // 60))
            uow.emit(
                AppointmentReminderDue(
                    **event_fields(appointment),
                    staff_ids=staff_ids(appointment),
                    due_at=reminder.due_at,
                    lead_minutes=lead,
                ),
                subject=appointment.id,
            )
            fired += 1
        uow.commit()
    return fired
