"""Home-visit requests (訪問相談): submitted by municipality staff only, for their own municipality."""

from __future__ import annotations

from datetime import date, datetime

from tsunagu_calendar import TOKYO, fiscal_year
from tsunagu_contracts.events.intake import HomeVisitRequested
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import home_visits as request_store
from ..adapters.cases import add_timeline_entry, cases_of_person
from ..adapters.tables import Case, HomeVisitRequest, Person
from ..adapters.vault import PersonCipher
from ..domain.ages import age_band
from ..domain.codes import AgeBand, Channel, HomeVisitStatus, TimelineKind
from ..domain.eligibility import Applicant, Assessment, EligibilityRules, NoRulesInForce, assess
from ..domain.rules import ELIGIBILITY, HOME_VISIT_REQUEST_NOT_FOUND, NO_RULES_IN_FORCE, OWN_MUNICIPALITY_ONLY
from .commands import PersonDetails, RequestHomeVisit, UpdateHomeVisitStatus
from .consultations import NewConsultation, receive_consultation
from .context import IntakeContext
from .persons import create_person, load_person
from .scope import (
    case_visible_to_municipality,
    check_own_municipality,
    check_visible,
    municipality_in_scope,
)
from .views import HomeVisitView

log = get_logger(__name__)


def _view(r: HomeVisitRequest) -> HomeVisitView:
    return HomeVisitView(
        request_id=r.id,
        person_id=r.person_id,
        case_id=r.case_id,
        municipality_code=r.municipality_code,
        requested_at=r.requested_at,
        fiscal_year=r.fiscal_year,
        visits_requested=r.visits_requested,
        status=HomeVisitStatus(r.status),
        rules_version=r.rules_version,
        updated_at=r.updated_at,
    )


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
    return _view(request)


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
        granted = request_store.visits_granted(uow, command.person_id, fy)
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
    """Requests, newest first; municipality staff see only their own municipality's."""
    municipality = municipality_in_scope(actor, municipality_code)
    with ctx.reading() as uow:
        return [_view(r) for r in request_store.requests(uow, municipality_code=municipality)]


def get_request(ctx: IntakeContext, actor: Principal, request_id: str) -> HomeVisitView:
    """One request; municipality staff see their own municipality's only."""
    with ctx.reading() as uow:
        return _view(_visible_request(uow, actor, request_id))


def update_status(
    ctx: IntakeContext, actor: Principal, request_id: str, command: UpdateHomeVisitStatus
) -> HomeVisitView:
    """Staff of the programme move a request along (the scheduling service will take this over)."""
    with ctx.uow() as uow:
        request = _visible_request(uow, actor, request_id)
        request.status = command.status.value
        request.updated_at = ctx.now()
        uow.commit()
        return _view(request)


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
