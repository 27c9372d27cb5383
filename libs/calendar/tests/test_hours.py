"""Opening-hours records: defaults, loading from plain data, validation errors."""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

import pytest
from tsunagu_calendar import (
    DEFAULT_OPENING_HOURS,
    EMAIL,
    PHONE,
    HoursConfigError,
    OfficeHours,
    OpeningHours,
    TimeInterval,
    dump_opening_hours,
    load_opening_hours,
    validate_schedule,
)

TEN_TO_FIVE = TimeInterval(time(10), time(17))


def _record(**overrides: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "channel": "phone",
        "effective_from": "2025-04-01",
        "effective_to": None,
        "weekly": {"mon": [["10:00", "17:00"]], "sat": [["10:00", "17:00"]]},
    }
    record.update(overrides)
    return record


def test_default_phone_hours_changed_on_2025_04_01() -> None:
    phone = [r for r in DEFAULT_OPENING_HOURS if r.channel == PHONE]
    old, new = sorted(phone, key=lambda r: r.effective_from)
    assert old.effective_to == date(2025, 3, 31)
    assert new.effective_from == date(2025, 4, 1)
    assert new.effective_to is None
    assert [bool(day) for day in old.weekly] == [True] * 5 + [False] * 2
    assert [bool(day) for day in new.weekly] == [True] * 6 + [False]
    assert all(day == (TEN_TO_FIVE,) for day in new.weekly[:6])


def test_default_email_is_always_receiving() -> None:
    (email,) = [r for r in DEFAULT_OPENING_HOURS if r.channel == EMAIL]
    assert not email.observe_closures
    assert all(day == (TimeInterval(time(0), None),) for day in email.weekly)


def test_round_trip_through_json_text() -> None:
    data = json.loads(json.dumps(dump_opening_hours(DEFAULT_OPENING_HOURS)))
    assert load_opening_hours(data) == validate_schedule(DEFAULT_OPENING_HOURS)


def test_load_valid_record() -> None:
    (record,) = load_opening_hours([_record(observe_closures=True)])
    assert record.channel == "phone"
    assert record.effective_from == date(2025, 4, 1)
    assert record.weekly[0] == (TEN_TO_FIVE,)
    assert record.weekly[5] == (TEN_TO_FIVE,)
    assert record.weekly[1] == ()
    assert record.observe_closures


def test_load_sorts_split_day_intervals_and_accepts_24_00() -> None:
    weekly = {"tue": [["13:00", "24:00"], ["09:00", "12:00"]]}
    (record,) = load_opening_hours([_record(weekly=weekly)])
    assert record.weekly[1] == (TimeInterval(time(9), time(12)), TimeInterval(time(13), None))


def test_load_accepts_python_dates_and_times() -> None:
    weekly = {"mon": [[time(10), time(17)]]}
    (record,) = load_opening_hours([_record(effective_from=date(2025, 4, 1), weekly=weekly)])
    assert record.weekly[0] == (TEN_TO_FIVE,)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"channel": "phone"}, "expected a list of records"),
        ("[]", "expected a list of records"),
        ([_record(extra=1)], r"opening_hours\[0\]: unknown key\(s\) \['extra'\]"),
        ([{"channel": "phone", "weekly": {}}], "missing required key 'effective_from'"),
        ([_record(channel="")], r"opening_hours\[0\]\.channel"),
        ([_record(effective_from="2025/04/01")], r"effective_from: expected a date as 'YYYY-MM-DD'"),
        ([_record(effective_from="2025-02-30")], "not a real date"),
        ([_record(effective_to="2025-03-01")], "is before effective_from"),
        ([_record(weekly={"monday": []})], r"unknown weekday key\(s\) \['monday'\]"),
        ([_record(weekly=[])], "expected an object keyed by"),
        ([_record(weekly={"sat": [["10:00", "9:00"]]})], r"weekly\.sat\[0\]\[1\]: expected a time"),
        (
            [_record(weekly={"sat": [["10:00", "09:00"]]})],
            r"weekly\.sat\[0\]: closing time 09:00 must be after",
        ),
        ([_record(weekly={"sat": [["24:00", "24:00"]]})], "only allowed as a closing time"),
        ([_record(weekly={"sat": [["10:00"]]})], r"expected \[open, close\]"),
        ([_record(weekly={"sat": "10:00-17:00"})], "expected a list of"),
        ([_record(weekly={"sat": [["10:00", "13:00"], ["12:00", "17:00"]]})], "overlap"),
        ([_record(observe_closures="yes")], "expected true or false"),
        ([_record(), _record(effective_from="2026-04-01")], "overlaps the period"),
    ],
)
def test_load_rejects_bad_data(data: Any, message: str) -> None:
    with pytest.raises(HoursConfigError, match=message):
        load_opening_hours(data)


def test_hours_config_error_is_value_error() -> None:
    assert issubclass(HoursConfigError, ValueError)


def test_adjacent_periods_and_gaps_are_fine() -> None:
    records = load_opening_hours(
        [
            _record(effective_from="2024-04-01", effective_to="2025-03-31"),
            _record(effective_from="2025-04-01"),
            _record(channel="chat", effective_from="2025-04-01", effective_to="2025-04-30"),
            _record(channel="chat", effective_from="2025-06-01"),
        ]
    )
    assert [r.channel for r in records] == ["chat", "chat", "phone", "phone"]


def test_time_interval_is_half_open() -> None:
    assert TEN_TO_FIVE.contains(time(10))
    assert TEN_TO_FIVE.contains(time(16, 59, 59, 999999))
    assert not TEN_TO_FIVE.contains(time(17))
    assert not TEN_TO_FIVE.contains(time(9, 59, 59))
    assert TimeInterval(time(0), None).contains(time(23, 59, 59, 999999))
    assert str(TEN_TO_FIVE) == "10:00-17:00"


def test_opening_hours_constructor_validation() -> None:
    with pytest.raises(HoursConfigError, match="7 entries"):
        OpeningHours(PHONE, date(2025, 4, 1), None, ((),) * 6)
    with pytest.raises(HoursConfigError, match=r"weekdays must be in 0\.\.6"):
        OpeningHours.uniform(PHONE, date(2025, 4, 1), None, weekdays=[7], opens=time(10), closes=time(17))
    with pytest.raises(HoursConfigError, match="must be a date"):
        OpeningHours(PHONE, "2025-04-01", None, ((),) * 7)  # type: ignore[arg-type]


def test_office_hours_validation() -> None:
    assert OfficeHours() == OfficeHours(time(8, 30), time(17, 15))
    with pytest.raises(HoursConfigError, match="must be after"):
        OfficeHours(time(17), time(9))
