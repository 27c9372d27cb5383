"""Home-visit requests (訪問相談): submitted by municipality staff only, for their own municipality."""

from __future__ import annotations

from datetime import date, datetime

from tsunagu_calendar import TOKYO, fiscal_year
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
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import home_visits as request_store
from ..adapters.cases import add_timeline_entry, cases_of_person, find_case
from ..adapters.tables import Case, HomeVisitRequest, HomeVisitRow, Person
from ..adapters.vault import PersonCipher
from ..domain.ages import age_band
from ..domain.codes import AgeBand, Channel, ContactModality, HomeVisitStatus, TimelineKind
from ..domain.eligibility import Applicant, Assessment, EligibilityRules, NoRulesInForce, assess
from ..domain.home_visits import VisitState, merged, request_status, visits_granted
from ..domain.rules import ELIGIBILITY, HOME_VISIT_REQUEST_NOT_FOUND, NO_RULES_IN_FORCE, OWN_MUNICIPALITY_ONLY
from .commands import PersonDetails, RequestHomeVisit
from .consultations import NewConsultation, receive_consultation
from .contacts import record_contact
from .context import IntakeContext
from .escalations import UnknownCaseError
from .persons import create_person, load_person
from .scope import (
    case_visible_to_municipality,
    check_own_municipality,
    check_visible,
    municipality_in_scope,
)
from .views import HomeVisitItem, HomeVisitView

log = get_logger(__name__)


def _view(r: HomeVisitRequest, visits: list[HomeVisitRow]) -> HomeVisitView:
    return HomeVisitView(
        request_id=r.id,
        person_id=r.person_id,
        case_id=r.case_id,
        municipality_code=r.municipality_code,
        requested_at=r.requested_at,
        fiscal_year=r.fiscal_year,
        visits_requested=r.visits_requested,
        visits_granted=visits_granted(r.visits_requested, r.visits_under_cap),
        status=HomeVisitStatus(r.status),
        rules_version=r.rules_version,
        updated_at=r.updated_at,
        visits=[
            HomeVisitItem(
                visit_id=v.id,
                visit_number=v.visit_number,
                status=VisitState(v.state),
                starts_at=v.starts_at,
                ends_at=v.ends_at,
                outcome=v.outcome,
                visited_at=v.visited_at,
                cancel_reason=v.cancel_reason,
            )
            for v in visits
        ],
    )


def _views(uow: UnitOfWork, found: list[HomeVisitRequest]) -> list[HomeVisitView]:
    visits: dict[str, list[HomeVisitRow]] = {r.id: [] for r in found}
    for visit in request_store.visits_of(uow, list(visits)):
        visits[visit.request_id].append(visit)
    return [_view(r, visits[r.id]) for r in found]


def request_home_visit(ctx: IntakeContext, actor: Principal, command: RequestHomeVisit) -> HomeVisitView:
    """Check scope and the eligibility rules in force, then record the request on the person's case
    (a home-visit consultation) and announce it (HomeVisitRequested); all or nothing."""
    check_own_municipality(actor, command.municipality_code)
    now = ctx.now()
    rules = _rules_in_force(ctx, now.astimezone(TOKYO).date())
    with ctx.uow() as uow:
        assessment = _assess(uow, command, rules, fiscal_year(now), now)
        person, cipher = _person_of_request(ctx, uow, command, now)
        received = receive_consultation(
            ctx,
            uow,
            person=person,
            cipher=cipher,
            new=NewConsultation(
                channel=Channel.HOME_VISIT,
                consulter=command.consulter,
                received_at=now,
                municipality_code=command.municipality_code,
                topics=tuple(command.topics),
                notes=command.notes,
            ),
            recorded_by=actor.subject,
            now=now,
        )
        request = _record_request(
            ctx, uow, command, assessment, person, cipher, received.case, actor.subject, now
        )
        uow.commit()
    return _view(request, [])


def _rules_in_force(ctx: IntakeContext, day: date) -> EligibilityRules:
    try:
        return ctx.eligibility.in_force(day)
    except NoRulesInForce:
        refuse(NO_RULES_IN_FORCE)


def _assess(
    uow: UnitOfWork, command: RequestHomeVisit, rules: EligibilityRules, fy: int, now: datetime
) -> Assessment:
    """The request against the rules, with the visits the person was granted this fiscal year;
    refused with the first rule it breaks. A municipality may name only a person it referred
    before or whose case a disclosure grants it."""
    granted = 0
    if command.person_id is not None:
        municipality = command.municipality_code
        known = request_store.known_to_municipality(uow, command.person_id, municipality) or any(
            case_visible_to_municipality(uow, case.id, municipality, now)
            for case in cases_of_person(uow, command.person_id)
        )
        if not known:
            refuse(OWN_MUNICIPALITY_ONLY)
        granted = request_store.visits_granted_this_year(uow, command.person_id, fy)
    assessment = assess(
        rules,
        Applicant(
            residence_code=command.residence_code,
            age_years=command.age_years,
            visits_requested=command.visits_requested,
            visits_granted_this_fiscal_year=granted,
            withdrawal_months=command.withdrawal_months,
        ),
    )
    if assessment.first_broken is not None:
        log.info("home visit refused", rule=assessment.first_broken, rules_version=assessment.rules_version)
        refuse(ELIGIBILITY[assessment.first_broken])
    return assessment


