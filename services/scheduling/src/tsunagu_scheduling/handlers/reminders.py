"""Fire the reminders that are due: one ``AppointmentReminderDue`` per reminder, exactly once.

Each reminder is marked fired by a conditional update (``WHERE fired_at IS NULL``) in the same
transaction as its outbox row; a second scanner (another replica) finds it taken. Nothing is held
in memory: a restart picks up whatever came due meanwhile.

The staff the appointment is with are told by mail, queued in that same transaction: so a mail
exists exactly when its reminder fired, once per staff member and appointment time. Staff whose
resource names no token ``sub`` are known to no directory and get none.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session
from tsunagu_contracts.events.scheduling import AppointmentReminderDue

from ..adapters import mail, reminders, resources
from ..adapters.tables import Appointment
from ..domain.codes import AppointmentKind, AppointmentStatus
from ..domain.reminder_mail import reminder_context, reminder_key
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
            queue_mails(uow.session, appointment, now)
            fired += 1
        uow.commit()
    return fired


def queue_mails(session: Session, appointment: Appointment, now: datetime) -> int:
    """Queue the reminder mail of each staff member ``appointment`` is with (in ``session``, the
    transaction that fires its reminder); how many were queued."""
    room = resources.get(session, appointment.room_id) if appointment.room_id else None
    context = reminder_context(
        appointment_id=appointment.id,
        kind=AppointmentKind(appointment.kind),
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        room_label=room.label if room is not None else None,
    )
    queued = 0
    for staff_id in staff_ids(appointment):
        staff = resources.get(session, staff_id)
        if staff is None or not staff.subject:
            continue
        key = reminder_key(appointment.id, appointment.sequence, staff_id)
        queued += mail.queue_appointment_reminder(
            session, key=key, staff_subject=staff.subject, context=context, now=now
        )
    return queued
