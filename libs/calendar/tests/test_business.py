"""Business days as data: loading, validation errors naming the element, channels, one-off days,
and moving a deadline by an extension or a pause."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest
from tsunagu_calendar import (
    DEFAULT_BUSINESS_CALENDAR,
    EMAIL,
    OFFICE,
    PHONE,
    TOKYO,
    BusinessCalendar,
    BusinessCalendarError,
    BusinessDayRule,
    CalendarConfigError,
    NoBusinessRuleError,
    OfficeHours,
    OneOffDay,
    Pause,
    ServiceCalendar,
    TimeInterval,
    UnknownChannelError,
    dump_business_calendar,
    load_business_calendar,
)


def jst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=TOKYO)


def full_data() -> dict[str, Any]:
    """Every kind of element once: two channels with a rule change, one-off days, a pause."""
    return {
        "rules": [
            {
                "channel": "office",
                "effective_from": "2000-04-01",
                "effective_to": None,
                "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                "hours": ["08:30", "17:15"],
                "observe_holidays": True,
                "observe_closure": True,
            },
            {
                "channel": "email",
                "effective_from": "2000-04-01",
                "effective_to": "2027-03-31",
                "weekdays": ["mon", "tue", "wed", "thu", "fri"],
                "hours": ["08:30", "17:15"],
            },
            {
                "channel": "email",
                "effective_from": "2027-04-01",
                "effective_to": None,
                "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
                "hours": ["10:00", "17:00"],
            },
        ],
        "one_off_days": [
            {"date": "2026-12-28", "channels": ["office", "phone"], "open": True, "cutoff": "12:00",
             "hours": [["10:00", "12:00"]], "note": "仕事納め（午前のみ）"},
            {"date": "2026-05-07", "channels": ["phone"], "open": False, "note": "設備点検"},
        ],
        "pauses": [
            {"channels": ["email"], "starts_at": "2026-05-07T09:00:00+09:00",
             "ends_at": "2026-05-08T12:00:00+09:00", "note": "メールシステム障害"},
        ],
    }  # fmt: skip


def test_round_trip_through_json_text() -> None:
    loaded = load_business_calendar(full_data())
    again = load_business_calendar(json.loads(json.dumps(dump_business_calendar(loaded))))
    assert again == loaded
    assert loaded.channels == (EMAIL, OFFICE)
    assert [r.effective_from for r in loaded.rules_of(EMAIL)] == [date(2000, 4, 1), date(2027, 4, 1)]


def test_the_default_is_the_office_monday_to_friday_until_17_15() -> None:
    (rule,) = DEFAULT_BUSINESS_CALENDAR.rules
    assert rule == BusinessDayRule(OFFICE, date(2000, 4, 1), None, frozenset(range(5)), OfficeHours())
    assert rule.cutoff == time(17, 15)
    assert (rule.observe_holidays, rule.observe_closure) == (True, True)
    calendar = ServiceCalendar()
    assert calendar.business == DEFAULT_BUSINESS_CALENDAR
    assert calendar.office_hours == OfficeHours(time(8, 30), time(17, 15))
    # E-mail and phone have no rules of their own: they follow the office.
    assert calendar.deadline_channel(EMAIL) == calendar.deadline_channel(PHONE) == OFFICE
    assert not calendar.is_business_day(date(2026, 5, 9), EMAIL)  # Saturday


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change to the data: ``value`` at ``path`` (dotted keys and list indexes; DELETE removes)."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        key_or_index: Any = int(last) if last.isdigit() else last
        if value is DELETE:
            del target[key_or_index]
        else:
            target[key_or_index] = value

    return change


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("extra", 1, r": unknown key\(s\) \['extra'\]"),
        ("rules", DELETE, r": missing required key 'rules'"),
        ("rules", {}, r"\.rules: expected a list"),
        ("rules.0.colour", "red", r"\.rules\[0\]: unknown key\(s\) \['colour'\]"),
        ("rules.0.hours", DELETE, r"\.rules\[0\]: missing required key 'hours'"),
        ("rules.0.channel", " office", r"\.rules\[0\]\.channel: a channel is"),
        ("rules.1.effective_from", "2000-02-30", r"\.rules\[1\]\.effective_from: '2000-02-30' is not a real"),
        ("rules.2.weekdays.5", "sat.", r"\.rules\[2\]\.weekdays\[5\]: unknown weekday 'sat\.'"),
        ("rules.2.weekdays.5", "mon", r"\.rules\[2\]\.weekdays\[5\]: 'mon' is listed twice"),
        ("rules.2.weekdays", [], r"\.rules\[2\]: .*weekdays must be a non-empty set"),
        ("rules.2.hours", ["17:00", "10:00"], r"\.rules\[2\]\.hours: office hours close 10:00 must be after"),
        ("rules.2.hours.1", "5pm", r"\.rules\[2\]\.hours\[1\]: expected a time as 'HH:MM'"),
        ("rules.2.hours.1", "24:00", r"\.rules\[2\]\.hours\[1\]: '24:00' is only allowed"),
        ("rules.2.hours", "10:00-17:00", r"\.rules\[2\]\.hours: expected \[opens, cutoff\]"),
        (
            "rules.1.effective_to",
            "1999-01-01",
            r"\.rules\[1\]: email from 2000-04-01: effective_to 1999-01-01 is",
        ),
        ("rules.0.observe_holidays", "yes", r"\.rules\[0\]\.observe_holidays: expected true or false"),
        ("rules.1.effective_to", "2027-04-01", r"\.rules: email from 2000-04-01 \(to 2027-04-01\) overlaps"),
        ("rules.1.effective_to", "2027-03-30", r"\.rules: email has no rule from 2027-03-31 to 2027-03-31"),
        ("rules.0.channel", "post", r"\.rules: no rule for 'office'"),
        ("one_off_days.0.date", "2026/12/28", r"\.one_off_days\[0\]\.date: expected a date"),
        ("one_off_days.0.channels", [], r"\.one_off_days\[0\]\.channels: name at least one"),
        (
            "one_off_days.0.channels",
            ["office", "office"],
            r"\.one_off_days\[0\]\.channels: a channel is named twice",
        ),
        ("one_off_days.0.open", "true", r"\.one_off_days\[0\]\.open: expected true or false"),
        ("one_off_days.1.cutoff", "12:00", r"\.one_off_days\[1\]: .*a closed day has no cutoff"),
        ("one_off_days.0.cutoff", "noon", r"\.one_off_days\[0\]\.cutoff: expected a time"),
        ("one_off_days.0.hours", [["10:00", "12:00"], ["11:00", "13:00"]], r"\.one_off_days\[0\]: .*overlap"),
        (
            "one_off_days.0.hours.0",
            ["12:00", "10:00"],
            r"\.one_off_days\[0\]\.hours\[0\]: closing time 10:00",
        ),
        ("one_off_days.0.note", "x" * 201, r"\.one_off_days\[0\]\.note: a note is text of at most 200"),
        (
            "one_off_days.1.date",
            "2026-12-28",
            r"\.one_off_days\[1\]: 2026-12-28 for 'phone' is already .*\[0\]",
        ),
        (
            "one_off_days.0.channels",
            ["phone"],
            r"\.one_off_days\[0\]: a cutoff, but none of its channels has",
        ),
        ("pauses.0.starts_at", "2026-05-07T09:00:00", r"\.pauses\[0\]\.starts_at: expected an instant with"),
        ("pauses.0.ends_at", "2026-05-07T09:00:00+09:00", r"\.pauses\[0\]: a pause must end after it starts"),
        ("pauses.0.channels", ["phone"], r"\.pauses\[0\]: 'phone' has no business-day rules of its own"),
        ("pauses.0.when", "now", r"\.pauses\[0\]: unknown key\(s\) \['when'\]"),
    ],
)
def test_errors_name_the_element(path: str, value: Any, message: str) -> None:
    data = copy.deepcopy(full_data())
    _set(path, value)(data)
    with pytest.raises(BusinessCalendarError, match=r"^business_calendar" + message) as caught:
        load_business_calendar(data)
    assert isinstance(caught.value, CalendarConfigError)
    assert isinstance(caught.value, ValueError)


def test_the_service_calendar_checks_one_off_days_against_the_channels() -> None:
    unknown = full_data()
    unknown["one_off_days"][1]["channels"] = ["fax"]
    with pytest.raises(
        BusinessCalendarError, match=r"one_off_days\[1\]: 'fax' has neither opening hours nor"
    ):
        ServiceCalendar(business=load_business_calendar(unknown))
    office_hours = full_data()
    office_hours["one_off_days"][0]["channels"] = ["office"]
    with pytest.raises(
        BusinessCalendarError, match=r"one_off_days\[0\]: opening hours, but none of its channels has any"
    ):
        ServiceCalendar(business=load_business_calendar(office_hours))


def test_office_hours_and_a_business_calendar_are_not_given_together() -> None:
    with pytest.raises(ValueError, match="not as office_hours"):
        ServiceCalendar(office_hours=OfficeHours(), business=DEFAULT_BUSINESS_CALENDAR)
    calendar = ServiceCalendar(office_hours=OfficeHours(time(9), time(18)))
    assert calendar.business.rules[0].hours == OfficeHours(time(9), time(18))


def test_records_validate_when_built_in_python() -> None:
    with pytest.raises(BusinessCalendarError, match=r"weekdays must be a non-empty set of 0\.\.6"):
        BusinessDayRule(OFFICE, date(2025, 4, 1), None, frozenset({7}))
    with pytest.raises(BusinessCalendarError, match="a closed day has no cutoff"):
        OneOffDay(date(2026, 5, 7), ("office",), False, cutoff=time(12))
    with pytest.raises(BusinessCalendarError, match="timezone-aware"):
        Pause(datetime(2026, 5, 7, 9), jst(2026, 5, 7, 10))
    with pytest.raises(BusinessCalendarError, match="expected BusinessDayRule"):
        BusinessCalendar(rules=("office",))  # type: ignore[arg-type]


# -- channels and one-off days ----------------------------------------------------------------------

CALENDAR = ServiceCalendar(business=load_business_calendar(full_data()))


def test_each_channel_follows_its_rule_in_force_on_the_date() -> None:
    saturday_before, saturday_after = date(2027, 3, 27), date(2027, 4, 3)
    assert not CALENDAR.is_business_day(saturday_before, EMAIL)
    assert CALENDAR.is_business_day(saturday_after, EMAIL)
    assert CALENDAR.cutoff_on(saturday_after, EMAIL) == time(17)
    assert not CALENDAR.is_business_day(saturday_after)  # the office's rule did not change
    assert CALENDAR.cutoff_on(date(2027, 4, 5), PHONE) == time(17, 15)  # phone follows the office
    # Friday 2027-04-02 under e-mail's new rule: 17:05 is after its 17:00 cut-off, so day 0 is
    # Saturday; 16:59 makes Friday day 0 and Saturday the first business day after it.
    assert CALENDAR.add_business_days(jst(2027, 4, 2, 17, 5), 1, EMAIL) == jst(2027, 4, 5, 17)
    assert CALENDAR.add_business_days(jst(2027, 4, 2, 16, 59), 1, EMAIL) == jst(2027, 4, 3, 17)
    assert CALENDAR.add_business_days(jst(2027, 4, 2, 16, 59), 1) == jst(2027, 4, 5, 17, 15)


def test_unknown_channels_and_uncovered_dates_fail_loudly() -> None:
    with pytest.raises(UnknownChannelError, match="known channels: email, office, phone"):
        CALENDAR.is_business_day(date(2026, 5, 7), "emial")
    with pytest.raises(NoBusinessRuleError, match="no business-day rule of 'email' covers 2000-03-31"):
        CALENDAR.is_business_day(date(2000, 3, 31), EMAIL)
    with pytest.raises(NoBusinessRuleError):
        ServiceCalendar().add_business_days(jst(2000, 3, 31, 18), 0)


def test_a_one_off_closure_closes_the_channel_and_opening_gives_its_hours() -> None:
    # Thursday 2026-05-07: the phone line is closed for maintenance; the office is not.
    assert not CALENDAR.is_open(PHONE, jst(2026, 5, 7, 12))
    assert CALENDAR.next_opening(PHONE, jst(2026, 5, 7, 9)) == jst(2026, 5, 8, 10)
    assert CALENDAR.is_business_day(date(2026, 5, 7))
    # Monday 2026-12-28, shortened: the line answers 10:00-12:00, the office's cut-off is noon.
    assert CALENDAR.opening_intervals(PHONE, date(2026, 12, 28)) == (TimeInterval(time(10), time(12)),)
    assert CALENDAR.is_open(PHONE, jst(2026, 12, 28, 11, 59, 59))
    assert not CALENDAR.is_open(PHONE, jst(2026, 12, 28, 12))
    assert CALENDAR.next_opening(PHONE, jst(2026, 12, 28, 12)) == jst(2027, 1, 4, 10)
    assert CALENDAR.cutoff_on(date(2026, 12, 28)) == time(12)
    assert CALENDAR.add_business_days(jst(2026, 12, 28, 11), 0) == jst(2026, 12, 28, 12)
    assert CALENDAR.add_business_days(jst(2026, 12, 28, 12), 0) == jst(2027, 1, 4, 17, 15)
    assert CALENDAR.one_off_day(PHONE, date(2026, 12, 28)) is not None
    assert CALENDAR.one_off_day(EMAIL, date(2026, 12, 28)) is None


def test_a_one_off_opening_without_hours_keeps_the_weekday_hours_on_a_holiday() -> None:
    data = full_data()
    # 昭和の日, a Wednesday: the phone line opened by a one-off day, nothing else.
    data["one_off_days"] = [{"date": "2026-04-29", "channels": ["phone"], "open": True}]
    calendar = ServiceCalendar(business=load_business_calendar(data))
    assert not ServiceCalendar().is_open(PHONE, jst(2026, 4, 29, 12))
    assert calendar.is_open(PHONE, jst(2026, 4, 29, 12))
    assert not calendar.is_business_day(date(2026, 4, 29))  # only the phone line was opened


def test_the_channel_pauses_in_the_data() -> None:
    assert CALENDAR.channel_pauses(EMAIL) == (Pause(jst(2026, 5, 7, 9), jst(2026, 5, 8, 12)),)
    assert CALENDAR.channel_pauses(PHONE) == CALENDAR.channel_pauses(OFFICE) == ()
    # Received Thursday 05-07 08:00: Thursday's 17:15 falls in the outage, so day 0 is Friday.
    assert CALENDAR.add_business_days(jst(2026, 5, 7, 8), 0, EMAIL) == jst(2026, 5, 8, 17, 15)
    assert CALENDAR.add_business_days(jst(2026, 5, 7, 8), 0) == jst(2026, 5, 7, 17, 15)


# -- moving a deadline ------------------------------------------------------------------------------

OFFICE_ONLY = ServiceCalendar()


def test_an_extension_adds_business_days_after_the_deadline() -> None:
    due = jst(2026, 4, 28, 17, 15)  # Tuesday; Wednesday 04-29 is 昭和の日
    assert OFFICE_ONLY.extend_deadline(due, 1) == jst(2026, 4, 30, 17, 15)
    assert OFFICE_ONLY.extend_deadline(due, 3) == jst(2026, 5, 7, 17, 15)
    assert OFFICE_ONLY.extend_deadline(due, 0) == due
    with pytest.raises(ValueError, match=">= 0"):
        OFFICE_ONLY.extend_deadline(due, -1)


def test_a_pause_moves_the_deadline_by_the_business_days_it_holds() -> None:
    received = jst(2026, 4, 27, 11)  # Monday: day 0 04-27, due Friday 05-01 (04-29 is a holiday)
    due = OFFICE_ONLY.add_business_days(received, 3)
    assert due == jst(2026, 5, 1, 17, 15)
    # Paused Tuesday 16:00 to Thursday 09:00: Tuesday's cut-off is held, so one day more.
    pause = Pause(jst(2026, 4, 28, 16), jst(2026, 4, 30, 9))
    assert OFFICE_ONLY.pause_deadline(received, due, pause) == jst(2026, 5, 7, 17, 15)
    # A pause between two cut-offs holds none; one after the deadline changes nothing.
    assert OFFICE_ONLY.pause_deadline(received, due, Pause(jst(2026, 4, 28, 9), jst(2026, 4, 28, 16))) == due
    assert OFFICE_ONLY.pause_deadline(received, due, Pause(jst(2026, 5, 1, 17, 16), jst(2026, 5, 9))) == due
    # Two pauses one after the other: the second counts from the first's result.
    twice = OFFICE_ONLY.pause_deadline(
        received,
        OFFICE_ONLY.pause_deadline(received, due, pause),
        Pause(jst(2026, 4, 30, 8), jst(2026, 5, 1, 9)),
        earlier=[pause],
    )
    assert twice == OFFICE_ONLY.add_business_days(
        received, 3, pauses=[pause, Pause(jst(2026, 4, 30, 8), jst(2026, 5, 1, 9))]
    )
    assert twice == jst(2026, 5, 8, 17, 15)


def test_a_pause_under_changed_rules_never_makes_a_stored_deadline_earlier() -> None:
    received = jst(2027, 4, 1, 10)
    stored = OFFICE_ONLY.add_business_days(received, 3)  # computed under the office rule: Tue 04-06 17:15
    assert stored == jst(2027, 4, 6, 17, 15)
    # Under e-mail's new rule the cut-off is 17:00: a pause from 17:05 holds no cut-off before 17:15.
    late = Pause(jst(2027, 4, 6, 17, 5), jst(2027, 4, 7, 9))
    assert CALENDAR.pause_deadline(received, stored, late, EMAIL) == stored
    # A pause over Saturday 04-03 holds one of the new rule's business days: one more, at 17:00.
    saturday = Pause(jst(2027, 4, 3, 9), jst(2027, 4, 4, 9))
    assert CALENDAR.pause_deadline(received, stored, saturday, EMAIL) == jst(2027, 4, 7, 17)


def test_deadline_arguments_are_checked() -> None:
    with pytest.raises(TypeError, match="pauses must be Pause"):
        OFFICE_ONLY.add_business_days(jst(2026, 4, 27, 11), 1, pauses=[(jst(2026, 4, 27), jst(2026, 4, 28))])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="pause must be a Pause"):
        OFFICE_ONLY.pause_deadline(jst(2026, 4, 27), jst(2026, 5, 1), None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE_ONLY.extend_deadline(datetime(2026, 5, 1, 17, 15), 1)