def _person_of_request(
    ctx: IntakeContext, uow: UnitOfWork, command: RequestHomeVisit, now: datetime
) -> tuple[Person, PersonCipher]:
    """The person named (their age band and residence brought up to date) or a new one."""
    band = age_band(command.age_years)
    if command.person_id is not None:
        person, cipher = load_person(ctx, uow, command.person_id)
        person.age_band = band.value
        person.residence_code = command.residence_code
        return person, cipher
    details = (command.person or PersonDetails()).model_copy(
        update={"age_band": band, "residence_code": command.residence_code}
    )
    return create_person(ctx, uow, details, now)


def _record_request(
    ctx: IntakeContext,
    uow: UnitOfWork,
    command: RequestHomeVisit,
    assessment: Assessment,
    person: Person,
    cipher: PersonCipher,
    case: Case,
    by: str,
    now: datetime,
) -> HomeVisitRequest:
    """The request (its notes sealed), on the case's timeline, announced."""
    request = HomeVisitRequest(
        id=ctx.new_id(),
        person_id=person.id,
        case_id=case.id,
        municipality_code=command.municipality_code,
        requested_at=now,
        fiscal_year=fiscal_year(now),
        visits_requested=command.visits_requested,
        status=HomeVisitStatus.REQUESTED.value,
        rules_version=assessment.rules_version,
        age_band=person.age_band,
        requested_by=by,
        updated_at=now,
    )
    request.notes_ct = cipher.seal("home_visit_notes", request.id, command.notes)
    request_store.add_request(uow, request)
    add_timeline_entry(
        uow,
        case,
        kind=TimelineKind.HOME_VISIT_REQUESTED,
        author=by,
        at=now,
        codes={"request_id": request.id, "visits_requested": command.visits_requested},
    )
    uow.emit(_requested_event(request), subject=request.id, time=now)
    return request


def _requested_event(request: HomeVisitRequest) -> HomeVisitRequested:
    return HomeVisitRequested(
        request_id=request.id,
        person_id=request.person_id,
        case_id=request.case_id,
        municipality_code=request.municipality_code,
        requested_at=request.requested_at,
        fiscal_year=request.fiscal_year,
        visits_requested=request.visits_requested,
        age_band=AgeBand(request.age_band),
        rules_version=request.rules_version,
    )


def list_requests(ctx: IntakeContext, actor: Principal, municipality_code: str | None) -> list[HomeVisitView]:
    """Requests and their visits, newest first; municipality staff see only their own municipality's."""
    municipality = municipality_in_scope(actor, municipality_code)
    with ctx.reading() as uow:
        return _views(uow, request_store.requests(uow, municipality_code=municipality))


def get_request(ctx: IntakeContext, actor: Principal, request_id: str) -> HomeVisitView:
    """One request and its visits; municipality staff see their own municipality's only."""
    with ctx.reading() as uow:
        (view,) = _views(uow, [_visible_request(uow, actor, request_id)])
        return view


def _visible_request(uow: UnitOfWork, actor: Principal, request_id: str) -> HomeVisitRequest:
    request = request_store.find_request(uow, request_id)
    check_visible(
        actor,
        request.municipality_code if request is not None else None,
        exists=request is not None,
        missing=HOME_VISIT_REQUEST_NOT_FOUND,
    )
    assert request is not None  # check_visible refuses a missing request
    return request


# -- what scheduling announces of a request's visits --------------------------------------------
#
# Each event type has its own consumer: the request's row is locked first, so that two of them
# handling visits of one request take turns and each derives the status from the other's visit.
# A visit of a request intake does not know fails the delivery (retried, then dead-lettered): intake
# made every request scheduling knows.

AUTHOR = "scheduling"
"""The timeline's author of what the scheduling service reports."""


class UnknownRequestError(LookupError):
    """An event names a home-visit request intake does not know (retried, then dead-lettered)."""


def _locked_request(uow: UnitOfWork, request_id: str) -> HomeVisitRequest:
    request = request_store.request_for_update(uow, request_id)
    if request is None:
        raise UnknownRequestError("the home-visit request is unknown")
    return request


