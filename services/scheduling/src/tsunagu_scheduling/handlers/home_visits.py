"""Home visits: requests from intake become visits to schedule; staff schedule, move, complete or
cancel them. See :mod:`..domain.visits` for the cap and the staffing rules."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import select
from tsunagu_calendar import TOKYO, fiscal_year
from tsunagu_contracts import CloudEvent, caused_by, new_event
from tsunagu_contracts.events.intake import HomeVisitRequested
from tsunagu_contracts.events.scheduling import (
    HomeVisitCancelled,
    HomeVisitCapReached,
    HomeVisitCompleted,
    HomeVisitScheduled,
)
from tsunagu_servicekit.messaging.outbox import UnitOfWork

from ..adapters import claims, locks
from ..adapters.tables import Appointment, HomeVisit, HomeVisitRequest
from ..domain import rules
from ..domain.codes import (
    AgeBand,
    AppointmentKind,
    AppointmentStatus,
    BookingChannel,
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
from .context import SchedulingContext, new_id
from .endings import recorded
from .errors import refuse
from .events import stage

_STAFF_KINDS = (ResourceKind.COUNSELLOR, ResourceKind.PEER_SUPPORTER)
_OPEN = (VisitStatus.TO_SCHEDULE.value, VisitStatus.SCHEDULED.value)


def on_home_visit_requested(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Create the visits to schedule of a request, within the person's cap for the fiscal year.

    When the case was closed or the person erased already (that consumer got there first), the
    new visits are cancelled at once, as the closure or the erasure would have cancelled them had
    the events come in order.
    """
    data: HomeVisitRequested = event.data
    locks.hold(uow.session, locks.ENDINGS)
    if uow.session.get(HomeVisitRequest, data.request_id) is not None:
        return  # already taken in (a replay with other message ids)
    cap = ctx.visit_policy.cap_per_fiscal_year
    taken = set(
        uow.session.exec(
            select(HomeVisit.quota_no).where(
                HomeVisit.person_id == data.person_id,
                HomeVisit.fiscal_year == data.fiscal_year,
                HomeVisit.quota_no.is_not(None),  # type: ignore[union-attr]
            )
        ).all()
    )
    places = free_places(cap, taken, data.visits_requested)
    now = ctx.now()
    uow.session.add(
        HomeVisitRequest(
            id=data.request_id,
            person_id=data.person_id,
            case_id=data.case_id,
            municipality_code=data.municipality_code,
            fiscal_year=data.fiscal_year,
            visits_requested=data.visits_requested,
            visits_granted=len(places),
            age_band=data.age_band.value,
            rules_version=data.rules_version,
            requested_at=data.requested_at,
        )
    )
    for n, place in enumerate(places, start=1):
        uow.session.add(
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
        )
    uow.session.flush()
    if len(places) < data.visits_requested:
        uow.add_event(
            caused_by(
                event,
                HomeVisitCapReached(
                    request_id=data.request_id,
                    person_id=data.person_id,
                    case_id=data.case_id,
                    municipality_code=data.municipality_code,
                    fiscal_year=data.fiscal_year,
                    cap=cap,
                    visits_requested=data.visits_requested,
                    visits_granted=len(places),
                ),
                subject=data.request_id,
            )
        )
    ending = ending_visits(recorded(uow.session, data.case_id, data.person_id), data.requested_at)
    if ending is not None:
        cancel_ended(ctx, uow, ending, HomeVisit.request_id == data.request_id, event)


def cancel_ended(
    ctx: SchedulingContext, uow: UnitOfWork, ending: Ending, whose: Any, cause: CloudEvent[Any]
) -> int:
    """Cancel the open visits that ``whose`` selects (a case's, a person's, a request's) and that
    the case's closure or the person's erasure cancels (``domain.endings``; reason the ending's,
    places under the cap given back, a scheduled visit's appointment with it). Returns how many."""
    rows = uow.session.exec(
        select(HomeVisit, HomeVisitRequest.requested_at)
        .join(HomeVisitRequest, HomeVisitRequest.id == HomeVisit.request_id)  # type: ignore[arg-type]
        .where(whose, HomeVisit.status.in_(_OPEN))  # type: ignore[attr-defined]
        .order_by(HomeVisit.visit_number, HomeVisit.id)  # type: ignore[arg-type]
    ).all()
    cmd = CancelBooking(reason=ending.reason)
    cancelled = 0
    for visit, requested_at in rows:
        if cancels_visit(ending, VisitStatus(visit.status), requested_at):
            cancel_visit_in(uow, ctx, visit, cmd, cause)
            cancelled += 1
    return cancelled


def _visit(uow: UnitOfWork, visit_id: str) -> HomeVisit:
    visit = uow.session.get(HomeVisit, visit_id)
    if visit is None:
        refuse(rules.VISIT_NOT_FOUND)
    return visit


def _is_first_visit(uow: UnitOfWork, visit: HomeVisit) -> bool:
    """No other visit of the person this fiscal year has taken place or been scheduled before."""
    earlier = uow.session.exec(
        select(sa.func.count())
        .select_from(HomeVisit)
        .where(
            HomeVisit.person_id == visit.person_id,
            HomeVisit.fiscal_year == visit.fiscal_year,
            HomeVisit.id != visit.id,
            HomeVisit.status.in_([VisitStatus.COMPLETED.value, VisitStatus.SCHEDULED.value]),  # type: ignore[attr-defined]
        )
    ).one()
    return earlier == 0


