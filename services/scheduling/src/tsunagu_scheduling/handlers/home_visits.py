"""Home visits: requests from intake become visits to schedule; staff schedule, move, complete or
cancel them. See :mod:`..domain.visits` for the cap and the staffing rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tsunagu_calendar import TOKYO, fiscal_year, tokyo_date
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import HomeVisitRequested
from tsunagu_contracts.events.scheduling import (
    HomeVisitCancelled,
    HomeVisitCapReached,
    HomeVisitCompleted,
    HomeVisitScheduled,
)
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import appointments, claims, endings, home_visits, known, locks
from ..adapters.tables import Appointment, HomeVisit, HomeVisitRequest
from ..domain import rules
from ..domain.codes import (
    AgeBand,
    AppointmentKind,
    AppointmentStatus,
    BookingChannel,
    CancellationReason,
    Channel,
    ResourceKind,
    VisitStatus,
)
from ..domain.endings import Ending, cancels_visit, ending_visits
from ..domain.meetings import derived_id
from ..domain.slots import Span
from ..domain.visits import free_places, staff_problem
from .appointments import cancel_in, hold_slots, move_in, record_outcome_in, span_of, staff_ids
from .booking import check_available, check_time, load_staff
from .commands import CancelBooking, CompleteHomeVisit, RescheduleHomeVisit, ScheduleHomeVisit
from .context import SchedulingContext
from .known import learn
from .qualifications import home_visit_qualified
from .views import HomeVisitView

_STAFF_KINDS = (ResourceKind.COUNSELLOR, ResourceKind.PEER_SUPPORTER)
_SEE_EVERY_MUNICIPALITY = frozenset({"counsellor", "supervisor", "admin"})

# -- requests from intake --------------------------------------------------------------------


def on_home_visit_requested(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[HomeVisitRequested]
) -> None:
    """Create the visits to schedule of a request, within the person's cap for the fiscal year.

    When the case was closed or the person erased already (that consumer got there first), the
    new visits are cancelled at once, as the closure or the erasure would have cancelled them had
    the events come in order.
    """
    data = event.data
    locks.hold(uow.session, locks.ENDINGS)
    learn(ctx, uow, case_id=data.case_id, person_id=data.person_id)
    if home_visits.get_request(uow.session, data.request_id) is not None:
        return  # already taken in (a replay with other message ids)
    cap = ctx.visit_policy.cap_per_fiscal_year
    places = free_places(
        cap, home_visits.taken_places(uow.session, data.person_id, data.fiscal_year), data.visits_requested
    )
    home_visits.add_request(uow.session, _request(data, granted=len(places)), _visits(ctx, data, places))
    if len(places) < data.visits_requested:
        uow.emit(_cap_reached(data, cap=cap, granted=len(places)), subject=data.request_id)
    ending = ending_visits(endings.recorded(uow.session, data.case_id, data.person_id), data.requested_at)
    if ending is not None:
        cancel_ended(ctx, uow, ending, request_id=data.request_id)


def _request(data: HomeVisitRequested, *, granted: int) -> HomeVisitRequest:
    return HomeVisitRequest(
        id=data.request_id,
        person_id=data.person_id,
        case_id=data.case_id,
        municipality_code=data.municipality_code,
        fiscal_year=data.fiscal_year,
        visits_requested=data.visits_requested,
        visits_granted=granted,
        age_band=data.age_band.value,
        rules_version=data.rules_version,
        requested_at=data.requested_at,
    )


def _visits(ctx: SchedulingContext, data: HomeVisitRequested, places: list[int]) -> list[HomeVisit]:
    """One visit to schedule per place granted under the cap; their ids derive from the request."""
    now = ctx.now()
    return [
        HomeVisit(
            id=derived_id("home-visit", data.request_id, n),
            request_id=data.request_id,
            person_id=data.person_id,
            case_id=data.case_id,
            municipality_code=data.municipality_code,
            fiscal_year=data.fiscal_year,
            age_band=data.age_band.value,
            visit_number=place,
            quota_no=place,
            status=VisitStatus.TO_SCHEDULE.value,
            created_at=now,
            updated_at=now,
        )
        for n, place in enumerate(places, start=1)
    ]


def _cap_reached(data: HomeVisitRequested, *, cap: int, granted: int) -> HomeVisitCapReached:
    return HomeVisitCapReached(
        request_id=data.request_id,
        person_id=data.person_id,
        case_id=data.case_id,
        municipality_code=data.municipality_code,
        fiscal_year=data.fiscal_year,
        cap=cap,
        visits_requested=data.visits_requested,
        visits_granted=granted,
    )


def cancel_ended(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    ending: Ending,
    *,
    case_id: str | None = None,
    person_id: str | None = None,
    request_id: str | None = None,
) -> int:
    """Cancel the open visits of a case, a person or a request that the case's closure or the
    person's erasure cancels (``domain.endings``; reason the ending's, places under the cap given
    back, a scheduled visit's appointment with it). Returns how many."""
    open_visits = home_visits.open_visits(
        uow.session, case_id=case_id, person_id=person_id, request_id=request_id
    )
    cancelled = 0
    for visit, requested_at in open_visits:
        if cancels_visit(ending, VisitStatus(visit.status), requested_at):
            cancel_visit_in(ctx, uow, visit, ending.reason)
            cancelled += 1
    return cancelled


