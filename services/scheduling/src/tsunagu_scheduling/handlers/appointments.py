"""In-person and online consultations: book, reschedule, cancel, record attended or no-show.

In-person consultation is by reservation only, made by staff on the person's behalf after a phone
call or e-mail. Every change validates the time against the calendar and the resources'
availability first, then claims the slots: the database decides who gets a contested slot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tsunagu_contracts.events.scheduling import (
    AppointmentAttended,
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentMissed,
    AppointmentRescheduled,
)
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import appointments, claims, reminders
from ..adapters.tables import Appointment
from ..domain import rules
from ..domain.codes import (
    AppointmentKind,
    AppointmentStatus,
    CancellationReason,
    ResourceKind,
    channel_of_appointment,
)
from ..domain.slots import Span
from .booking import check_available, check_bookable, check_time, hold, load_room, load_staff, set_reminder
from .commands import BookAppointment, CancelBooking, RescheduleAppointment
from .context import SchedulingContext
from .views import AppointmentView

HOLDER = "appointment"
_STAFF_KINDS = {
    AppointmentKind.IN_PERSON: (ResourceKind.COUNSELLOR,),
    AppointmentKind.ONLINE: (ResourceKind.COUNSELLOR, ResourceKind.PEER_SUPPORTER),
}

# -- what consultations and home visits share -----------------------------------------------


def claimants(appointment: Appointment) -> list[claims.Claimant]:
    out = [(claims.PERSON, appointment.person_id), (claims.STAFF, appointment.staff_id)]
    if appointment.second_staff_id:
        out.append((claims.STAFF, appointment.second_staff_id))
    if appointment.room_id:
        out.append((claims.ROOM, appointment.room_id))
    return out


def staff_ids(appointment: Appointment) -> list[str]:
    return [s for s in (appointment.staff_id, appointment.second_staff_id) if s]


def span_of(appointment: Appointment) -> Span:
    return Span(appointment.starts_at, appointment.ends_at)


def event_fields(appointment: Appointment) -> dict[str, Any]:
    """What every appointment event carries (consultations, home visits, reminders alike)."""
    return {
        "appointment_id": appointment.id,
        "kind": AppointmentKind(appointment.kind),
        "person_id": appointment.person_id,
        "case_id": appointment.case_id,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
    }


def hold_slots(
    ctx: SchedulingContext, uow: UnitOfWork, appointment: Appointment, claimants: list[claims.Claimant]
) -> None:
    """Claim the appointment's slots for ``claimants`` (409 naming who is double booked) and arm its
    reminder for its time."""
    span = span_of(appointment)
    hold(uow, HOLDER, appointment.id, claimants, span)
    appointments.save(uow.session, appointment)
    set_reminder(ctx, uow.session, appointment.id, span)


def move_in(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    appointment: Appointment,
    span: Span,
    claimants: list[claims.Claimant],
    now: datetime,
) -> None:
    """Move a booked appointment to ``span`` inside the caller's unit of work: the old slots are freed,
    the new ones claimed for ``claimants``, the reminder re-armed; ``sequence`` counts the move
    (calendar programs replace an entry by it)."""
    claims.release(uow.session, appointment.id)
    appointment.starts_at, appointment.ends_at = span.start, span.end
    appointment.sequence += 1
    appointment.updated_at = now
    hold_slots(ctx, uow, appointment, claimants)


def record_outcome_in(
    uow: UnitOfWork, appointment: Appointment, status: AppointmentStatus, now: datetime
) -> None:
    """Record how a begun appointment went (``attended`` or ``missed``) inside the caller's unit of
    work; refused before it starts. Its reminder goes."""
    if appointment.starts_at > now:
        refuse(rules.NOT_STARTED_YET)
    appointment.status = status.value
    appointment.updated_at = now
    reminders.drop(uow.session, appointment.id)
    appointments.save(uow.session, appointment)


def cancel_in(
    ctx: SchedulingContext, uow: UnitOfWork, appointment: Appointment, reason: CancellationReason
) -> None:
    """Cancel inside the caller's unit of work (also for home visits, erasure): slots and reminder go."""
    now = ctx.now()
    claims.release(uow.session, appointment.id)
    reminders.drop(uow.session, appointment.id)
    appointment.status = AppointmentStatus.CANCELLED.value
    appointment.cancel_reason = reason.value
    appointment.updated_at = now
    appointments.save(uow.session, appointment)
    uow.emit(
        AppointmentCancelled(**event_fields(appointment), reason=reason, cancelled_at=now),
        subject=appointment.id,
    )


# -- consultations ---------------------------------------------------------------------------


def _check_room(kind: AppointmentKind, room_id: str | None) -> None:
    if kind is AppointmentKind.IN_PERSON and room_id is None:
        refuse(rules.ROOM_REQUIRED)
    if kind is not AppointmentKind.IN_PERSON and room_id is not None:
        refuse(rules.ROOM_NOT_ALLOWED)


def _check_resources(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    kind: AppointmentKind,
    staff_id: str,
    room_id: str | None,
    span: Span,
) -> None:
    channel = channel_of_appointment(kind)
    staff = load_staff(uow.session, staff_id, _STAFF_KINDS[kind])
    room = load_room(uow.session, room_id) if room_id is not None else None
    check_available(ctx, uow.session, staff, channel, span)
    if room is not None:
        check_available(ctx, uow.session, room, channel, span)


