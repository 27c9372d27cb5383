"""Where an escalated case goes: the agenda of the next expert-team meeting with room.

The expert team (medicine, psychology, law, welfare) meets every two months; each meeting has an
agenda capacity. An escalation is placed by its urgency, counted from the Tokyo date it was
escalated (the event's time, not the clock: replaying the same events places them the same way):

``routine``
    The first *regular* meeting with room at least ``routine_lead_business_days`` business days
    after the escalation (the members need time to read the brief).
``urgent``
    The earliest meeting with room — regular or extra — within ``urgent_max_wait_days`` days;
    failing that, an extra consultation (臨時) ``extra_lead_business_days`` business days after
    the escalation.
``immediate``
    The earliest meeting with room within ``immediate_max_wait_business_days`` business days;
    failing that, an extra consultation ``extra_lead_business_days`` business days after it.

An extra consultation that is already full moves the next one to the following business day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from tsunagu_calendar import ServiceCalendar

from .codes import ReviewPlacement, Urgency


@dataclass(frozen=True, slots=True)
class ReviewPolicy:
    routine_lead_business_days: int = 5
    urgent_max_wait_days: int = 14
    immediate_max_wait_business_days: int = 2
    extra_lead_business_days: int = 1
    extra_agenda_capacity: int = 4

    def __post_init__(self) -> None:
        if (
            min(
                self.routine_lead_business_days,
                self.urgent_max_wait_days,
                self.immediate_max_wait_business_days,
                self.extra_lead_business_days,
            )
            < 0
        ):
            raise ValueError("review policy values are not negative")
        if self.extra_agenda_capacity < 1:
            raise ValueError("an extra consultation has room for at least one case")


@dataclass(frozen=True, slots=True)
class MeetingLoad:
    """A case review meeting as placement sees it: when, what kind, how full."""

    meeting_id: str
    day: date
    extra: bool
    capacity: int
    used: int

    @property
    def has_room(self) -> bool:
        return self.used < self.capacity


@dataclass(frozen=True, slots=True)
class Placement:
    """Put the case on ``meeting_id``, or (``meeting_id is None``) on a new extra meeting on ``day``."""

    placement: ReviewPlacement
    day: date
    meeting_id: str | None = None


class NoMeetingAhead(LookupError):
    """No regular meeting with room is known after the escalation (generate the next year first)."""


def place(
    urgency: Urgency,
    escalated_on: date,
    meetings: Sequence[MeetingLoad],
    policy: ReviewPolicy,
    calendar: ServiceCalendar,
) -> Placement:
    """Choose the meeting for an escalation made on ``escalated_on`` (see the module documentation).

    ``meetings`` are the known case review meetings (any order). Raises :class:`NoMeetingAhead`
    when a routine case finds no regular meeting with room among them.
    """
    ahead = sorted((m for m in meetings if m.day > escalated_on), key=lambda m: (m.day, m.extra))
    if urgency is Urgency.ROUTINE:
        for m in ahead:
            if (
                not m.extra
                and m.has_room
                and calendar.business_days_between(escalated_on, m.day) >= policy.routine_lead_business_days
            ):
                return _on(m)
        raise NoMeetingAhead("no regular meeting with room ahead")
    if urgency is Urgency.URGENT:
        limit = escalated_on + timedelta(days=policy.urgent_max_wait_days)
        within = [m for m in ahead if m.day <= limit]
    else:
        within = [
            m
            for m in ahead
            if calendar.business_days_between(escalated_on, m.day) <= policy.immediate_max_wait_business_days
        ]
    for m in within:
        if m.has_room:
            return _on(m)
    return _extra(escalated_on, meetings, policy, calendar)


def _on(meeting: MeetingLoad) -> Placement:
    kind = ReviewPlacement.EXTRA if meeting.extra else ReviewPlacement.REGULAR
    return Placement(kind, meeting.day, meeting.meeting_id)


def _extra(
    escalated_on: date, meetings: Sequence[MeetingLoad], policy: ReviewPolicy, calendar: ServiceCalendar
) -> Placement:
    day = escalated_on
    for _ in range(max(policy.extra_lead_business_days, 1)):
        day = calendar.next_business_day(day)
    extras = {m.day: m for m in meetings if m.extra}
    while day in extras and not extras[day].has_room:
        day = calendar.next_business_day(day)
    existing = extras.get(day)
    if existing is not None:
        return _on(existing)
    return Placement(ReviewPlacement.EXTRA, day)