def cancel_visit_in(
    ctx: SchedulingContext, uow: UnitOfWork, visit: HomeVisit, reason: CancellationReason
) -> None:
    """Cancel an open visit inside the caller's unit of work (its appointment too, if any)."""
    now = ctx.now()
    if visit.status == VisitStatus.SCHEDULED and visit.appointment_id is not None:
        appointment = appointments.get(uow.session, visit.appointment_id)
        if appointment is not None and appointment.status == AppointmentStatus.BOOKED:
            cancel_in(ctx, uow, appointment, reason)
    visit.status = VisitStatus.CANCELLED.value
    visit.quota_no = None
    visit.updated_at = now
    home_visits.save(uow.session, visit)
    uow.emit(HomeVisitCancelled(**_event_fields(visit), reason=reason, cancelled_at=now), subject=visit.id)


# -- staff schedule, move, complete and cancel visits ----------------------------------------


def _visit(uow: UnitOfWork, visit_id: str) -> HomeVisit:
    visit = home_visits.get(uow.session, visit_id)
    if visit is None:
        refuse(rules.VISIT_NOT_FOUND)
    return visit


def _check_staff(
    ctx: SchedulingContext, uow: UnitOfWork, visit: HomeVisit, staff_ids: list[str], span: Span
) -> None:
    if len(set(staff_ids)) != len(staff_ids):
        refuse(rules.SAME_STAFF_TWICE)
    staff = [load_staff(uow.session, sid, _STAFF_KINDS) for sid in staff_ids]
    problem = staff_problem(
        ctx.visit_policy,
        staff_count=len(staff),
        # Qualified on the visit's own day: a qualification that ends before it does not count.
        all_qualified=home_visit_qualified(uow.session, staff, tokyo_date(span.start)),
        first_visit=home_visits.others_under_way(uow.session, visit) == 0,
        age_band=AgeBand(visit.age_band),
    )
    if problem is not None:
        refuse(problem)
    for member in staff:
        check_available(ctx, uow.session, member, Channel.HOME_VISIT, span)


def _check_span(ctx: SchedulingContext, visit: HomeVisit, span: Span) -> None:
    check_time(ctx, Channel.HOME_VISIT, span, max_minutes=ctx.visit_policy.max_minutes)
    if fiscal_year(span.start.astimezone(TOKYO).date()) != visit.fiscal_year:
        refuse(rules.VISIT_OUTSIDE_FISCAL_YEAR)


def _event_fields(visit: HomeVisit) -> dict[str, Any]:
    """What every home-visit event carries."""
    return {
        "visit_id": visit.id,
        "request_id": visit.request_id,
        "person_id": visit.person_id,
        "case_id": visit.case_id,
        "municipality_code": visit.municipality_code,
        "fiscal_year": visit.fiscal_year,
        "visit_number": visit.visit_number,
    }


