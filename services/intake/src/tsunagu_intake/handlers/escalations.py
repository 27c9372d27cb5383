"""Escalation to the multidisciplinary expert team, its de-identified brief, and the team's advice."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import CaseEscalated
from tsunagu_contracts.events.scheduling import CaseReviewConcludedV2, CaseReviewScheduled
from tsunagu_servicekit.audit import log_read
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import escalations as escalation_store
from ..adapters import mail
from ..adapters import tasks as task_store
from ..adapters.cases import add_timeline_entry, find_case
from ..adapters.consultations import consultations_of_case
from ..adapters.contacts import contacts_of_case
from ..adapters.tables import Case, Escalation, Person, Task
from ..adapters.vault import PersonCipher
from ..domain.briefs import BriefFacts, automatic_brief, summary_of
from ..domain.codes import (
    CaseFlag,
    CaseStatus,
    EscalationStatus,
    EscalationTrigger,
    Purpose,
    RiskLevel,
    TaskKind,
    TaskStatus,
    TimelineKind,
)
from ..domain.escalation import EscalationDecision, brief_change_refusal, manual_escalation
from ..domain.rules import ESCALATION_NOT_FOUND
from ..domain.tasks import risk_review_needed
from .case_records import changeable_case
from .commands import Brief, Escalate
from .context import IntakeContext
from .persons import load_person
from .views import BriefCompleted, BriefFactsView, BriefView, Escalated, EscalationView

log = get_logger(__name__)

_URGENCY_RANK = {"immediate": 0, "urgent": 1, "routine": 2}


class UnknownCaseError(LookupError):
    """An incoming event names a case intake does not know (retried, then dead-lettered)."""


class UnknownEscalationError(LookupError):
    """An incoming event names an escalation intake does not know (retried, then dead-lettered)."""


def start_escalation(
    ctx: IntakeContext,
    uow: UnitOfWork,
    *,
    case: Case,
    decision: EscalationDecision,
    trigger: EscalationTrigger,
    by: str,
    now: datetime,
    brief: Brief | None = None,
    facts: BriefFacts | None = None,
    cipher: PersonCipher | None = None,
) -> str:
    """Record an escalation of the case (its brief — written, or built from the case's codes —
    sealed), on the timeline, and announce it (CaseEscalated, codes only); its id."""
    escalation = _new_escalation(
        ctx, case, decision, trigger, by=by, now=now, brief=brief, facts=facts, cipher=cipher
    )
    escalation_store.add_escalation(uow, escalation)
    add_timeline_entry(
        uow,
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
    uow.emit(
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
    mail.queue_urgent_escalation(
        uow,
        escalation_id=escalation.id,
        case_id=case.id,
        urgency=decision.urgency,
        trigger=trigger,
        reason_codes=list(decision.reason_codes),
        escalated_at=now,
    )
    log.info(
        "case escalated",
        case_id=case.id,
        escalation_id=escalation.id,
        trigger=trigger.value,
        urgency=escalation.urgency,
    )
    return escalation.id


def brief_facts_of(
    uow: UnitOfWork,
    case: Case,
    person: Person,
    decision: EscalationDecision,
    *,
    previous_risk: RiskLevel | None,
    flags: list[CaseFlag],
    now: datetime,
) -> BriefFacts:
    """The brief of an escalation a rule starts, from the case's structured fields (never its texts)."""
    return automatic_brief(
        age_band=person.age_band,
        consultations=consultations_of_case(uow, case.id),
        contacts=contacts_of_case(uow, case.id),
        case_opened_at=case.opened_at,
        flags=flags,
        risk_level=RiskLevel(case.risk_level),
        previous_risk_level=previous_risk,
        reason_codes=decision.reason_codes,
        urgency=decision.urgency,
        municipality_code=case.municipality_code,
        now=now,
    )