def _check_staff(
    ctx: SchedulingContext, uow: UnitOfWork, visit: HomeVisit, staff_ids: list[str], span: Span
) -> None:
    if len(set(staff_ids)) != len(staff_ids):
        refuse(rules.SAME_STAFF_TWICE)
    staff = [load_staff(uow.session, sid, _STAFF_KINDS) for sid in staff_ids]
    problem = staff_problem(
        ctx.visit_policy,
        staff_count=len(staff),
        all_qualified=all(s.home_visit_qualified for s in staff),
        first_visit=_is_first_visit(uow, visit),
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


def schedule(ctx: SchedulingContext, visit_id: str, cmd: ScheduleHomeVisit, *, booked_by: str) -> HomeVisit:
    """Give a visit to schedule its time and visitors (qualified; two where policy asks)."""
    span = Span.of(cmd.starts_at, cmd.minutes)
    now = ctx.now()
    with ctx.uow() as uow:
        visit = _visit(uow, visit_id)
        if visit.status != VisitStatus.TO_SCHEDULE:
            refuse(rules.VISIT_NOT_SCHEDULABLE)
        _check_span(ctx, visit, span)
        _check_staff(ctx, uow, visit, list(cmd.staff_ids), span)
        appointment = Appointment(
            id=new_id(),
            kind=AppointmentKind.HOME_VISIT.value,
            status=AppointmentStatus.BOOKED.value,
            person_id=visit.person_id,
            case_id=visit.case_id,
            staff_id=cmd.staff_ids[0],
            second_staff_id=cmd.staff_ids[1] if len(cmd.staff_ids) > 1 else None,
            visit_id=visit.id,
            starts_at=span.start,
            ends_at=span.end,
            requested_via=BookingChannel.MUNICIPALITY.value,
            booked_by=booked_by,
            created_at=now,
            updated_at=now,
        )
        visit.status = VisitStatus.SCHEDULED.value
        visit.appointment_id = appointment.id
        visit.updated_at = now
        uow.session.add(visit)
        hold_slots(ctx, uow, appointment, _claimants(visit, list(cmd.staff_ids)))
        uow.add_event(new_event(_scheduled_event(visit, appointment), subject=visit.id))
        uow.commit()
    return visit


def _scheduled_visit(uow: UnitOfWork, visit_id: str) -> tuple[HomeVisit, Appointment]:
    """A scheduled visit and its booked appointment; refused when the visit is not scheduled."""
    visit = _visit(uow, visit_id)
    if visit.status != VisitStatus.SCHEDULED or visit.appointment_id is None:
        refuse(rules.VISIT_NOT_SCHEDULED)
    appointment = uow.session.get(Appointment, visit.appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        refuse(rules.VISIT_NOT_SCHEDULED)
    return visit, appointment


def reschedule(ctx: SchedulingContext, visit_id: str, cmd: RescheduleHomeVisit) -> HomeVisit:
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
        uow.session.add(visit)
        move_in(ctx, uow, appointment, span, _claimants(visit, visitors), now)
        uow.add_event(new_event(_scheduled_event(visit, appointment), subject=visit.id))
        uow.commit()
    return visit


def complete(ctx: SchedulingContext, visit_id: str, cmd: CompleteHomeVisit) -> HomeVisit:
    """Record that the visit took place (it keeps its place under the cap, whatever the outcome)."""
    now = ctx.now()
    with ctx.uow() as uow:
        visit, appointment = _scheduled_visit(uow, visit_id)
        record_outcome_in(uow, appointment, AppointmentStatus.ATTENDED, now)
        visit.status = VisitStatus.COMPLETED.value
        visit.outcome = cmd.outcome.value
        visit.visited_at = appointment.starts_at
        visit.updated_at = now
        uow.session.add(visit)
        uow.add_event(
            new_event(
                HomeVisitCompleted(
                    **_event_fields(visit),
                    outcome=cmd.outcome,
                    visited_at=appointment.starts_at,
                    staff_count=2 if appointment.second_staff_id else 1,
                ),
                subject=visit.id,
            )
        )
        uow.commit()
    return visit


def cancel(ctx: SchedulingContext, visit_id: str, cmd: CancelBooking) -> HomeVisit:
    """Cancel a visit to schedule or a scheduled one; its place under the cap is given back."""
    with ctx.uow() as uow:
        visit = _visit(uow, visit_id)
        if visit.status not in (VisitStatus.TO_SCHEDULE, VisitStatus.SCHEDULED):
            refuse(rules.VISIT_NOT_SCHEDULABLE)
        cancel_visit_in(uow, ctx, visit, cmd)
        uow.commit()
    return visit


def cancel_visit_in(
    uow: UnitOfWork,
    ctx: SchedulingContext,
    visit: HomeVisit,
    cmd: CancelBooking,
    cause: CloudEvent[Any] | None = None,
) -> None:
    """Cancel an open visit inside the caller's unit of work (its appointment too, if any)."""
    now = ctx.now()
    if visit.status == VisitStatus.SCHEDULED and visit.appointment_id is not None:
        appointment = uow.session.get(Appointment, visit.appointment_id)
        if appointment is not None and appointment.status == AppointmentStatus.BOOKED:
            cancel_in(uow, ctx, appointment, cmd, cause)
    visit.status = VisitStatus.CANCELLED.value
    visit.quota_no = None
    visit.updated_at = now
    uow.session.add(visit)
    stage(
        uow,
        HomeVisitCancelled(
            **_event_fields(visit),
            reason=cmd.reason,
            cancelled_at=now,
        ),
        subject=visit.id,
        cause=cause,
    )
