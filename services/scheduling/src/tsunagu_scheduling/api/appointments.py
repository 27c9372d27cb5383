"""In-person and online consultations, booked by staff on a person's behalf."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from ..handlers import appointments, queries
from ..handlers.commands import BookAppointment, CancelBooking, RescheduleAppointment, Uuid
from ..handlers.context import SchedulingContext
from .deps import Reader, Staff
from .views import AppointmentView


def router(ctx: SchedulingContext) -> APIRouter:
    api = APIRouter(prefix="/appointments", tags=["appointments"])

    @api.post("", status_code=status.HTTP_201_CREATED)
    def book(body: BookAppointment, principal: Staff) -> AppointmentView:
        """Book a consultation. 422 names the calendar or availability rule a time breaks; 409 names
        who would be double booked (the database decides a race: exactly one booking wins)."""
        return AppointmentView.model_validate(appointments.book(ctx, body, booked_by=principal.subject))

    @api.get("")
    def list_appointments(
        _: Reader,
        person_id: Annotated[Uuid | None, Query()] = None,
        resource_id: Annotated[Uuid | None, Query()] = None,
        starts_from: Annotated[AwareDatetime | None, Query()] = None,
        starts_before: Annotated[AwareDatetime | None, Query()] = None,
    ) -> list[AppointmentView]:
        found = queries.appointments(
            ctx,
            person_id=person_id,
            resource_id=resource_id,
            starts_from=starts_from,
            starts_before=starts_before,
        )
        return [AppointmentView.model_validate(a) for a in found]

    @api.get("/{appointment_id}")
    def get_appointment(appointment_id: Uuid, _: Reader) -> AppointmentView:
        return AppointmentView.model_validate(queries.appointment(ctx, appointment_id))

    @api.post("/{appointment_id}/reschedule")
    def reschedule(appointment_id: Uuid, body: RescheduleAppointment, _: Staff) -> AppointmentView:
        return AppointmentView.model_validate(appointments.reschedule(ctx, appointment_id, body))

    @api.post("/{appointment_id}/cancel")
    def cancel(appointment_id: Uuid, body: CancelBooking, _: Staff) -> AppointmentView:
        return AppointmentView.model_validate(appointments.cancel(ctx, appointment_id, body))

    @api.post("/{appointment_id}/attended")
    def attended(appointment_id: Uuid, _: Staff) -> AppointmentView:
        return AppointmentView.model_validate(appointments.record_outcome(ctx, appointment_id, attended=True))

    @api.post("/{appointment_id}/no-show")
    def no_show(appointment_id: Uuid, _: Staff) -> AppointmentView:
        return AppointmentView.model_validate(
            appointments.record_outcome(ctx, appointment_id, attended=False)
        )

    return api
