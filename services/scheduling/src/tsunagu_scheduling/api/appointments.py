"""In-person and online consultations, booked by staff on a person's behalf."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from tsunagu_servicekit.http.openapi import refusals
from tsunagu_servicekit.wire import IsoDateTime

from ..domain import rules
from ..handlers import appointments
from ..handlers.commands import BookAppointment, CancelBooking, RescheduleAppointment, Uuid
from ..handlers.views import AppointmentView
from . import refusals as groups
from .deps import Ctx, Reader, Staff

router = APIRouter(prefix="/appointments", tags=["appointments"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(*groups.APPOINTMENT_BOOKING, *groups.BOOKABLE),
)
def book(ctx: Ctx, body: BookAppointment, principal: Staff) -> AppointmentView:
    """Book a consultation. 422 names the calendar or availability rule a time breaks; 409 names
    who would be double booked (the database decides a race: exactly one booking wins). The person
    (and case) must be known from intake's events: 404 ``person_not_known`` / ``case_not_known``
    until intake's news of them has arrived, which takes a moment after intake records them."""
    return appointments.book(ctx, body, booked_by=principal.subject)


@router.get("")
def list_appointments(
    ctx: Ctx,
    _: Reader,
    person_id: Annotated[Uuid | None, Query()] = None,
    resource_id: Annotated[Uuid | None, Query()] = None,
    starts_from: Annotated[IsoDateTime | None, Query()] = None,
    starts_before: Annotated[IsoDateTime | None, Query()] = None,
) -> list[AppointmentView]:
    return appointments.listing(
        ctx,
        person_id=person_id,
        resource_id=resource_id,
        starts_from=starts_from,
        starts_before=starts_before,
    )


@router.get("/{appointment_id}", responses=refusals(rules.APPOINTMENT_NOT_FOUND))
def get_appointment(ctx: Ctx, appointment_id: Uuid, _: Reader) -> AppointmentView:
    return appointments.get(ctx, appointment_id)


@router.post(
    "/{appointment_id}/reschedule",
    responses=refusals(*groups.BOOKED_APPOINTMENT, *groups.APPOINTMENT_BOOKING),
)
def reschedule(ctx: Ctx, appointment_id: Uuid, body: RescheduleAppointment, _: Staff) -> AppointmentView:
    return appointments.reschedule(ctx, appointment_id, body)


@router.post("/{appointment_id}/cancel", responses=refusals(*groups.BOOKED_APPOINTMENT, rules.IN_THE_PAST))
def cancel(ctx: Ctx, appointment_id: Uuid, body: CancelBooking, _: Staff) -> AppointmentView:
    return appointments.cancel(ctx, appointment_id, body)


@router.post(
    "/{appointment_id}/attended", responses=refusals(*groups.BOOKED_APPOINTMENT, rules.NOT_STARTED_YET)
)
def attended(ctx: Ctx, appointment_id: Uuid, _: Staff) -> AppointmentView:
    return appointments.record_outcome(ctx, appointment_id, attended=True)


@router.post(
    "/{appointment_id}/no-show", responses=refusals(*groups.BOOKED_APPOINTMENT, rules.NOT_STARTED_YET)
)
def no_show(ctx: Ctx, appointment_id: Uuid, _: Staff) -> AppointmentView:
    return appointments.record_outcome(ctx, appointment_id, attended=False)
