"""Meeting generation from rules, without I/O."""

from __future__ import annotations

import json
from datetime import date, time
from importlib import resources

import pytest
from tsunagu_calendar import ServiceCalendar
from tsunagu_scheduling.domain.codes import MeetingKind
from tsunagu_scheduling.domain.meetings import (
    MeetingRule,
    derived_id,
    load_meeting_rules,
    meeting_id,
    nth_weekday,
    rule_dates,
)

CAL = ServiceCalendar()
REVIEWS = MeetingRule(MeetingKind.CASE_REVIEW, (4, 6, 8, 10, 12, 2), 2, 3, time(14), 120, 8)


def test_expert_team_meets_six_times_a_fiscal_year_on_the_third_wednesday_of_even_months() -> None:
    assert rule_dates(REVIEWS, 2026, CAL) == [
        date(2026, 4, 15),
        date(2026, 6, 17),
        date(2026, 8, 19),
        date(2026, 10, 21),
        date(2026, 12, 16),
        date(2027, 2, 17),
    ]


@pytest.mark.parametrize("fy", range(2024, 2031))
def test_every_generated_date_is_a_business_day_inside_the_fiscal_year(fy: int) -> None:
    days = rule_dates(REVIEWS, fy, CAL)
    assert len(days) == 6
    assert all(CAL.is_business_day(d) for d in days)
    assert all(date(fy, 4, 1) <= d <= date(fy + 1, 3, 31) for d in days)


def test_a_date_on_a_holiday_moves_to_the_next_business_day() -> None:
    # The fourth Wednesday of September 2026 is the autumnal equinox (秋分の日).
    rule = MeetingRule(MeetingKind.SUPPORTER_EXCHANGE, (9,), 2, 4, time(14), 60)
    assert CAL.is_holiday(date(2026, 9, 23))
    assert rule_dates(rule, 2026, CAL) == [date(2026, 9, 24)]


def test_a_date_in_the_closure_moves_past_it() -> None:
    # The last Tuesday of December 2026 is the 29th: closed until 3 January, the 4th is a Monday.
    rule = MeetingRule(MeetingKind.COUNCIL, (12,), 1, -1, time(15), 60)
    assert rule_dates(rule, 2026, CAL) == [date(2027, 1, 4)]


def test_nth_weekday() -> None:
    assert nth_weekday(2026, 4, 2, 1) == date(2026, 4, 1)
    assert nth_weekday(2026, 4, 2, -1) == date(2026, 4, 29)
    assert nth_weekday(2027, 2, 2, 3) == date(2027, 2, 17)


def test_meeting_ids_are_stable_and_distinct() -> None:
    a = meeting_id(MeetingKind.CASE_REVIEW, date(2026, 4, 15))
    assert a == meeting_id(MeetingKind.CASE_REVIEW, date(2026, 4, 15))
    assert a != meeting_id(MeetingKind.CASE_REVIEW, date(2026, 4, 15), extra=True)
    assert a != meeting_id(MeetingKind.COUNCIL, date(2026, 4, 15))
    assert derived_id("x", 1) == derived_id("x", 1) != derived_id("x", 2)


def test_shipped_rules_load() -> None:
    data = json.loads(resources.files("tsunagu_scheduling.data").joinpath("meeting_rules.json").read_text())
    rules = load_meeting_rules(data)
    assert set(rules) == set(MeetingKind)
    assert rules[MeetingKind.CASE_REVIEW] == REVIEWS
    assert len(rule_dates(rules[MeetingKind.SUPPORTER_EXCHANGE], 2026, CAL)) == 2


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"kind": "council", "months": [13], "weekday": "mon", "nth": 1, "starts": "10:00", "minutes": 60},
            "1-12",
        ),
        (
            {"kind": "council", "months": [4], "weekday": "xyz", "nth": 1, "starts": "10:00", "minutes": 60},
            "xyz",
        ),
        (
            {
                "kind": "case_review",
                "months": [4],
                "weekday": "mon",
                "nth": 1,
                "starts": "10:00",
                "minutes": 60,
            },
            "capacity",
        ),
        (
            {
                "kind": "council",
                "months": [4],
                "weekday": "mon",
                "nth": 1,
                "starts": "10:00",
                "minutes": 60,
                "x": 1,
            },
            "unknown",
        ),
    ],
)
def test_bad_rules_are_refused(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_meeting_rules([raw])
