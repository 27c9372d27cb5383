"""Expert-team case reviews: escalated cases onto agendas, the team's advice back to intake.

The trace of a case spans the whole flow although the advice is recorded months later in a new
HTTP request: the consumer stores the trace context of the escalation with the agenda item, and
the span that records the conclusion starts with that context as its *parent* (the request's own
span is linked to it), so intake's escalation, scheduling's consumer, the conclusion and intake's
consumer of ``CaseReviewConcluded`` share one trace id.

A review leaves its agenda (``withdraw``) when the case is closed or the person erased: it keeps
its row and its position number, and no longer counts against the meeting's capacity. A closure
or an erasure handled before the escalation it follows (each event type has its own consumer) is
found recorded (``handlers.endings``): the case is placed and withdrawn at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from opentelemetry import trace
from sqlmodel import select
from tsunagu_calendar import TOKYO, fiscal_year
from tsunagu_contracts import CloudEvent, caused_by, new_event
from tsunagu_contracts.events.intake import CaseEscalated
from tsunagu_contracts.events.scheduling import CaseReviewConcluded, CaseReviewScheduled
from tsunagu_contracts.events.scheduling import DisciplineAdvice as AdviceData
from tsunagu_servicekit.messaging.outbox import UnitOfWork
from tsunagu_servicekit.telemetry import extract_context, get_tracer, inject_headers

from ..adapters import locks
from ..adapters.tables import Meeting, Review
from ..domain import rules
from ..domain.agenda import MeetingLoad, NoMeetingAhead, Placement, place
from ..domain.codes import (
    CancellationReason,
    MeetingKind,
    ReviewPlacement,
    ReviewStatus,
    ReviewUrgency,
    Urgency,
)
from ..domain.endings import Ending, ending_review, withdraws_review
from ..domain.meetings import derived_id
from .commands import ConcludeReview
from .context import SchedulingContext, new_id
from .endings import recorded
from .errors import refuse
from .meetings import add_meeting, ensure_year

_tracer = get_tracer("tsunagu.scheduling.reviews")


def review_id_of(escalation_id: str) -> str:
    return derived_id("review", escalation_id)


def on_agenda() -> Any:
    """Reviews that take a place on their agenda: all but the withdrawn."""
    return Review.status != ReviewStatus.WITHDRAWN.value


def meeting_loads(uow: UnitOfWork, after: Any) -> list[MeetingLoad]:
    """Case review meetings after a date, with how many cases each agenda holds."""
    used = (
        select(Review.meeting_id, sa.func.count().label("n"))  # type: ignore[arg-type]
        .where(on_agenda())
        .group_by(Review.meeting_id)
        .subquery()
    )
    rows = uow.session.execute(
        sa.select(Meeting.id, Meeting.meeting_date, Meeting.extra, Meeting.agenda_capacity, used.c.n)
        .outerjoin(used, used.c.meeting_id == Meeting.id)
        .where(Meeting.kind == MeetingKind.CASE_REVIEW.value, Meeting.meeting_date > after)
    ).all()
    return [MeetingLoad(r[0], r[1], bool(r[2]), int(r[3] or 0), int(r[4] or 0)) for r in rows]


def _placement(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[Any]) -> Placement:
    data: CaseEscalated = event.data
    escalated_on = data.escalated_at.astimezone(TOKYO).date()
    fy = fiscal_year(escalated_on)
    for year in (fy, fy + 1):
        ensure_year(ctx, uow, year, [MeetingKind.CASE_REVIEW], cause=event)
        try:
            return place(
                Urgency(data.urgency.value),
                escalated_on,
                meeting_loads(uow, escalated_on),
                ctx.review_policy,
                ctx.calendar,
            )
        except NoMeetingAhead:
            continue
    raise NoMeetingAhead("every regular meeting of two fiscal years is full")


def on_case_escalated(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
    """Put an escalated case on the agenda of the next meeting with room (or an extra consultation)."""
    data: CaseEscalated = event.data
    locks.hold(uow.session, locks.ENDINGS)
    review_id = review_id_of(data.escalation_id)
    if uow.session.get(Review, review_id) is not None:
        return  # already on an agenda (the same escalation replayed under other message ids)
    placement = _placement(ctx, uow, event)
    if placement.meeting_id is None:
        meeting = add_meeting(
            ctx,
            uow,
            MeetingKind.CASE_REVIEW,
            placement.day,
            extra=True,
            agenda_capacity=ctx.review_policy.extra_agenda_capacity,
            cause=event,
        )
    else:
        found = uow.session.get(Meeting, placement.meeting_id)
        assert found is not None
        meeting = found
    last = uow.session.exec(select(sa.func.max(Review.position)).where(Review.meeting_id == meeting.id)).one()
    position = int(last or 0) + 1
    carrier = inject_headers()
    review = Review(
        id=review_id,
        escalation_id=data.escalation_id,
        case_id=data.case_id,
        person_id=data.person_id,
        meeting_id=meeting.id,
        position=position,
        urgency=data.urgency.value,
        placement=placement.placement.value,
        status=ReviewStatus.SCHEDULED.value,
        reason_codes=[r.value for r in data.reason_codes],
        risk_level=data.risk_level.value,
        municipality_code=data.municipality_code,
        escalated_at=data.escalated_at,
        escalation_event_id=event.id,
        correlation_id=event.correlationid,
        traceparent=carrier.get("traceparent"),
        tracestate=carrier.get("tracestate"),
        created_at=ctx.now(),
    )
    uow.session.add(review)
    uow.session.flush()
    ending = ending_review(
        recorded(uow.session, data.case_id, data.person_id), data.escalated_at, meeting.starts_at
    )
    if ending is not None:
        # The case's closure or the person's erasure arrived first (another consumer): the case
        # leaves the agenda as it would have had the events come in order. Nothing is announced
        # for a place already given up.
        withdraw(ctx, uow, [review], ending.reason)
        return
    uow.add_event(
        caused_by(
            event,
            CaseReviewScheduled(
                review_id=review.id,
                case_id=review.case_id,
                person_id=review.person_id,
                escalation_id=review.escalation_id,
                meeting_id=meeting.id,
                meeting_date=meeting.meeting_date,
                meeting_starts_at=meeting.starts_at,
                urgency=ReviewUrgency(review.urgency),
                placement=ReviewPlacement(review.placement),
                agenda_position=position,
            ),
            subject=review.case_id,
        )
    )


def withdraw(
    ctx: SchedulingContext, uow: UnitOfWork, reviews: Sequence[Review], reason: CancellationReason
) -> int:
    """Take reviews still scheduled off their agendas (the case closed, the person erased).

    Each keeps its row and position number as history and frees its place: capacity counts only
    reviews on the agenda (``on_agenda``), and the next case placed on the meeting takes the next
    number, so the positions of the others never change. The stored trace context is dropped (no
    conclusion will continue the trace). A review concluded meanwhile is left alone (conditional
    update). Returns how many were withdrawn.
    """
    ids = [r.id for r in reviews]
    if not ids:
        return 0
    result = uow.session.execute(
        sa.update(Review)
        .where(Review.id.in_(ids), Review.status == ReviewStatus.SCHEDULED.value)  # type: ignore[attr-defined]
        .values(
            status=ReviewStatus.WITHDRAWN.value,
            withdrawn_reason=reason.value,
            withdrawn_at=ctx.now(),
            traceparent=None,
            tracestate=None,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def withdraw_ended(ctx: SchedulingContext, uow: UnitOfWork, ending: Ending, whose: Any) -> int:
    """Withdraw the reviews still scheduled that ``whose`` selects (a case's, a person's) and that
    the case's closure or the person's erasure takes off their agendas (``domain.endings``)."""
    rows = uow.session.exec(
        select(Review, Meeting.starts_at)
        .join(Meeting, Meeting.id == Review.meeting_id)  # type: ignore[arg-type]
        .where(whose, Review.status == ReviewStatus.SCHEDULED.value)
    ).all()
    leaving = [
        review
        for review, starts_at in rows
        if withdraws_review(ending, ReviewStatus(review.status), review.escalated_at, starts_at)
    ]
    return withdraw(ctx, uow, leaving, ending.reason)


def _parent_context(review: Review) -> Any:
    if not review.traceparent:
        return None
    carrier = {"traceparent": review.traceparent}
    if review.tracestate:
        carrier["tracestate"] = review.tracestate
    return extract_context(carrier)


def conclude(ctx: SchedulingContext, review_id: str, cmd: ConcludeReview, *, by: str) -> Review:
    """Record the expert team's advice and send it to intake as codes and a reference."""
    disciplines = [a.discipline for a in cmd.advice]
    if len(set(disciplines)) != len(disciplines):
        refuse(rules.DISCIPLINE_TWICE)
    now = ctx.now()
    request_span = trace.get_current_span()
    with ctx.uow() as uow:
        review = uow.session.get(Review, review_id)
        if review is None:
            refuse(rules.REVIEW_NOT_FOUND)
        if review.status == ReviewStatus.WITHDRAWN:
            refuse(rules.REVIEW_WITHDRAWN)
        meeting = uow.session.get(Meeting, review.meeting_id)
        assert meeting is not None
        advice = [
            {"discipline": a.discipline.value, "advice_codes": [c.value for c in a.advice_codes]}
            for a in cmd.advice
        ]
        reference = new_id()
        table = Review.__table__  # type: ignore[attr-defined]
        changed = uow.session.execute(
            sa.update(table)
            .where(table.c.id == review.id, table.c.status == ReviewStatus.SCHEDULED.value)
            .values(
                status=ReviewStatus.CONCLUDED.value,
                advice=advice,
                recommended_risk=cmd.recommended_risk_level.value if cmd.recommended_risk_level else None,
                advice_reference_id=reference,
                concluded_at=now,
                concluded_by=by,
            )
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            refuse(rules.REVIEW_ALREADY_CONCLUDED)
        links = (
            [trace.Link(request_span.get_span_context())] if request_span.get_span_context().is_valid else []
        )
        with _tracer.start_as_current_span(
            "case_review conclude",
            context=_parent_context(review),
            links=links,
            attributes={"tsunagu.review_id": review.id, "tsunagu.meeting_id": meeting.id},
        ):
            uow.add_event(
                new_event(
                    CaseReviewConcluded(
                        review_id=review.id,
                        case_id=review.case_id,
                        meeting_date=meeting.meeting_date,
                        advice=[
                            AdviceData(discipline=a.discipline, advice_codes=list(a.advice_codes))
                            for a in cmd.advice
                        ],
                        advice_reference_id=reference,
                        escalation_ids=[review.escalation_id],
                        recommended_risk_level=cmd.recommended_risk_level,
                    ),
                    subject=review.case_id,
                    correlation_id=review.correlation_id,
                    causation_id=review.escalation_event_id,
                )
            )
        uow.commit()
        uow.session.refresh(review)
        uow.session.expunge(review)
    return review