def _scheduled_event(visit: HomeVisit, appointment: Appointment) -> HomeVisitScheduled:
    return HomeVisitScheduled(
        **_event_fields(visit),
        appointment_id=appointment.id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        staff_ids=staff_ids(appointment),
        sequence=visit.sequence,
    )


def _claimants(visit: HomeVisit, staff_ids: list[str]) -> list[claims.Claimant]:
    return [(claims.PERSON, visit.person_id), *((claims.STAFF, s) for s in staff_ids)]


def _appointment_of(
    ctx: SchedulingContext,
    visit: HomeVisit,
    span: Span,
    visitors: list[str],
    *,
    booked_by: str,
    now: datetime,
) -> Appointment:
    return Appointment(
        id=ctx.new_id(),
        kind=AppointmentKind.HOME_VISIT.value,
        status=AppointmentStatus.BOOKED.value,
        person_id=visit.person_id,
        case_id=visit.case_id,
        staff_id=visitors[0],
        second_staff_id=visitors[1] if len(visitors) > 1 else None,
        visit_id=visit.id,
        starts_at=span.start,
        ends_at=span.end,
        requested_via=BookingChannel.MUNICIPALITY.value,
        booked_by=booked_by,
        created_at=now,
        updated_at=now,
    )


def schedule(
    ctx: SchedulingContext, visit_id: str, cmd: ScheduleHomeVisit, *, booked_by: str
) -> HomeVisitView:
    """Give a visit to schedule its time and visitors (qualified; two where policy asks)."""
    span = Span.of(cmd.starts_at, cmd.minutes)
    visitors = list(cmd.staff_ids)
    now = ctx.now()
    with ctx.uow() as uow:
        visit = _visit(uow, visit_id)
        if known.case_closed(uow.session, visit.case_id):
            # Said first: the closure's handler has cancelled the visit too (or soon will).
            refuse(rules.CASE_CLOSED)
        if visit.status != VisitStatus.TO_SCHEDULE:
            refuse(rules.VISIT_NOT_SCHEDULABLE)
        _check_span(ctx, visit, span)
        _check_staff(ctx, uow, visit, visitors, span)
        appointment = _appointment_of(ctx, visit, span, visitors, booked_by=booked_by, now=now)
        visit.status = VisitStatus.SCHEDULED.value
        visit.appointment_id = appointment.id
        visit.updated_at = now
        home_visits.save(uow.session, visit)
        hold_slots(ctx, uow, appointment, _claimants(visit, visitors))
        uow.emit(_scheduled_event(visit, appointment), subject=visit.id)
        uow.commit()
    return HomeVisitView.of(visit, appointment)


