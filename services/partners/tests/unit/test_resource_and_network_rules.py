"""Local resources and the municipal network, without I/O: "open now" on real holidays and in the
year-end closure, from each resource's own hours; who may keep what; dates of meetings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from tsunagu_calendar import TOKYO, JapaneseHolidays, OpeningHours
from tsunagu_contracts.events.partners import ResourceKind
from tsunagu_partners.domain import rules
from tsunagu_partners.domain.network import follow_up_done_refusal, meeting_refusal
from tsunagu_partners.domain.resources import (
    Actor,
    consent_refusal,
    hours_data,
    is_open,
    maintenance_refusal,
    municipality_refusal,
    parse_hours,
)
from tsunagu_partners.handlers.commands import HoursRecord

HOLIDAYS = JapaneseHolidays()
SHINJUKU, CHIYODA = "131041", "131016"

# A place to belong open for visits Monday to Friday, 10:00-17:00, closed on holidays and in the closure.
VISITS = OpeningHours.uniform(
    "visit", date(2024, 4, 1), None, weekdays=range(5), opens=time(10), closes=time(17)
)
# Its phone line keeps the same hours and stays open on holidays and in the closure.
LINE = OpeningHours.uniform(
    "phone",
    date(2024, 4, 1),
    None,
    weekdays=range(5),
    opens=time(10),
    closes=time(17),
    observe_closures=False,
)


def tokyo(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (tokyo(2025, 5, 2, 11), True),  # Friday, a business day
        (tokyo(2025, 5, 5, 11), False),  # Monday, こどもの日
        (tokyo(2025, 5, 6, 11), False),  # Tuesday, 振替休日 for みどりの日 on a Sunday
        (tokyo(2025, 5, 7, 11), True),  # Wednesday after Golden Week
        (tokyo(2025, 9, 15, 11), False),  # Monday, 敬老の日
        (tokyo(2025, 11, 24, 11), False),  # Monday, 振替休日 for 勤労感謝の日
        (tokyo(2025, 12, 26, 11), True),  # Friday before the closure
        (tokyo(2025, 12, 29, 11), False),  # Monday, first day of the year-end closure
        (tokyo(2026, 1, 2, 11), False),  # Friday, in the closure
        (tokyo(2026, 1, 5, 11), True),  # Monday, the first day after it
        (tokyo(2025, 5, 7, 9, 59), False),  # before opening
        (tokyo(2025, 5, 7, 17), False),  # closing time is outside the half-open interval
        (tokyo(2025, 5, 10, 11), False),  # Saturday: not in the weekly hours
    ],
)
def test_open_now_follows_holidays_and_the_closure(at: datetime, expected: bool) -> None:
    assert is_open([VISITS], at, HOLIDAYS) is expected


def test_a_record_that_does_not_observe_closures_stays_open_on_holidays() -> None:
    assert is_open([VISITS, LINE], tokyo(2025, 5, 5, 11), HOLIDAYS)
    assert is_open([VISITS, LINE], tokyo(2025, 12, 30, 11), HOLIDAYS)
    assert not is_open([VISITS, LINE], tokyo(2025, 5, 5, 18), HOLIDAYS)


def test_an_instant_in_utc_is_read_on_the_tokyo_clock() -> None:
    # 2025-05-07 01:30 UTC is 10:30 in Tokyo; 2025-05-06 23:00 UTC is already Wednesday 08:00 there.
    assert is_open([VISITS], datetime(2025, 5, 7, 1, 30, tzinfo=UTC), HOLIDAYS)
    assert not is_open([VISITS], datetime(2025, 5, 6, 23, 0, tzinfo=UTC), HOLIDAYS)


def test_effective_dated_hours_answer_for_their_own_period() -> None:
    records = parse_hours(
        [
            {
                "channel": "visit",
                "effective_from": "2024-04-01",
                "effective_to": "2025-03-31",
                "weekly": {"fri": [["10:00", "17:00"]]},
            },
            {
                "channel": "visit",
                "effective_from": "2025-04-01",
                "weekly": {"fri": [["10:00", "17:00"]], "sat": [["13:00", "16:00"]]},
            },
        ]
    )
    assert records is not None
    assert not is_open(records, tokyo(2025, 3, 29, 14), HOLIDAYS)  # a Saturday of the old hours
    assert is_open(records, tokyo(2025, 4, 5, 14), HOLIDAYS)  # a Saturday of the new ones
    assert hours_data(records)[1]["weekly"]["sat"] == [["13:00", "16:00"]]


def test_a_resource_without_hours_is_not_shown_open() -> None:
    assert not is_open([], tokyo(2025, 5, 7, 11), HOLIDAYS)


@pytest.mark.parametrize(
    "data",
    [
        [{"channel": "visit", "effective_from": "2025-04-01", "weekly": {"mon": [["17:00", "10:00"]]}}],
        [
            {
                "channel": "visit",
                "effective_from": "2025-04-01",
                "weekly": {"mon": [["10:00", "13:00"], ["12:00", "15:00"]]},
            }
        ],
        [
            {"channel": "visit", "effective_from": "2025-04-01", "weekly": {"mon": [["10:00", "17:00"]]}},
            {"channel": "visit", "effective_from": "2025-06-01", "weekly": {"tue": [["10:00", "17:00"]]}},
        ],
        [{"channel": "visit", "effective_from": "2025-04-01", "effective_to": "2025-03-01", "weekly": {}}],
    ],
    ids=["reversed", "overlapping-intervals", "overlapping-periods", "ends-before-it-starts"],
)
def test_invalid_hours_are_refused_by_the_rule_not_the_library_message(data: list[dict[str, object]]) -> None:
    assert parse_hours(data) is None  # type: ignore[arg-type]  # the data form is loosely typed


def test_the_request_form_of_hours_is_the_calendar_library_form() -> None:
    record = HoursRecord.model_validate(
        {"channel": "visit", "effective_from": "2025-04-01", "weekly": {"mon": [["10:00", "24:00"]]}}
    )
    [loaded] = parse_hours([record.as_data()]) or ()
    assert loaded.weekly[0][0].closes is None  # 24:00 closes at midnight
    assert loaded.observe_closures


def test_municipality_staff_keep_only_their_own_windows() -> None:
    staff = Actor(municipality=SHINJUKU)
    window = ResourceKind.MUNICIPAL_WINDOW
    assert maintenance_refusal(staff, window, SHINJUKU) is None
    assert maintenance_refusal(staff, window, CHIYODA) is rules.OWN_MUNICIPALITY_ONLY
    assert maintenance_refusal(staff, ResourceKind.NPO, SHINJUKU) is rules.MUNICIPAL_WINDOWS_ONLY
    assert maintenance_refusal(staff, ResourceKind.NPO, CHIYODA) is rules.OWN_MUNICIPALITY_ONLY
    assert maintenance_refusal(Actor(), ResourceKind.NPO, CHIYODA) is None
    assert municipality_refusal(staff, CHIYODA) is rules.OWN_MUNICIPALITY_ONLY
    assert municipality_refusal(staff, SHINJUKU) is None
    assert municipality_refusal(Actor(), CHIYODA) is None


@pytest.mark.parametrize(
    ("consented", "on", "expected"),
    [
        (True, date(2025, 4, 1), None),
        (False, None, None),
        (True, None, rules.CONSENT_DATE_MISMATCH),
        (False, date(2025, 4, 1), rules.CONSENT_DATE_MISMATCH),
        (True, date(2025, 5, 2), rules.DATE_IN_FUTURE),
    ],
)
def test_a_consent_to_publication_is_dated(consented: bool, on: date | None, expected: object) -> None:
    assert consent_refusal(consented, on, today=date(2025, 5, 1)) is expected


def test_meetings_are_held_before_their_follow_ups_fall_due_and_are_done() -> None:
    held, today = date(2025, 4, 20), date(2025, 5, 1)
    assert meeting_refusal(held, [date(2025, 4, 20), date(2025, 6, 1)], [date(2025, 4, 30)], today) is None
    assert meeting_refusal(date(2025, 5, 2), [], [], today) is rules.DATE_IN_FUTURE
    assert meeting_refusal(held, [date(2025, 4, 19)], [], today) is rules.FOLLOW_UP_BEFORE_MEETING
    assert meeting_refusal(held, [], [date(2025, 4, 19)], today) is rules.FOLLOW_UP_BEFORE_MEETING
    assert follow_up_done_refusal(held, [date(2025, 5, 2)], today) is rules.DATE_IN_FUTURE
    assert follow_up_done_refusal(held, [today], today) is None
