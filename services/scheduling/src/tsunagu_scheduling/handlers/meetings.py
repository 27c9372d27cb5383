"""Meetings: the year's meetings generated from the rules, ad-hoc meetings, participants, minutes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from tsunagu_calendar import TOKYO, fiscal_year
from tsunagu_contracts.events.scheduling import MeetingScheduled
from tsunagu_servicekit.errors import Refusal, refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import claims, meetings, minutes, reviews
from ..adapters.tables import Meeting, MeetingMinutes, MeetingParticipant
from ..domain import rules
from ..domain.codes import Channel, MeetingKind, ReviewStatus
from ..domain.meetings import meeting_id, rule_dates
from ..domain.minutes import MinutesStatus, approval_refusal, save_refusal
from ..domain.slots import Span, at_tokyo
from .booking import check_available, check_time, hold, load_room
from .commands import CreateMeeting, GenerateMeetings, SaveMinutes, SetParticipants
from .context import SchedulingContext
from .views import MeetingView, MinutesView, ParticipantView, ReviewView

HOLDER = "meeting"
GENERATION_ATTEMPTS = 3
"""A consumer may be generating the same year at the same moment: the loser reads again."""


def _scheduled(meeting: Meeting) -> MeetingScheduled:
    return MeetingScheduled(
        meeting_id=meeting.id,
        kind=MeetingKind(meeting.kind),
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        fiscal_year=meeting.fiscal_year,
        extra=meeting.extra,
        agenda_capacity=meeting.agenda_capacity,
        room_id=meeting.room_id,
    )


def add_meeting(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    kind: MeetingKind,
    day: date,
    *,
    extra: bool,
    agenda_capacity: int | None,
) -> Meeting:
    """Add a meeting on ``day`` at the rule's time; its id is derived, so adding it twice fails."""
    rule = ctx.meeting_rules[kind]
    starts = at_tokyo(day, rule.starts)
    meeting = Meeting(
        id=meeting_id(kind, day, extra=extra),
        kind=kind.value,
        extra=extra,
        fiscal_year=fiscal_year(day),
        meeting_date=day,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=rule.minutes),
        agenda_capacity=agenda_capacity,
        created_at=ctx.now(),
    )
    if not meetings.add(uow.session, meeting):
        # Added meanwhile by another transaction: this one cannot go on (generate tries again).
        refuse(rules.MEETING_EXISTS)
    uow.emit(_scheduled(meeting), subject=meeting.id)
    return meeting


def ensure_year(
    ctx: SchedulingContext, uow: UnitOfWork, fy: int, kinds: Iterable[MeetingKind]
) -> list[Meeting]:
    """Make sure the fiscal year's regular meetings of ``kinds`` exist; returns them by date."""
    kinds = [k for k in kinds if k in ctx.meeting_rules]
    existing = {m.id: m for m in meetings.regular_of_year(uow.session, fy, kinds)}
    for kind in kinds:
        rule = ctx.meeting_rules[kind]
        for day in rule_dates(rule, fy, ctx.calendar):
            if meeting_id(kind, day) not in existing:
                meeting = add_meeting(ctx, uow, kind, day, extra=False, agenda_capacity=rule.agenda_capacity)
                existing[meeting.id] = meeting
    return sorted(existing.values(), key=lambda m: (m.starts_at, m.kind))


def generate(ctx: SchedulingContext, cmd: GenerateMeetings) -> list[MeetingView]:
    """Generate a fiscal year's meetings from the rules (idempotent)."""
    for _ in range(GENERATION_ATTEMPTS):
        with ctx.uow() as uow:
            try:
                generated = ensure_year(ctx, uow, cmd.fiscal_year, cmd.kinds)
                uow.commit()
            except Refusal as refusal:
                if refusal.rule is not rules.MEETING_EXISTS:
                    raise
                continue
            return [MeetingView.model_validate(m) for m in generated]
    refuse(rules.MEETING_EXISTS)


def create(ctx: SchedulingContext, cmd: CreateMeeting) -> MeetingView:
    """An ad-hoc meeting: an extra case review consultation, an extra exchange or council meeting."""
    span = Span.of(cmd.starts_at, cmd.minutes)
    check_time(ctx, Channel.MEETINGS, span, max_minutes=ctx.max_meeting_minutes)
    day = span.start.astimezone(TOKYO).date()
    capacity = cmd.agenda_capacity
    if cmd.kind is MeetingKind.CASE_REVIEW and capacity is None:
        capacity = ctx.review_policy.extra_agenda_capacity
    with ctx.uow() as uow:
        meeting = Meeting(
            id=meeting_id(cmd.kind, day, extra=True),
            kind=cmd.kind.value,
            extra=True,
            fiscal_year=fiscal_year(day),
            meeting_date=day,
            starts_at=span.start,
            ends_at=span.end,
            agenda_capacity=capacity if cmd.kind is MeetingKind.CASE_REVIEW else None,
            room_id=cmd.room_id,
            created_at=ctx.now(),
        )
        if meetings.get(uow.session, meeting.id) is not None:
            refuse(rules.MEETING_EXISTS)
        if cmd.room_id is not None:
            room = load_room(uow.session, cmd.room_id)
            check_available(ctx, uow.session, room, Channel.MEETINGS, span)
            hold(uow, HOLDER, meeting.id, [(claims.ROOM, cmd.room_id)], span)
        if not meetings.add(uow.session, meeting):
            uow.rollback()
            refuse(rules.MEETING_EXISTS)
        uow.emit(_scheduled(meeting), subject=meeting.id)
        uow.commit()
    return MeetingView.model_validate(meeting)