def _scheduled_visit(uow: UnitOfWork, visit_id: str) -> tuple[HomeVisit, Appointment]:
    """A scheduled visit and its booked appointment; refused when the visit is not scheduled."""
    visit = _visit(uow, visit_id)
    if visit.status != VisitStatus.SCHEDULED or visit.appointment_id is None:
        refuse(rules.VISIT_NOT_SCHEDULED)
    appointment = appointments.get(uow.session, visit.appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        refuse(rules.VISIT_NOT_SCHEDULED)
    return visit, appointment


def reschedule(ctx: SchedulingContext, visit_id: str, cmd: RescheduleHomeVisit) -> HomeVisitView:
    """Move a scheduled visit (and optionally change who goes); its old slots are freed."""
    now = ctx.now()
    with ctx.uow() as uow:
        visit, appointment = _scheduled_visit(uow, visit_id)
        span = Span.of(cmd.starts_at, cmd.minutes or span_of(appointment).minutes)
        visitors = list(cmd.staff_ids or staff_ids(appointment))
        _check_span(ctx, visit, span)
        _check_staff(ctx, uow, visit, visitors, span)
        appointment.staff_id = visitors[0]
        appointment.second_staff_id = visitors[1] if len(visitors) > 1 else None
        visit.sequence += 1
        visit.updated_at = now
        home_visits.save(uow.session, visit)
        move_in(ctx, uow, appointment, span, _claimants(visit, visitors), now)
        uow.emit(_scheduled_event(visit, appointment), subject=visit.id)
        uow.commit()
    return HomeVisitView.of(visit, appointment)


def complete(ctx: SchedulingContext, visit_id: str, cmd: CompleteHomeVisit) -> HomeVisitView:
    """Record that the visit took place (it keeps its place under the cap, whatever the outcome)."""
    now = ctx.now()
    with ctx.uow() as uow:
        visit, appointment = _scheduled_visit(uow, visit_id)
        record_outcome_in(uow, appointment, AppointmentStatus.ATTENDED, now)
        visit.status = VisitStatus.COMPLETED.value
        visit.outcome = cmd.outcome.value
        visit.visited_at = appointment.starts_at
        visit.updated_at = now
        home_visits.save(uow.session, visit)
        uow.emit(
            HomeVisitCompleted(
                **_event_fields(visit),
                outcome=cmd.outcome,
                visited_at=appointment.starts_at,
                staff_count=2 if appointment.second_staff_id else 1,
            ),
            subject=visit.id,
        )
        uow.commit()
    return HomeVisitView.of(visit, appointment)


def cancel(ctx: SchedulingContext, visit_id: str, cmd: CancelBooking) -> HomeVisitView:
    """Cancel a visit to schedule or a scheduled one; its place under the cap is given back."""
    with ctx.uow() as uow:
        visit = _visit(uow, visit_id)
        if visit.status not in (VisitStatus.TO_SCHEDULE, VisitStatus.SCHEDULED):
            refuse(rules.VISIT_NOT_SCHEDULABLE)
        cancel_visit_in(ctx, uow, visit, cmd.reason)
        uow.commit()
    return HomeVisitView.model_validate(visit)


# -- reads -----------------------------------------------------------------------------------


def _sees_every_municipality(viewer: Principal) -> bool:
    """Programme staff see every visit; municipality staff those their municipality requested."""
    return not viewer.has_role("municipality_staff") or bool(viewer.roles & _SEE_EVERY_MUNICIPALITY)


def _view(uow: UnitOfWork, visit: HomeVisit) -> HomeVisitView:
    appointment = appointments.get(uow.session, visit.appointment_id) if visit.appointment_id else None
    return HomeVisitView.of(visit, appointment)


def get(ctx: SchedulingContext, viewer: Principal, visit_id: str) -> HomeVisitView:
    """One visit. Municipality staff see the visits of their own municipality's requests (the
    municipality of the request, from intake's ``HomeVisitRequested``): another municipality's
    visit and a visit that does not exist get the same 403, so existence is not revealed."""
    with ctx.reading() as uow:
        visit = home_visits.get(uow.session, visit_id)
        if not _sees_every_municipality(viewer):
            if visit is None or visit.municipality_code != viewer.municipality:
                refuse(rules.OWN_MUNICIPALITY_ONLY)
        elif visit is None:
            refuse(rules.VISIT_NOT_FOUND)
        return _view(uow, visit)


def listing(
    ctx: SchedulingContext,
    viewer: Principal,
    *,
    status: VisitStatus | None,
    municipality_code: str | None,
    person_id: str | None,
    request_id: str | None,
) -> list[HomeVisitView]:
    """Visits (those waiting to be scheduled, say); municipality staff see their municipality's only."""
    if not _sees_every_municipality(viewer):
        if municipality_code not in (None, viewer.municipality):
            refuse(rules.OWN_MUNICIPALITY_ONLY)
        municipality_code = viewer.municipality
    with ctx.reading() as uow:
        found = home_visits.listing(
            uow.session,
            status=status.value if status else None,
            municipality_code=municipality_code,
            person_id=person_id,
            request_id=request_id,
        )
        held = appointments.by_ids(uow.session, [v.appointment_id for v in found if v.appointment_id])
        return [HomeVisitView.of(v, held.get(v.appointment_id or "")) for v in found]
