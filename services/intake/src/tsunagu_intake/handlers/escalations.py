"""Escalation to the multidisciplinary expert team, its de-identified brief, and the team's advice."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import CaseEscalated
from tsunagu_contracts.events.scheduling import CaseReviewConcluded
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.messaging.outbox import UnitOfWork

from ..adapters.tables import Case, Escalation
from ..adapters.vault import PersonCipher
from ..domain.cases import change_refusal
from ..domain.codes import CaseStatus, EscalationStatus, EscalationTrigger, Purpose, RiskLevel, TimelineKind
from ..domain.escalation import EscalationDecision, manual_escalation
from .access_log import record_read
from .case_records import add_timeline, get_case
from .commands import Brief, Escalate
from .context import IntakeContext, new_id
from .errors import NotFound, RuleViolation
from .events import EventStager
from .persons import load_person

log = get_logger(__name__)


class UnknownCaseError(LookupError):
    """An incoming event names a case intake does not know (retried, then dead-lettered)."""


def start_escalation(
    ctx: IntakeContext,
    session: Session,
    events: EventStager,
    *,
    case: Case,
    decision: EscalationDecision,
    trigger: EscalationTrigger,
    by: str,
    brief: Brief | None,
    cipher: PersonCipher | None,
    now: datetime,
) -> Escalation:
    escalation = Escalation(
        id=new_id(),
        case_id=case.id,
        person_id=case.person_id,
        escalated_at=now,
        trigger=trigger.value,
        urgency=decision.urgency.value,
        reason_codes=[r.value for r in decision.reason_codes],
        risk_level=case.risk_level,
        status=EscalationStatus.PENDING.value,
        escalated_by=by,
    )
    if brief is not None:
        if cipher is None:
            raise ValueError("a brief needs the person's cipher")
        escalation.brief_ct = cipher.seal("brief", escalation.id, brief.model_dump_json())
    session.add(escalation)
    add_timeline(
        session,
        case,
        kind=TimelineKind.ESCALATED,
        author=by,
        at=now,
        codes={
            "escalation_id": escalation.id,
            "trigger": trigger.value,
            "urgency": decision.urgency.value,
            "reason_codes": escalation.reason_codes,
        },
    )
    events.emit(
        CaseEscalated(
            escalation_id=escalation.id,
            case_id=case.id,
            person_id=case.person_id,
            escalated_at=now,
            trigger=trigger,
            urgency=decision.urgency,
            reason_codes=list(decision.reason_codes),
            risk_level=RiskLevel(case.risk_level),
            municipality_code=case.municipality_code,
        ),
        subject=case.id,
        time=now,
    )
    log.info(
        "case escalated",
        case_id=case.id,
        escalation_id=escalation.id,
        trigger=trigger.value,
        urgency=decision.urgency.value,
    )
    return escalation


def escalate(ctx: IntakeContext, actor: Principal, case_id: str, command: Escalate) -> str:
    """A counsellor escalates a case with reason codes, urgency and a de-identified brief."""
    now = ctx.now()
    with ctx.uow() as uow:
        session = uow.session
        case = get_case(session, case_id)
        refusal = change_refusal(CaseStatus(case.status))
        if refusal is not None:
            raise RuleViolation("The case is closed.", rule=refusal)
        _, cipher = load_person(ctx, session, case.person_id)
        escalation = start_escalation(
            ctx,
            session,
            EventStager(uow),
            case=case,
            decision=manual_escalation(command.reason_codes, command.urgency),
            trigger=EscalationTrigger.MANUAL,
            by=actor.subject,
            brief=command.brief,
            cipher=cipher,
            now=now,
        )
        uow.commit()
    return escalation.id


@dataclass(frozen=True, slots=True)
class EscalationView:
    escalation_id: str
    case_id: str
    escalated_at: datetime
    trigger: str
    urgency: str
    reason_codes: list[str]
    risk_level: str
    status: str
    has_brief: bool
    review_id: str | None


def _view(e: Escalation) -> EscalationView:
    return EscalationView(
        e.id,
        e.case_id,
        e.escalated_at,
        e.trigger,
        e.urgency,
        list(e.reason_codes),
        e.risk_level,
        e.status,
        e.brief_ct is not None,
        e.review_id,
    )


_URGENCY_RANK = {"immediate": 0, "urgent": 1, "routine": 2}


def list_escalations(ctx: IntakeContext, status: EscalationStatus | None) -> list[EscalationView]:
    """Escalations for the expert team: most urgent first, then oldest first (ids and codes only)."""
    with ctx.uow() as uow:
        stmt = select(Escalation)
        if status is not None:
            stmt = stmt.where(Escalation.status == status.value)
        rows = uow.session.exec(stmt.order_by(col(Escalation.escalated_at))).all()
        return [_view(e) for e in sorted(rows, key=lambda e: _URGENCY_RANK.get(e.urgency, 9))]


@dataclass(frozen=True, slots=True)
class BriefView:
    escalation_id: str
    case_id: str
    reason_codes: list[str]
    urgency: str
    summary: str | None
    background: str | None
    question: str | None


def read_brief(ctx: IntakeContext, actor: Principal, escalation_id: str, purpose: Purpose) -> BriefView:
    """The de-identified brief, for expert-team members; the read is logged."""
    with ctx.uow() as uow:
        session = uow.session
        escalation = session.get(Escalation, escalation_id)
        if escalation is None:
            raise NotFound("No such escalation.")
        _, cipher = load_person(ctx, session, escalation.person_id)
        text = cipher.open("brief", escalation.id, escalation.brief_ct)
        brief: dict[str, Any] = json.loads(text) if text else {}
        record_read(
            session,
            subject=actor.subject,
            at=ctx.now(),
            record_type="escalation_brief",
            record_id=escalation.id,
            person_id=escalation.person_id,
            purpose=purpose,
        )
        uow.commit()
    return BriefView(
        escalation_id=escalation.id,
        case_id=escalation.case_id,
        reason_codes=list(escalation.reason_codes),
        urgency=escalation.urgency,
        summary=brief.get("summary"),
        background=brief.get("background"),
        question=brief.get("question"),
    )


def apply_case_review(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Consumer of ``CaseReviewConcluded``: the expert team's advice lands on the case's timeline.

    Runs inside the consumer's transaction (it does not commit). Advice is kept as codes; the
    escalations the review answers are marked reviewed. A redelivered event is dropped by the
    consumer's inbox before it gets here.
    """
    review: CaseReviewConcluded = event.data
    session = uow.session
    case = session.get(Case, review.case_id)
    if case is None:
        raise UnknownCaseError("the reviewed case is unknown")
    now = ctx.now()
    pending = session.exec(
        select(Escalation).where(
            Escalation.case_id == case.id, Escalation.status == EscalationStatus.PENDING.value
        )
    ).all()
    answered = [e for e in pending if not review.escalation_ids or e.id in review.escalation_ids]
    for escalation in answered:
        escalation.status = EscalationStatus.REVIEWED.value
        escalation.review_id = review.review_id
        escalation.reviewed_at = now
        session.add(escalation)
    add_timeline(
        session,
        case,
        kind=TimelineKind.ADVICE,
        author="expert_team",
        at=now,
        codes={
            "review_id": review.review_id,
            "meeting_date": review.meeting_date.isoformat(),
            "advice_reference_id": review.advice_reference_id,
            "advice": {a.discipline.value: [c.value for c in a.advice_codes] for a in review.advice},
            "recommended_risk_level": review.recommended_risk_level.value
            if review.recommended_risk_level
            else None,
            "escalation_ids": [e.id for e in answered],
        },
    )
    case.updated_at = now
    session.add(case)
    uow.commit()
    log.info("case review recorded", case_id=case.id, review_id=review.review_id, escalations=len(answered))
