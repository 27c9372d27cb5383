"""Meetings: the year's meetings generated from the rules, ad-hoc meetings, participants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from tsunagu_calendar import TOKYO, fiscal_year
from tsunagu_contracts import CloudEvent, new_event
from tsunagu_contracts.events.scheduling import MeetingScheduled
from tsunagu_servicekit.messaging.outbox import UnitOfWork

from ..adapters.tables import Meeting, MeetingParticipant
from ..domain import rules
from ..domain.codes import Channel, MeetingKind
from ..domain.meetings import meeting_id, rule_dates
from ..domain.slots import Span, at_tokyo
from .booking import check_available, check_time, hold, load_room
from .commands import CreateMeeting, GenerateMeetings, SetParticipants
from .context import SchedulingContext
from .errors import refuse
from .events import stage

HOLDER = "meeting"


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
    cause: CloudEvent[Any] | None = None,
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
    uow.session.add(meeting)
    uow.session.flush()
    stage(uow, _scheduled(meeting), subject=meeting.id, cause=cause)
    return meeting


def ensure_year(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    fy: int,
    kinds: Iterable[MeetingKind],
    *,
    cause: CloudEvent[Any] | None = None,
) -> list[Meeting]:
    """Make sure the fiscal year's regular meetings of ``kinds`` exist; returns them by date."""
    kinds = [k for k in kinds if k in ctx.meeting_rules]
    existing = {
        m.id: m
        for m in uow.session.exec(
            select(Meeting).where(
                Meeting.fiscal_year == fy,
                Meeting.extra.is_(False),  # type: ignore[attr-defined]
                Meeting.kind.in_([k.value for k in kinds]),  # type: ignore[attr-defined]
            )
        ).all()
    }
    for kind in kinds:
        rule = ctx.meeting_rules[kind]
        for day in rule_dates(rule, fy, ctx.calendar):
            if meeting_id(kind, day) not in existing:
                meeting = add_meeting(
                    ctx, uow, kind, day, extra=False, agenda_capacity=rule.agenda_capacity, cause=cause
                )
                existing[meeting.id] = meeting
    return sorted(existing.values(), key=lambda m: (m.starts_at, m.kind))


def generate(ctx: SchedulingContext, cmd: GenerateMeetings) -> list[Meeting]:
    """Generate a fiscal year's meetings from the rules (idempotent)."""
    for _ in range(3):  # a consumer may be generating the same year right now
        with ctx.uow() as uow:
            try:
                meetings = ensure_year(ctx, uow, cmd.fiscal_year, cmd.kinds)
                uow.commit()
            except IntegrityError:
                continue
            return meetings
    refuse(rules.MEETING_EXISTS)


def create(ctx: SchedulingContext, cmd: CreateMeeting) -> Meeting:
    """An ad-hoc meeting: an extra case review consultation, an extra exchange or council meeting."""
    span = Span.of(cmd.starts_at, cmd.minutes)
    check_time(ctx, Channel.MEETINGS, span, max_minutes=8 * 60)
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
        if uow.session.get(Meeting, meeting.id) is not None:
            refuse(rules.MEETING_EXISTS)
        if cmd.room_id is not None:
            room = load_room(uow.session, cmd.room_id)
            check_available(ctx, uow.session, room, Channel.MEETINGS, span)
            hold(uow, HOLDER, meeting.id, [("room", cmd.room_id)], span)
        uow.session.add(meeting)
        try:
            uow.session.flush()
        except IntegrityError:
            uow.rollback()
            refuse(rules.MEETING_EXISTS)
        uow.add_event(new_event(_scheduled(meeting), subject=meeting.id))
        uow.commit()
    return meeting


def set_participants(
    ctx: SchedulingContext, meeting_id_: str, cmd: SetParticipants
) -> list[MeetingParticipant]:
    """Replace the organisations taking part in a supporter exchange or council meeting."""
    with ctx.uow() as uow:
        meeting = uow.session.get(Meeting, meeting_id_)
        if meeting is None:
            refuse(rules.MEETING_NOT_FOUND)
        if meeting.kind == MeetingKind.CASE_REVIEW:
            refuse(rules.PARTICIPANTS_NOT_RECORDED)
        table = MeetingParticipant.__table__  # type: ignore[attr-defined]
        uow.session.execute(sa.delete(table).where(table.c.meeting_id == meeting.id))
        merged: dict[tuple[str, str], int] = {}
        for p in cmd.participants:
            key = (p.organisation_type.value, p.organisation_code)
            merged[key] = merged.get(key, 0) + p.attendees
        rows = [
            MeetingParticipant(meeting_id=meeting.id, organisation_type=t, organisation_code=c, attendees=n)
            for (t, c), n in sorted(merged.items())
        ]
        for row in rows:
            uow.session.add(row)
        uow.commit()
    return rows