def _visit_row(
    uow: UnitOfWork, data: HomeVisitScheduled | HomeVisitCompleted | HomeVisitCancelled, now: datetime
) -> HomeVisitRow:
    visit = request_store.find_visit(uow, data.visit_id)
    if visit is None:
        visit = HomeVisitRow(
            id=data.visit_id,
            request_id=data.request_id,
            person_id=data.person_id,
            case_id=data.case_id,
            fiscal_year=data.fiscal_year,
            visit_number=data.visit_number,
            state=VisitState.SCHEDULED.value,
            updated_at=now,
        )
        request_store.add_visit(uow, visit)
    return visit


def _settle(ctx: IntakeContext, uow: UnitOfWork, request: HomeVisitRequest) -> None:
    """The request's status afresh from its visits (``domain.home_visits.request_status``)."""
    states = [VisitState(v.state) for v in request_store.visits_of(uow, [request.id])]
    status = request_status(visits_granted(request.visits_requested, request.visits_under_cap), states)
    if status.value != request.status:
        log.info("home visit request status", request_id=request.id, status=status.value)
        request.status = status.value
        request.updated_at = ctx.now()


def _on_timeline(
    uow: UnitOfWork, case_id: str, kind: TimelineKind, at: datetime, codes: dict[str, object]
) -> None:
    case = find_case(uow, case_id)
    if case is None:
        raise UnknownCaseError("the visited case is unknown")
    add_timeline_entry(uow, case, kind=kind, author=AUTHOR, at=at, codes=codes)


def on_home_visit_scheduled(
    ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[HomeVisitScheduled]
) -> None:
    """A visit got its time (or moved: a higher ``sequence``); the latest time is kept."""
    data = event.data
    request = _locked_request(uow, data.request_id)
    visit = _visit_row(uow, data, ctx.now())
    if visit.sequence is None or data.sequence >= visit.sequence:
        visit.appointment_id = data.appointment_id
        visit.starts_at, visit.ends_at, visit.sequence = data.starts_at, data.ends_at, data.sequence
    visit.state = merged(VisitState(visit.state), VisitState.SCHEDULED).value
    visit.updated_at = ctx.now()
    _settle(ctx, uow, request)
    _on_timeline(
        uow,
        data.case_id,
        TimelineKind.HOME_VISIT_SCHEDULED,
        event.time,
        {
            "request_id": data.request_id,
            "visit_id": data.visit_id,
            "visit_number": data.visit_number,
            "starts_at": data.starts_at.isoformat(),
            "sequence": data.sequence,
        },
    )


def on_home_visit_completed(
    ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[HomeVisitCompleted]
) -> None:
    """A visit took place: the request moves on, and it is a contact the statistics count."""
    data = event.data
    request = _locked_request(uow, data.request_id)
    visit = _visit_row(uow, data, ctx.now())
    visit.state = merged(VisitState(visit.state), VisitState.COMPLETED).value
    visit.outcome, visit.visited_at, visit.updated_at = data.outcome.value, data.visited_at, ctx.now()
    _settle(ctx, uow, request)
    record_contact(
        ctx,
        uow,
        contact_id=data.visit_id,
        modality=ContactModality.HOME_VISIT,
        person_id=data.person_id,
        case_id=data.case_id,
        occurred_at=data.visited_at,
        municipality_code=data.municipality_code,
    )
    _on_timeline(
        uow,
        data.case_id,
        TimelineKind.HOME_VISIT_COMPLETED,
        data.visited_at,
        {
            "request_id": data.request_id,
            "visit_id": data.visit_id,
            "visit_number": data.visit_number,
            "outcome": data.outcome.value,
        },
    )


def on_home_visit_cancelled(
    ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[HomeVisitCancelled]
) -> None:
    """A visit will not take place; it no longer counts against the person's yearly allowance."""
    data = event.data
    request = _locked_request(uow, data.request_id)
    visit = _visit_row(uow, data, ctx.now())
    visit.state = merged(VisitState(visit.state), VisitState.CANCELLED).value
    if visit.state == VisitState.CANCELLED:
        visit.cancel_reason, visit.cancelled_at = data.reason.value, data.cancelled_at
    visit.updated_at = ctx.now()
    _settle(ctx, uow, request)
    _on_timeline(
        uow,
        data.case_id,
        TimelineKind.HOME_VISIT_CANCELLED,
        data.cancelled_at,
        {
            "request_id": data.request_id,
            "visit_id": data.visit_id,
            "visit_number": data.visit_number,
            "reason": data.reason.value,
        },
    )


def on_home_visit_cap_reached(
    ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[HomeVisitCapReached]
) -> None:
    """The person's yearly cap left fewer visits than requested: the request has only those."""
    data = event.data
    request = _locked_request(uow, data.request_id)
    request.visits_under_cap = data.visits_granted
    _settle(ctx, uow, request)
    _on_timeline(
        uow,
        data.case_id,
        TimelineKind.HOME_VISIT_CAP_REACHED,
        event.time,
        {
            "request_id": data.request_id,
            "cap": data.cap,
            "visits_requested": data.visits_requested,
            "visits_granted": data.visits_granted,
        },
    )