def _new_appointment(
    ctx: SchedulingContext, cmd: BookAppointment, span: Span, *, booked_by: str, now: datetime
) -> Appointment:
    return Appointment(
        id=ctx.new_id(),
        kind=cmd.kind.value,
        status=AppointmentStatus.BOOKED.value,
        person_id=cmd.person_id,
        case_id=cmd.case_id,
        staff_id=cmd.staff_id,
        room_id=cmd.room_id,
        starts_at=span.start,
        ends_at=span.end,
        requested_via=cmd.requested_via.value,
        booked_by=booked_by,
        created_at=now,
        updated_at=now,
    )


def book(ctx: SchedulingContext, cmd: BookAppointment, *, booked_by: str) -> AppointmentView:
    """Book a consultation for a person (and case) intake announced; 409 naming who is double
    booked when a slot is taken."""
    if cmd.kind is AppointmentKind.HOME_VISIT:
        refuse(rules.USE_HOME_VISIT_ENDPOINTS)
    _check_room(cmd.kind, cmd.room_id)
    span = Span.of(cmd.starts_at, cmd.minutes)
    check_time(ctx, channel_of_appointment(cmd.kind), span, max_minutes=ctx.max_appointment_minutes)
    now = ctx.now()
    with ctx.uow() as uow:
        check_bookable(uow.session, cmd.person_id, cmd.case_id)
        _check_resources(ctx, uow, cmd.kind, cmd.staff_id, cmd.room_id, span)
        appointment = _new_appointment(ctx, cmd, span, booked_by=booked_by, now=now)
        hold_slots(ctx, uow, appointment, claimants(appointment))
        uow.emit(
            AppointmentBooked(
                **event_fields(appointment),
                staff_ids=staff_ids(appointment),
                room_id=appointment.room_id,
                requested_via=cmd.requested_via,
                booked_at=now,
            ),
            subject=appointment.id,
        )
        uow.commit()
    return AppointmentView.model_validate(appointment)


def _booked(uow: UnitOfWork, appointment_id: str) -> Appointment:
    """A booked consultation; refused when it is missing, a home visit, or no longer booked."""
    appointment = appointments.get(uow.session, appointment_id)
    if appointment is None:
        refuse(rules.APPOINTMENT_NOT_FOUND)
    if appointment.kind == AppointmentKind.HOME_VISIT:
        refuse(rules.USE_HOME_VISIT_ENDPOINTS)
    if appointment.status != AppointmentStatus.BOOKED:
        refuse(rules.APPOINTMENT_NOT_ACTIVE)
    return appointment


def reschedule(ctx: SchedulingContext, appointment_id: str, cmd: RescheduleAppointment) -> AppointmentView:
    """Move a booked consultation (and optionally change staff or room); the old slots are freed."""
    now = ctx.now()
    with ctx.uow() as uow:
        appointment = _booked(uow, appointment_id)
        kind = AppointmentKind(appointment.kind)
        span = Span.of(cmd.starts_at, cmd.minutes or span_of(appointment).minutes)
        room_id = cmd.room_id or appointment.room_id
        staff_id = cmd.staff_id or appointment.staff_id
        _check_room(kind, room_id)
        check_time(ctx, channel_of_appointment(kind), span, max_minutes=ctx.max_appointment_minutes)
        _check_resources(ctx, uow, kind, staff_id, room_id, span)
        previous = appointment.starts_at
        appointment.staff_id, appointment.room_id = staff_id, room_id
        move_in(ctx, uow, appointment, span, claimants(appointment), now)
        uow.emit(
            AppointmentRescheduled(
                **event_fields(appointment),
                previous_starts_at=previous,
                staff_ids=staff_ids(appointment),
                room_id=appointment.room_id,
                sequence=appointment.sequence,
                rescheduled_at=now,
            ),
            subject=appointment.id,
        )
        uow.commit()
    return AppointmentView.model_validate(appointment)


def cancel(ctx: SchedulingContext, appointment_id: str, cmd: CancelBooking) -> AppointmentView:
    """Cancel a booked consultation before it starts; its slots and reminder go."""
    with ctx.uow() as uow:
        appointment = _booked(uow, appointment_id)
        if appointment.starts_at <= ctx.now():
            refuse(rules.IN_THE_PAST)
        cancel_in(ctx, uow, appointment, cmd.reason)
        uow.commit()
    return AppointmentView.model_validate(appointment)


def record_outcome(ctx: SchedulingContext, appointment_id: str, *, attended: bool) -> AppointmentView:
    """Record that the person came (``attended``) or did not (no-show), once the appointment began."""
    now = ctx.now()
    with ctx.uow() as uow:
        appointment = _booked(uow, appointment_id)
        status = AppointmentStatus.ATTENDED if attended else AppointmentStatus.MISSED
        record_outcome_in(uow, appointment, status, now)
        data_class = AppointmentAttended if attended else AppointmentMissed
        uow.emit(data_class(**event_fields(appointment), recorded_at=now), subject=appointment.id)
        uow.commit()
    return AppointmentView.model_validate(appointment)


# -- reads -----------------------------------------------------------------------------------


def get(ctx: SchedulingContext, appointment_id: str) -> AppointmentView:
    with ctx.reading() as uow:
        appointment = appointments.get(uow.session, appointment_id)
        if appointment is None:
            refuse(rules.APPOINTMENT_NOT_FOUND)
        return AppointmentView.model_validate(appointment)


def listing(
    ctx: SchedulingContext,
    *,
    person_id: str | None,
    resource_id: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
) -> list[AppointmentView]:
    with ctx.reading() as uow:
        found = appointments.listing(
            uow.session,
            person_id=person_id,
            resource_id=resource_id,
            starts_from=starts_from,
            starts_before=starts_before,
        )
        return [AppointmentView.model_validate(a) for a in found]
