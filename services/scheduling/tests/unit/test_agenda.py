"""Placing escalated cases on expert-team agendas, without I/O."""

from __future__ import annotations

from datetime import date

import pytest
from tsunagu_calendar import ServiceCalendar
from tsunagu_scheduling.domain.agenda import MeetingLoad, NoMeetingAhead, Placement, ReviewPolicy, place
from tsunagu_scheduling.domain.codes import ReviewPlacement, Urgency

CAL = ServiceCalendar()
POLICY = ReviewPolicy(
    routine_lead_business_days=5,
    urgent_max_wait_days=14,
    immediate_max_wait_business_days=2,
    extra_lead_business_days=1,
    extra_agenda_capacity=2,
)
APRIL = MeetingLoad("m-apr", date(2026, 4, 15), False, 8, 0)
JUNE = MeetingLoad("m-jun", date(2026, 6, 17), False, 8, 0)
AUGUST = MeetingLoad("m-aug", date(2026, 8, 19), False, 8, 0)


def full(m: MeetingLoad) -> MeetingLoad:
    return MeetingLoad(m.meeting_id, m.day, m.extra, m.capacity, m.capacity)


def test_routine_goes_to_the_next_regular_meeting_with_room() -> None:
    got = place(Urgency.ROUTINE, date(2026, 4, 1), [JUNE, APRIL, AUGUST], POLICY, CAL)
    assert got == Placement(ReviewPlacement.REGULAR, APRIL.day, "m-apr")


def test_routine_skips_a_full_meeting() -> None:
    got = place(Urgency.ROUTINE, date(2026, 4, 1), [full(APRIL), JUNE], POLICY, CAL)
    assert got.meeting_id == "m-jun"


def test_routine_needs_the_lead_time_in_business_days() -> None:
    # 2026-04-09 (Thu) to 04-15 (Wed): 4 business days, fewer than 5.
    got = place(Urgency.ROUTINE, date(2026, 4, 9), [APRIL, JUNE], POLICY, CAL)
    assert got.meeting_id == "m-jun"
    # 2026-04-08 (Wed) to 04-15: exactly 5.
    assert place(Urgency.ROUTINE, date(2026, 4, 8), [APRIL, JUNE], POLICY, CAL).meeting_id == "m-apr"


def test_routine_never_goes_to_a_past_or_same_day_meeting() -> None:
    assert place(Urgency.ROUTINE, APRIL.day, [APRIL, JUNE], POLICY, CAL).meeting_id == "m-jun"


def test_routine_with_no_room_ahead_asks_for_the_next_year() -> None:
    with pytest.raises(NoMeetingAhead):
        place(Urgency.ROUTINE, date(2026, 6, 20), [APRIL, JUNE], POLICY, CAL)


def test_urgent_takes_the_earliest_meeting_even_without_lead_time() -> None:
    got = place(Urgency.URGENT, date(2026, 4, 13), [APRIL, JUNE], POLICY, CAL)
    assert got == Placement(ReviewPlacement.REGULAR, APRIL.day, "m-apr")


def test_urgent_far_from_any_meeting_gets_an_extra_consultation_next_business_day() -> None:
    # Friday 2026-05-01: the next business day is Thursday 05-07 (Golden Week).
    got = place(Urgency.URGENT, date(2026, 5, 1), [APRIL, JUNE], POLICY, CAL)
    assert got == Placement(ReviewPlacement.EXTRA, date(2026, 5, 7))


def test_urgent_joins_an_existing_extra_with_room() -> None:
    extra = MeetingLoad("x-0507", date(2026, 5, 7), True, 2, 1)
    got = place(Urgency.URGENT, date(2026, 5, 1), [APRIL, JUNE, extra], POLICY, CAL)
    assert got == Placement(ReviewPlacement.EXTRA, date(2026, 5, 7), "x-0507")


def test_a_full_extra_moves_the_next_one_a_business_day_on() -> None:
    extra = MeetingLoad("x-0507", date(2026, 5, 7), True, 2, 2)
    got = place(Urgency.IMMEDIATE, date(2026, 5, 1), [APRIL, JUNE, extra], POLICY, CAL)
    assert got == Placement(ReviewPlacement.EXTRA, date(2026, 5, 8))


def test_immediate_takes_a_regular_meeting_only_within_two_business_days() -> None:
    assert place(Urgency.IMMEDIATE, date(2026, 4, 13), [APRIL], POLICY, CAL).meeting_id == "m-apr"
    got = place(Urgency.IMMEDIATE, date(2026, 4, 10), [APRIL], POLICY, CAL)
    assert got == Placement(ReviewPlacement.EXTRA, date(2026, 4, 13))


def test_extras_never_fall_in_the_closure() -> None:
    got = place(Urgency.IMMEDIATE, date(2026, 12, 28), [], POLICY, CAL)
    assert got == Placement(ReviewPlacement.EXTRA, date(2027, 1, 4))
