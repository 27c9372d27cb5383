"""Home-visit requests (訪問相談): submitted by municipality staff only, for their own municipality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select
from tsunagu_calendar import TOKYO, fiscal_year
from tsunagu_contracts.events.intake import HomeVisitRequested
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger

from ..adapters.tables import Case, HomeVisitRequest
from ..domain.ages import age_band
from ..domain.codes import AgeBand, Channel, HomeVisitStatus, TimelineKind
from ..domain.eligibility import Applicant, NoRulesInForce, assess
from .case_records import add_timeline
from .commands import PersonDetails, RequestHomeVisit, UpdateHomeVisitStatus
from .consultations import NewConsultation, add_consultation, check_municipality
from .context import IntakeContext, new_id
from .errors import OutOfScope, RuleViolation
from .events import EventStager
from .persons import create_person, load_person
from .scope import check_own_municipality, check_visible, municipality_restricted

log = get_logger(__name__)

INELIGIBLE = "ineligible"
_COUNTED = (
    HomeVisitStatus.REQUESTED,
    HomeVisitStatus.ACCEPTED,
    HomeVisitStatus.SCHEDULED,
    HomeVisitStatus.COMPLETED,
)


@dataclass(frozen=True, slots=True)
class HomeVisitView:
    """A request as the requesting municipality sees it: ids, codes, status."""

    request_id: str
    person_id: str
    case_id: str
    municipality_code: str
    requested_at: datetime
    fiscal_year: int
    visits_requested: int
    status: HomeVisitStatus
    rules_version: str
    updated_at: datetime


def _view(r: HomeVisitRequest) -> HomeVisitView:
    return HomeVisitView(
        r.id,
        r.person_id,
        r.case_id,
        r.municipality_code,
        r.requested_at,
        r.fiscal_year,
        r.visits_requested,
        HomeVisitStatus(r.status),
        r.rules_version,
        r.updated_at,
    )


def _visits_granted(session: Session, person_id: str, fy: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(HomeVisitRequest.visits_requested), 0)).where(
            HomeVisitRequest.person_id == person_id,
            HomeVisitRequest.fiscal_year == fy,
            col(HomeVisitRequest.status).in_([s.value for s in _COUNTED]),
        )
    ).one()
    return int(total)


def _known_to_municipality(session: Session, person_id: str, municipality: str) -> bool:
    """Whether the municipality may name this person: one of its cases or requests is theirs."""
    case = session.exec(
        select(Case.id).where(Case.person_id == person_id, Case.municipality_code == municipality)
    ).first()
    if case is not None:
        return True
    request = session.exec(
        select(HomeVisitRequest.id).where(
            HomeVisitRequest.person_id == person_id, HomeVisitRequest.municipality_code == municipality
        )
    ).first()
    return request is not None


def request_home_visit(ctx: IntakeContext, actor: Principal, command: RequestHomeVisit) -> HomeVisitView:
    """Check scope and the eligibility rules in force, then record the request; all or nothing."""
    check_own_municipality(actor, command.municipality_code)
    check_municipality(ctx, command.municipality_code)
    now = ctx.now()
    fy = fiscal_year(now)
    try:
        rules = ctx.eligibility.in_force(now.astimezone(TOKYO).date())
    except NoRulesInForce:
        raise RuleViolation("No eligibility rules are in force today.", rule="no_rules_in_force") from None
    with ctx.uow() as uow:
        session = uow.session
        if command.person_id is not None:
            if not _known_to_municipality(session, command.person_id, command.municipality_code):
                raise OutOfScope()
            granted = _visits_granted(session, command.person_id, fy)
        else:
            granted = 0
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
        if not assessment.eligible:
            log.info(
                "home visit refused", rule=assessment.first_broken, rules_version=assessment.rules_version
            )
            raise RuleViolation(
                "The request does not meet the home-visit eligibility rules.",
                rule=assessment.first_broken or INELIGIBLE,
                code=INELIGIBLE,
            )
        band = age_band(command.age_years)
        if command.person_id is not None:
            person, cipher = load_person(ctx, session, command.person_id)
            person.age_band = band.value
            person.residence_code = command.residence_code
            session.add(person)
        else:
            details = command.person or PersonDetails()
            details = details.model_copy(update={"age_band": band, "residence_code": command.residence_code})
            person, cipher = create_person(ctx, session, details, now)
        events = EventStager(uow)
        _, case, _ = add_consultation(
            ctx,
            session,
            events,
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
        request = HomeVisitRequest(
            id=new_id(),
            person_id=person.id,
            case_id=case.id,
            municipality_code=command.municipality_code,
            requested_at=now,
            fiscal_year=fy,
            visits_requested=command.visits_requested,
            status=HomeVisitStatus.REQUESTED.value,
            rules_version=assessment.rules_version,
            age_band=band.value,
            requested_by=actor.subject,
            updated_at=now,
        )
        request.notes_ct = cipher.seal("home_visit_notes", request.id, command.notes)
        session.add(request)
        add_timeline(
            session,
            case,
            kind=TimelineKind.HOME_VISIT_REQUESTED,
            author=actor.subject,
            at=now,
            codes={"request_id": request.id, "visits_requested": command.visits_requested},
        )
        events.emit(
            HomeVisitRequested(
                request_id=request.id,
                person_id=person.id,
                case_id=case.id,
                municipality_code=command.municipality_code,
                requested_at=now,
                fiscal_year=fy,
                visits_requested=command.visits_requested,
                age_band=AgeBand(band),
                rules_version=assessment.rules_version,
            ),
            subject=request.id,
            time=now,
        )
        uow.commit()
    return _view(request)


def list_requests(ctx: IntakeContext, actor: Principal, municipality_code: str | None) -> list[HomeVisitView]:
    """Requests, newest first; municipality staff see only their own municipality's."""
    if municipality_restricted(actor):
        if municipality_code is not None and municipality_code != actor.municipality:
            raise OutOfScope()
        municipality_code = actor.municipality
    with ctx.uow() as uow:
        stmt = select(HomeVisitRequest)
        if municipality_code is not None:
            stmt = stmt.where(HomeVisitRequest.municipality_code == municipality_code)
        rows = uow.session.exec(stmt.order_by(col(HomeVisitRequest.requested_at).desc()).limit(500)).all()
        return [_view(r) for r in rows]


def get_request(ctx: IntakeContext, actor: Principal, request_id: str) -> HomeVisitView:
    with ctx.uow() as uow:
        row = uow.session.get(HomeVisitRequest, request_id)
        check_visible(actor, row.municipality_code if row else None, exists=row is not None)
        assert row is not None
        return _view(row)


def update_status(
    ctx: IntakeContext, actor: Principal, request_id: str, command: UpdateHomeVisitStatus
) -> HomeVisitView:
    """Staff of the programme move a request along (the scheduling service will take this over)."""
    with ctx.uow() as uow:
        row = uow.session.get(HomeVisitRequest, request_id)
        check_visible(actor, row.municipality_code if row else None, exists=row is not None)
        assert row is not None
        row.status = command.status.value
        row.updated_at = ctx.now()
        uow.session.add(row)
        uow.commit()
        return _view(row)
