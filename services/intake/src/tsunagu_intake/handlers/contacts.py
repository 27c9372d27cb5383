"""Contacts the scheduling service records, counted in the statistics and put on the case's
timeline: a consultation the person came to (``AppointmentAttended``, an interview: 面接) or did not
(``AppointmentMissed``); visits that took place come with their request (``handlers.home_visits``).

A contact belongs to the case its booking named; one booked without a case is counted, under no
municipality, and goes on no timeline. Bookings are checked against the persons intake announced
(scheduling refuses others), but one made before that check may name an id intake never recorded:
there is nobody to count, and retrying would not change that, so it is logged and let go of.
"""

from __future__ import annotations

from datetime import datetime

from tsunagu_calendar import TOKYO, fiscal_year
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.scheduling import AppointmentAttended, AppointmentKind, AppointmentMissed
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import contacts
from ..adapters.cases import add_timeline_entry, find_case
from ..adapters.persons import find_person
from ..adapters.tables import Case
from ..domain.codes import ContactModality, TimelineKind
from .context import IntakeContext

log = get_logger(__name__)

AUTHOR = "scheduling"
"""The timeline's author of what the scheduling service reports."""


def record_contact(
    ctx: IntakeContext,
    uow: UnitOfWork,
    *,
    contact_id: str,
    modality: ContactModality,
    person_id: str,
    case_id: str | None,
    occurred_at: datetime,
    municipality_code: str | None,
) -> None:
    """Count a contact in the fiscal year and month (Tokyo) it happened, once."""
    contacts.add_contact(
        uow,
        {
            "id": contact_id,
            "modality": modality.value,
            "person_id": person_id,
            "case_id": case_id,
            "occurred_at": occurred_at,
            "fiscal_year": fiscal_year(occurred_at),
            "occurred_month": occurred_at.astimezone(TOKYO).strftime("%Y-%m"),
            "municipality_code": municipality_code,
            "recorded_at": ctx.now(),
        },
    )


def _case_of(uow: UnitOfWork, data: AppointmentAttended | AppointmentMissed) -> Case | None:
    """The case the booking named, if it is the person's."""
    case = find_case(uow, data.case_id) if data.case_id is not None else None
    return case if case is not None and case.person_id == data.person_id else None


def on_appointment_attended(
    ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[AppointmentAttended]
) -> None:
    """The person came to an in-person or online consultation: an interview the statistics count.
    (A home visit's appointment is counted by the visit's completion, not here.)"""
    data = event.data
    if data.kind is AppointmentKind.HOME_VISIT:
        return
    if find_person(uow, data.person_id) is None:
        log.warning("attendance of a person intake never recorded", appointment_id=data.appointment_id)
        return
    case = _case_of(uow, data)
    record_contact(
        ctx,
        uow,
        contact_id=data.appointment_id,
        modality=ContactModality.INTERVIEW,
        person_id=data.person_id,
        case_id=case.id if case is not None else None,
        occurred_at=data.starts_at,
        municipality_code=case.municipality_code if case is not None else None,
    )
    if case is not None:
        add_timeline_entry(
            uow,
            case,
            kind=TimelineKind.APPOINTMENT_ATTENDED,
            author=AUTHOR,
            at=data.recorded_at,
            codes={
                "appointment_id": data.appointment_id,
                "kind": data.kind.value,
                "starts_at": data.starts_at.isoformat(),
            },
        )


def on_appointment_missed(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[AppointmentMissed]) -> None:
    """The person did not come: no contact, but the counsellor sees it on the case's timeline."""
    data = event.data
    case = _case_of(uow, data)
    if case is None:
        return
    add_timeline_entry(
        uow,
        case,
        kind=TimelineKind.APPOINTMENT_MISSED,
        author=AUTHOR,
        at=data.recorded_at,
        codes={
            "appointment_id": data.appointment_id,
            "kind": data.kind.value,
            "starts_at": data.starts_at.isoformat(),
        },
    )
