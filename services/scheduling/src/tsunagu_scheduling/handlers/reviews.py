"""Expert-team case reviews: escalated cases onto agendas, the team's advice back to intake.

The trace of a case spans the whole flow although the advice is recorded months later in a new
HTTP request: the consumer stores the trace context of the escalation with the agenda item, and
the span that records the conclusion starts with that context as its *parent* (the request's own
span is linked to it), so intake's escalation, scheduling's consumer, the conclusion and intake's
consumer of ``CaseReviewConcluded`` (v2) share one trace id. The conclusion continues the escalation's
flow too (its correlation id; the escalation event as its cause).

A review leaves its agenda (``withdraw``) when the case is closed or the person erased: it keeps
its row and its position number, and no longer counts against the meeting's capacity. A closure
or an erasure handled before the escalation it follows (each event type has its own consumer) is
found recorded (``adapters.endings``): the case is placed and withdrawn at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from tsunagu_calendar import TOKYO, fiscal_year
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import CaseEscalated
from tsunagu_contracts.events.scheduling import CaseReviewConcludedV2, CaseReviewScheduled
from tsunagu_contracts.events.scheduling import DisciplineAdvice as AdviceData
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.telemetry import extract_context, get_tracer, inject_headers
from tsunagu_servicekit.unit_of_work import EventRef, UnitOfWork

from ..adapters import endings, locks, meetings, reviews
from ..adapters.tables import Meeting, Review
from ..domain import rules
from ..domain.agenda import NoMeetingAhead, Placement, place
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
from .context import SchedulingContext
from .known import learn
from .meetings import add_meeting, ensure_year
from .views import ReviewView

_tracer = get_tracer("tsunagu.scheduling.reviews")


def review_id_of(escalation_id: str) -> str:
    return derived_id("review", escalation_id)


# -- escalations onto agendas ----------------------------------------------------------------


def on_case_escalated(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[CaseEscalated]) -> None:
    """Put an escalated case on the agenda of the next meeting with room (or an extra consultation)."""
    data = event.data
    locks.hold(uow.session, locks.ENDINGS)
    learn(ctx, uow, case_id=data.case_id, person_id=data.person_id)
    if reviews.get(uow.session, review_id_of(data.escalation_id)) is not None:
        return  # already on an agenda (the same escalation replayed under other message ids)
    placement = _placement(ctx, uow, data)
    meeting = _meeting_of(ctx, uow, placement)
    review = _review(ctx, event, meeting, placement, position=reviews.next_position(uow.session, meeting.id))
    reviews.add(uow.session, review)
    ending = ending_review(
        endings.recorded(uow.session, data.case_id, data.person_id), data.escalated_at, meeting.starts_at
    )
    if ending is not None:
        # The case's closure or the person's erasure arrived first (another consumer): the case
        # leaves the agenda as it would have had the events come in order. Nothing is announced
        # for a place already given up.
        withdraw(ctx, uow, [review], ending.reason)
        return
    uow.emit(_review_scheduled(review, meeting), subject=review.case_id)


def _placement(ctx: SchedulingContext, uow: UnitOfWork, data: CaseEscalated) -> Placement:
    """Where the case goes, among the meetings of the escalation's fiscal year and the next
    (generated first if they are not yet)."""
    escalated_on = data.escalated_at.astimezone(TOKYO).date()
    fy = fiscal_year(escalated_on)
    for year in (fy, fy + 1):
        ensure_year(ctx, uow, year, [MeetingKind.CASE_REVIEW])
        try:
            return place(
                Urgency(data.urgency.value),
                escalated_on,
                meetings.case_review_loads(uow.session, escalated_on),
                ctx.review_policy,
                ctx.calendar,
            )
        except NoMeetingAhead:
            continue
    raise NoMeetingAhead("every regular meeting of two fiscal years is full")


def _meeting_of(ctx: SchedulingContext, uow: UnitOfWork, placement: Placement) -> Meeting:
    """The meeting the placement names, or the extra consultation it asks for."""
    if placement.meeting_id is None:
        return add_meeting(
            ctx,
            uow,
            MeetingKind.CASE_REVIEW,
            placement.day,
            extra=True,
            agenda_capacity=ctx.review_policy.extra_agenda_capacity,
        )
    meeting = meetings.get(uow.session, placement.meeting_id)
    if meeting is None:
        raise LookupError("the placement names a meeting that is not there")
    return meeting


def _review(
    ctx: SchedulingContext,
    event: CloudEvent[CaseEscalated],
    meeting: Meeting,
    placement: Placement,
    *,
    position: int,
) -> Review:
    """The agenda item of the escalation, with the flow and the trace the conclusion continues."""
    data = event.data
    carrier = inject_headers()
    return Review(
        id=review_id_of(data.escalation_id),
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


def _review_scheduled(review: Review, meeting: Meeting) -> CaseReviewScheduled:
    return CaseReviewScheduled(
        review_id=review.id,
        case_id=review.case_id,
        person_id=review.person_id,
        escalation_id=review.escalation_id,
        meeting_id=meeting.id,
        meeting_date=meeting.meeting_date,
        meeting_starts_at=meeting.starts_at,
        urgency=ReviewUrgency(review.urgency),
        placement=ReviewPlacement(review.placement),
        agenda_position=review.position,
    )


# -- leaving the agenda ----------------------------------------------------------------------


def withdraw(
    ctx: SchedulingContext, uow: UnitOfWork, leaving: Sequence[Review], reason: CancellationReason
) -> int:
    """Take reviews still scheduled off their agendas (the case closed, the person erased).

    Each keeps its row and position number as history and frees its place: capacity counts only
    reviews on the agenda, and the next case placed on the meeting takes the next number, so the
    positions of the others never change. The stored trace context is dropped (no conclusion will
    continue the trace). A review concluded meanwhile is left alone. Returns how many were withdrawn.
    """
    return reviews.withdraw(uow.session, [r.id for r in leaving], reason, ctx.now())


def withdraw_ended(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    ending: Ending,
    *,
    case_id: str | None = None,
    person_id: str | None = None,
    case_ids: Sequence[str] = (),
) -> int:
    """Withdraw the reviews still scheduled of a case (or of a person and their ``case_ids``) that
    the case's closure or the person's erasure takes off their agendas (``domain.endings``)."""
    scheduled = reviews.scheduled_of(uow.session, case_id=case_id, person_id=person_id, case_ids=case_ids)
    leaving = [
        review
        for review, starts_at in scheduled
        if withdraws_review(ending, ReviewStatus(review.status), review.escalated_at, starts_at)
    ]
    return withdraw(ctx, uow, leaving, ending.reason)


# -- the expert team's advice ----------------------------------------------------------------


def _parent_context(review: Review) -> Context | None:
    if not review.traceparent:
        return None
    carrier = {"traceparent": review.traceparent}
    if review.tracestate:
        carrier["tracestate"] = review.tracestate
    return extract_context(carrier)


def _concluded(
    review: Review, meeting: Meeting, cmd: ConcludeReview, reference: str
) -> CaseReviewConcludedV2:
    return CaseReviewConcludedV2(
        review_id=review.id,
        case_id=review.case_id,
        escalation_id=review.escalation_id,
        meeting_date=meeting.meeting_date,
        advice=[AdviceData(discipline=a.discipline, advice_codes=list(a.advice_codes)) for a in cmd.advice],
        advice_reference_id=reference,
        recommended_risk_level=cmd.recommended_risk_level,
    )


def _open_review(uow: UnitOfWork, review_id: str) -> tuple[Review, Meeting]:
    """A review that may still be concluded, and its meeting."""
    review = reviews.get(uow.session, review_id)
    if review is None:
        refuse(rules.REVIEW_NOT_FOUND)
    if review.status == ReviewStatus.WITHDRAWN:
        refuse(rules.REVIEW_WITHDRAWN)
    meeting = meetings.get(uow.session, review.meeting_id)
    if meeting is None:
        raise LookupError("a review's meeting is not there")
    return review, meeting


def conclude(ctx: SchedulingContext, review_id: str, cmd: ConcludeReview, *, by: str) -> ReviewView:
    """Record the expert team's advice and send it to intake as codes and a reference."""
    disciplines = [a.discipline for a in cmd.advice]
    if len(set(disciplines)) != len(disciplines):
        refuse(rules.DISCIPLINE_TWICE)
    request_span = trace.get_current_span().get_span_context()
    reference = ctx.new_id()
    with ctx.uow() as uow:
        review, meeting = _open_review(uow, review_id)
        concluded = reviews.conclude(
            uow.session,
            review,
            advice=[
                {"discipline": a.discipline.value, "advice_codes": [c.value for c in a.advice_codes]}
                for a in cmd.advice
            ],
            recommended_risk=cmd.recommended_risk_level.value if cmd.recommended_risk_level else None,
            advice_reference_id=reference,
            concluded_at=ctx.now(),
            concluded_by=by,
        )
        if not concluded:
            refuse(rules.REVIEW_ALREADY_CONCLUDED)
        with (
            _tracer.start_as_current_span(
                "case_review conclude",
                context=_parent_context(review),
                links=[trace.Link(request_span)] if request_span.is_valid else [],
                attributes={"tsunagu.review_id": review.id, "tsunagu.meeting_id": meeting.id},
            ),
            uow.handling(EventRef(id=review.escalation_event_id, correlationid=review.correlation_id)),
        ):
            uow.emit(_concluded(review, meeting, cmd, reference), subject=review.case_id)
        uow.commit()
    return ReviewView.model_validate(review)


# -- reads -----------------------------------------------------------------------------------


def get(ctx: SchedulingContext, review_id: str) -> ReviewView:
    with ctx.reading() as uow:
        review = reviews.get(uow.session, review_id)
        if review is None:
            refuse(rules.REVIEW_NOT_FOUND)
        return ReviewView.model_validate(review)


def listing(
    ctx: SchedulingContext, *, case_id: str | None, status: ReviewStatus | None, escalation_id: str | None
) -> list[ReviewView]:
    with ctx.reading() as uow:
        found = reviews.listing(
            uow.session, case_id=case_id, status=status.value if status else None, escalation_id=escalation_id
        )
        return [ReviewView.model_validate(r) for r in found]