def _new_escalation(
    ctx: IntakeContext,
    case: Case,
    decision: EscalationDecision,
    trigger: EscalationTrigger,
    *,
    by: str,
    now: datetime,
    brief: Brief | None,
    facts: BriefFacts | None,
    cipher: PersonCipher | None,
) -> Escalation:
    """A pending escalation of the case at its current risk; the brief sealed with the person's key."""
    escalation = Escalation(
        id=ctx.new_id(),
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
    content: dict[str, Any] | None = None
    if brief is not None:
        content = brief.model_dump(mode="json")
        escalation.brief_completed_at = now
    if facts is not None:
        content = {"summary": summary_of(facts), **(content or {}), "facts": facts.as_json()}
    if content is not None:
        if cipher is None:
            raise ValueError("a brief needs the person's cipher")
        escalation.brief_ct = cipher.seal("brief", escalation.id, json.dumps(content, ensure_ascii=False))
    return escalation


def escalate(ctx: IntakeContext, actor: Principal, case_id: str, command: Escalate) -> Escalated:
    """A counsellor escalates a case with reason codes, urgency and a de-identified brief."""
    now = ctx.now()
    with ctx.uow() as uow:
        case = changeable_case(uow, case_id)
        _, cipher = load_person(ctx, uow, case.person_id)
        escalation_id = start_escalation(
            ctx,
            uow,
            case=case,
            decision=manual_escalation(command.reason_codes, command.urgency),
            trigger=EscalationTrigger.MANUAL,
            by=actor.subject,
            now=now,
            brief=command.brief,
            cipher=cipher,
        )
        uow.commit()
    return Escalated(escalation_id=escalation_id)


def list_escalations(ctx: IntakeContext, status: EscalationStatus | None) -> list[EscalationView]:
    """Escalations for the expert team: most urgent first, then oldest first (ids and codes only)."""
    with ctx.reading() as uow:
        rows = escalation_store.escalations(uow, status=status)
    return [
        EscalationView(
            escalation_id=e.id,
            case_id=e.case_id,
            escalated_at=e.escalated_at,
            trigger=e.trigger,
            urgency=e.urgency,
            reason_codes=list(e.reason_codes),
            risk_level=e.risk_level,
            status=e.status,
            has_brief=e.brief_ct is not None,
            brief_completed_at=e.brief_completed_at,
            review_id=e.review_id,
            meeting_date=e.meeting_date,
        )
        for e in sorted(rows, key=lambda e: _URGENCY_RANK.get(e.urgency, 9))
    ]


def read_brief(ctx: IntakeContext, actor: Principal, escalation_id: str, purpose: Purpose) -> BriefView:
    """The de-identified brief, for expert-team members; the read is logged."""
    with ctx.uow() as uow:
        escalation = escalation_store.find_escalation(uow, escalation_id)
        if escalation is None:
            refuse(ESCALATION_NOT_FOUND)
        _, cipher = load_person(ctx, uow, escalation.person_id)
        brief = _opened_brief(cipher, escalation)
        log_read(
            uow,
            subject=actor.subject,
            at=ctx.now(),
            record_type="escalation_brief",
            record_id=escalation.id,
            person_id=escalation.person_id,
            purpose=purpose,
        )
        uow.commit()
    facts = brief.get("facts")
    return BriefView(
        escalation_id=escalation.id,
        case_id=escalation.case_id,
        reason_codes=list(escalation.reason_codes),
        urgency=escalation.urgency,
        summary=brief.get("summary"),
        background=brief.get("background"),
        question=brief.get("question"),
        trigger=escalation.trigger,
        facts=BriefFactsView.model_validate(facts) if facts is not None else None,
        completed_at=escalation.brief_completed_at,
    )


def _opened_brief(cipher: PersonCipher, escalation: Escalation) -> dict[str, Any]:
    text = cipher.open("brief", escalation.id, escalation.brief_ct)
    brief: dict[str, Any] = json.loads(text) if text else {}
    return brief


def complete_brief(
    ctx: IntakeContext, actor: Principal, escalation_id: str, command: Brief
) -> BriefCompleted:
    """Staff write (or write again) the narrative of a pending escalation's brief: summary,
    background, question. Facts built from the case's codes stay as they are; the brief stays sealed
    with the person's key, and the writing goes on the case's timeline (who and when, no text)."""
    now = ctx.now()
    with ctx.uow() as uow:
        escalation = escalation_store.find_escalation(uow, escalation_id)
        if escalation is None:
            refuse(ESCALATION_NOT_FOUND)
        rule = brief_change_refusal(EscalationStatus(escalation.status))
        if rule is not None:
            refuse(rule)
        _, cipher = load_person(ctx, uow, escalation.person_id)
        facts = _opened_brief(cipher, escalation).get("facts")
        content: dict[str, Any] = command.model_dump(mode="json")
        if facts is not None:
            content["facts"] = facts
        escalation.brief_ct = cipher.seal("brief", escalation.id, json.dumps(content, ensure_ascii=False))
        escalation.brief_completed_at = now
        case = find_case(uow, escalation.case_id)
        if case is not None:
            add_timeline_entry(
                uow,
                case,
                kind=TimelineKind.BRIEF_COMPLETED,
                author=actor.subject,
                at=now,
                codes={"escalation_id": escalation.id},
            )
            case.updated_at = now
        uow.commit()
    log.info("escalation brief completed", escalation_id=escalation_id)
    return BriefCompleted(escalation_id=escalation_id, completed_at=now)


def record_case_review(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[CaseReviewConcludedV2]) -> None:
    """Consumer of ``CaseReviewConcluded`` v2 (stored v1 events arrive upcast to v2): the expert
    team's advice lands on the case's timeline.

    Runs inside the consumer's transaction (the consumer commits). Advice is kept as codes; the
    escalation the review answers is marked reviewed, and no other of the case (pending on another
    agenda, it waits for its own review). A redelivered event is dropped by the consumer's inbox
    before it gets here; a case intake does not know fails the delivery, so it is retried and then
    dead-lettered.
    """
    review = event.data
    case = find_case(uow, review.case_id)
    if case is None:
        raise UnknownCaseError("the reviewed case is unknown")
    now = ctx.now()
    answered = [e for e in escalation_store.pending_escalations(uow, case.id) if e.id == review.escalation_id]
    for escalation in answered:
        escalation.status = EscalationStatus.REVIEWED.value
        escalation.review_id = review.review_id
        escalation.meeting_date = review.meeting_date
        escalation.reviewed_at = now
    add_timeline_entry(
        uow,
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
    propose_risk_review(ctx, uow, case, review, now=now)
    log.info("case review recorded", case_id=case.id, review_id=review.review_id, escalations=len(answered))


def propose_risk_review(
    ctx: IntakeContext, uow: UnitOfWork, case: Case, review: CaseReviewConcludedV2, *, now: datetime
) -> str | None:
    """A task for the case's counsellor when the team recommends a risk level other than the case's:
    its id, or ``None`` when there is nothing to review (no recommendation, the same level, a closed
    case) or the review made its task already.

    The counsellor is the one who escalated (by hand, or by the assessment that escalated); an
    escalation intake does not know leaves the task to anyone, and supervisors see it in any case.
    """
    recommended = RiskLevel(review.recommended_risk_level.value) if review.recommended_risk_level else None
    current = RiskLevel(case.risk_level)
    if case.status == CaseStatus.CLOSED.value or not risk_review_needed(recommended, current):
        return None
    assert recommended is not None  # risk_review_needed says so
    if task_store.task_of_review(uow, review.review_id) is not None:
        return None  # the same review, announced again under another message id
    escalation = escalation_store.find_escalation(uow, review.escalation_id)
    task = Task(
        id=ctx.new_id(),
        kind=TaskKind.RISK_REVIEW.value,
        case_id=case.id,
        person_id=case.person_id,
        status=TaskStatus.OPEN.value,
        assignee=escalation.escalated_by if escalation is not None else None,
        created_at=now,
        review_id=review.review_id,
        escalation_id=review.escalation_id,
        recommended_risk_level=recommended.value,
        risk_level_then=current.value,
    )
    task_store.add_task(uow, task)
    add_timeline_entry(
        uow,
        case,
        kind=TimelineKind.TASK_CREATED,
        author="expert_team",
        at=now,
        codes={
            "task_id": task.id,
            "kind": task.kind,
            "review_id": review.review_id,
            "recommended_risk_level": recommended.value,
            "risk_level": current.value,
        },
    )
    log.info("risk review proposed", case_id=case.id, review_id=review.review_id, task_id=task.id)
    return task.id


def on_case_review_scheduled(
    ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[CaseReviewScheduled]
) -> None:
    """Consumer of ``CaseReviewScheduled``: scheduling put the escalated case on an expert-team
    agenda. The escalation shows its review and the meeting's day from then on (not only once the
    team concluded), and the placement goes on the case's timeline.

    The conclusion has its own consumer and may come first; both set the same review, so the order
    does not matter. An escalation intake does not know fails the delivery (retried, then
    dead-lettered): intake made every escalation scheduling places.
    """
    data = event.data
    escalation = escalation_store.find_escalation(uow, data.escalation_id)
    if escalation is None:
        raise UnknownEscalationError("the escalation placed on an agenda is unknown")
    escalation.review_id = data.review_id
    escalation.meeting_date = data.meeting_date
    case = find_case(uow, escalation.case_id)
    if case is None:
        raise UnknownCaseError("the escalated case is unknown")
    add_timeline_entry(
        uow,
        case,
        kind=TimelineKind.REVIEW_SCHEDULED,
        author="scheduling",
        at=event.time,
        codes={
            "review_id": data.review_id,
            "escalation_id": data.escalation_id,
            "meeting_id": data.meeting_id,
            "meeting_date": data.meeting_date.isoformat(),
            "urgency": data.urgency.value,
            "placement": data.placement.value,
            "agenda_position": data.agenda_position,
        },
    )
    log.info("case review scheduled", case_id=case.id, review_id=data.review_id)