def set_participants(ctx: SchedulingContext, meeting_id: str, cmd: SetParticipants) -> list[ParticipantView]:
    """Replace the organisations taking part in a supporter exchange or council meeting."""
    merged: dict[tuple[str, str], int] = {}
    for p in cmd.participants:
        key = (p.organisation_type.value, p.organisation_code)
        merged[key] = merged.get(key, 0) + p.attendees
    with ctx.uow() as uow:
        meeting = _meeting(uow, meeting_id)
        if meeting.kind == MeetingKind.CASE_REVIEW:
            refuse(rules.PARTICIPANTS_NOT_RECORDED)
        rows = [
            MeetingParticipant(meeting_id=meeting.id, organisation_type=t, organisation_code=c, attendees=n)
            for (t, c), n in sorted(merged.items())
        ]
        meetings.replace_participants(uow.session, meeting.id, rows)
        uow.commit()
    return [ParticipantView.model_validate(p) for p in rows]


# -- minutes ---------------------------------------------------------------------------------
# Their text goes into the table and the answer to the caller only: no event, no log line.


def save_minutes(ctx: SchedulingContext, meeting_id: str, cmd: SaveMinutes, *, by: str) -> MinutesView:
    """Record the meeting's minutes, or replace the draft's text (``domain.minutes``)."""
    now = ctx.now()
    with ctx.uow() as uow:
        meeting = _meeting(uow, meeting_id)
        found = minutes.get(uow.session, meeting.id)
        status = MinutesStatus(found.status) if found is not None else None
        problem = save_refusal(
            status,
            current_revision=found.revision if found is not None else None,
            expected_revision=cmd.revision,
            meeting_starts_at=meeting.starts_at,
            now=now,
        )
        if problem is not None:
            refuse(problem)
        if found is None:
            found = MeetingMinutes(
                meeting_id=meeting.id,
                text=cmd.text,
                status=MinutesStatus.DRAFT.value,
                revision=1,
                recorded_by=by,
                recorded_at=now,
                updated_by=by,
                updated_at=now,
            )
            if not minutes.add(uow.session, found):
                uow.rollback()
                refuse(rules.MINUTES_CHANGED)  # recorded by someone else at the same moment
        elif not minutes.save_draft(
            uow.session, meeting.id, cmd.text, revision=found.revision, at=now, by=by
        ):
            minutes.reread(uow.session, found)
            refuse(
                rules.MINUTES_APPROVED if found.status == MinutesStatus.APPROVED else rules.MINUTES_CHANGED
            )
        else:
            minutes.reread(uow.session, found)
        view = MinutesView.of(found)
        uow.commit()
    return view


def approve_minutes(ctx: SchedulingContext, meeting_id: str, *, by: str) -> MinutesView:
    """Approve the draft: from now on the minutes are frozen."""
    with ctx.uow() as uow:
        _meeting(uow, meeting_id)
        found = minutes.get(uow.session, meeting_id)
        problem = approval_refusal(MinutesStatus(found.status) if found is not None else None)
        if found is None or problem is not None:
            refuse(problem or rules.MINUTES_NOT_FOUND)
        if not minutes.approve(uow.session, meeting_id, at=ctx.now(), by=by):
            refuse(rules.MINUTES_APPROVED)
        minutes.reread(uow.session, found)
        view = MinutesView.of(found)
        uow.commit()
    return view


def get_minutes(ctx: SchedulingContext, meeting_id: str) -> MinutesView:
    with ctx.reading() as uow:
        _meeting(uow, meeting_id)
        found = minutes.get(uow.session, meeting_id)
        if found is None:
            refuse(rules.MINUTES_NOT_FOUND)
        return MinutesView.of(found)


# -- reads -----------------------------------------------------------------------------------


def _meeting(uow: UnitOfWork, meeting_id: str) -> Meeting:
    meeting = meetings.get(uow.session, meeting_id)
    if meeting is None:
        refuse(rules.MEETING_NOT_FOUND)
    return meeting


def listing(
    ctx: SchedulingContext, *, kind: MeetingKind | None, fiscal_year: int | None
) -> list[MeetingView]:
    with ctx.reading() as uow:
        found = meetings.listing(uow.session, kind=kind.value if kind else None, fiscal_year=fiscal_year)
        return [MeetingView.of(m, used) for m, used in found]


def get(ctx: SchedulingContext, meeting_id: str) -> MeetingView:
    """The meeting with how many cases its agenda holds (withdrawn ones do not count)."""
    with ctx.reading() as uow:
        meeting = _meeting(uow, meeting_id)
        items = reviews.of_meeting(uow.session, meeting.id) if meeting.kind == MeetingKind.CASE_REVIEW else []
        return MeetingView.of(meeting, sum(1 for r in items if r.status != ReviewStatus.WITHDRAWN))


def agenda(ctx: SchedulingContext, meeting_id: str) -> list[ReviewView]:
    """The cases on a case review meeting's agenda, in order (withdrawn ones keep their position)."""
    with ctx.reading() as uow:
        meeting = _meeting(uow, meeting_id)
        if meeting.kind != MeetingKind.CASE_REVIEW:
            return []
        return [ReviewView.model_validate(r) for r in reviews.of_meeting(uow.session, meeting.id)]


def participants(ctx: SchedulingContext, meeting_id: str) -> list[ParticipantView]:
    """The organisations taking part in an exchange or council meeting (none for case reviews)."""
    with ctx.reading() as uow:
        meeting = _meeting(uow, meeting_id)
        if meeting.kind == MeetingKind.CASE_REVIEW:
            return []
        return [ParticipantView.model_validate(p) for p in meetings.participants(uow.session, meeting.id)]
