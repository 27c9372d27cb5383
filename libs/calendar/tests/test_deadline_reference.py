"""The calendar held against an independent computation: the current rule, a changed rule, one-off
closures and openings, and paused deadlines, across Golden Week 2026 and the 2026/27 year end.

The reference below shares no code with the library: it walks, day by day, a table of dates
written out by hand (each date's cut-off under each scenario, ``-`` for a day that does not
count), and applies the deadline definition of ADR 0018 as it is worded there. The library is
given the same scenarios as data (``load_business_calendar``) and must agree with it for every
receipt time on a grid (every 15 minutes, and one second either side of every cut-off) and for
random instants (hypothesis).

Holidays in the tables, from the Cabinet Office's list: 2026-04-29 昭和の日, 2026-05-03
憲法記念日 (a Sunday, so 2026-05-06 is 振替休日), 05-04 みどりの日, 05-05 こどもの日, 2027-01-01
元日, 2027-01-11 成人の日. The closure is 29 December - 3 January.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tsunagu_calendar import (
    DEFAULT_BUSINESS_CALENDAR,
    EMAIL,
    TOKYO,
    Pause,
    ServiceCalendar,
    load_business_calendar,
)

# Scenarios (columns):
#   current  the default: the office's Monday-Friday, cut-off 17:15; e-mail follows the office.
#   changed  e-mail's own rules: as the office until 2026-04-30, then Monday-Saturday with the
#            cut-off at 17:00 from 2026-05-01 (mid Golden Week).
#   one_off  current, with one-off days: Thu 05-07 closed (a disaster), Sat 05-09 opened until
#            12:00 (a backlog Saturday), Mon 12-28 shortened to 12:00, Tue 12-29 opened until
#            15:00 inside the closure, Mon 01-04 closed (maintenance).
GOLDEN_WEEK_2026 = """
    2026-04-20 Mon  17:15  17:15  17:15
    2026-04-21 Tue  17:15  17:15  17:15
    2026-04-22 Wed  17:15  17:15  17:15
    2026-04-23 Thu  17:15  17:15  17:15
    2026-04-24 Fri  17:15  17:15  17:15
    2026-04-25 Sat  -      -      -
    2026-04-26 Sun  -      -      -
    2026-04-27 Mon  17:15  17:15  17:15
    2026-04-28 Tue  17:15  17:15  17:15
    2026-04-29 Wed  -      -      -      昭和の日
    2026-04-30 Thu  17:15  17:15  17:15
    2026-05-01 Fri  17:15  17:00  17:15
    2026-05-02 Sat  -      17:00  -
    2026-05-03 Sun  -      -      -      憲法記念日
    2026-05-04 Mon  -      -      -      みどりの日
    2026-05-05 Tue  -      -      -      こどもの日
    2026-05-06 Wed  -      -      -      振替休日
    2026-05-07 Thu  17:15  17:00  -
    2026-05-08 Fri  17:15  17:00  17:15
    2026-05-09 Sat  -      17:00  12:00
    2026-05-10 Sun  -      -      -
    2026-05-11 Mon  17:15  17:00  17:15
    2026-05-12 Tue  17:15  17:00  17:15
    2026-05-13 Wed  17:15  17:00  17:15
    2026-05-14 Thu  17:15  17:00  17:15
    2026-05-15 Fri  17:15  17:00  17:15
    2026-05-16 Sat  -      17:00  -
    2026-05-17 Sun  -      -      -
    2026-05-18 Mon  17:15  17:00  17:15
    2026-05-19 Tue  17:15  17:00  17:15
    2026-05-20 Wed  17:15  17:00  17:15
    2026-05-21 Thu  17:15  17:00  17:15
    2026-05-22 Fri  17:15  17:00  17:15
    2026-05-23 Sat  -      17:00  -
    2026-05-24 Sun  -      -      -
    2026-05-25 Mon  17:15  17:00  17:15
    2026-05-26 Tue  17:15  17:00  17:15
    2026-05-27 Wed  17:15  17:00  17:15
    2026-05-28 Thu  17:15  17:00  17:15
    2026-05-29 Fri  17:15  17:00  17:15
"""

YEAR_END_2026 = """
    2026-12-14 Mon  17:15  17:00  17:15
    2026-12-15 Tue  17:15  17:00  17:15
    2026-12-16 Wed  17:15  17:00  17:15
    2026-12-17 Thu  17:15  17:00  17:15
    2026-12-18 Fri  17:15  17:00  17:15
    2026-12-19 Sat  -      17:00  -
    2026-12-20 Sun  -      -      -
    2026-12-21 Mon  17:15  17:00  17:15
    2026-12-22 Tue  17:15  17:00  17:15
    2026-12-23 Wed  17:15  17:00  17:15
    2026-12-24 Thu  17:15  17:00  17:15
    2026-12-25 Fri  17:15  17:00  17:15
    2026-12-26 Sat  -      17:00  -
    2026-12-27 Sun  -      -      -
    2026-12-28 Mon  17:15  17:00  12:00
    2026-12-29 Tue  -      -      15:00  年末年始
    2026-12-30 Wed  -      -      -      年末年始
    2026-12-31 Thu  -      -      -      年末年始
    2027-01-01 Fri  -      -      -      元日
    2027-01-02 Sat  -      -      -      年末年始
    2027-01-03 Sun  -      -      -      年末年始
    2027-01-04 Mon  17:15  17:00  -
    2027-01-05 Tue  17:15  17:00  17:15
    2027-01-06 Wed  17:15  17:00  17:15
    2027-01-07 Thu  17:15  17:00  17:15
    2027-01-08 Fri  17:15  17:00  17:15
    2027-01-09 Sat  -      17:00  -
    2027-01-10 Sun  -      -      -
    2027-01-11 Mon  -      -      -      成人の日
    2027-01-12 Tue  17:15  17:00  17:15
    2027-01-13 Wed  17:15  17:00  17:15
    2027-01-14 Thu  17:15  17:00  17:15
    2027-01-15 Fri  17:15  17:00  17:15
    2027-01-16 Sat  -      17:00  -
    2027-01-17 Sun  -      -      -
    2027-01-18 Mon  17:15  17:00  17:15
    2027-01-19 Tue  17:15  17:00  17:15
    2027-01-20 Wed  17:15  17:00  17:15
    2027-01-21 Thu  17:15  17:00  17:15
    2027-01-22 Fri  17:15  17:00  17:15
"""

SCENARIOS = ("current", "changed", "one_off")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Table = dict[date, time | None]


def parse_table(text: str) -> dict[str, Table]:
    tables: dict[str, Table] = {name: {} for name in SCENARIOS}
    for line in text.strip().splitlines():
        day_text, weekday, *cells = line.split()
        day = date.fromisoformat(day_text)
        assert WEEKDAYS[day.weekday()] == weekday, f"table row {day_text} says {weekday}"
        for name, cell in zip(SCENARIOS, cells[:3], strict=True):
            tables[name][day] = None if cell == "-" else time.fromisoformat(cell)
    return tables


TABLES = {"golden_week": parse_table(GOLDEN_WEEK_2026), "year_end": parse_table(YEAR_END_2026)}

# -- the reference ------------------------------------------------------------------------------


def reference_deadline(
    table: Table, received: datetime, n: int, pauses: tuple[tuple[datetime, datetime], ...] = ()
) -> datetime:
    """ADR 0018 as worded: day 0 is the first business day on or after the receipt date that the
    message reached before its cut-off; the deadline is the cut-off of the n-th business day after
    day 0; a business day whose cut-off lies in a pause (start inclusive, end exclusive) does not
    count, as day 0 or as one of the n. Walks the table; walking off it fails the test."""
    received = received.astimezone(TOKYO)
    day = received.date()
    day_zero_found = False
    counted = 0
    while True:
        assert day in table, f"the table does not reach {day}: widen it or narrow the grid"
        cutoff = table[day]
        if cutoff is not None:
            end_of_day = datetime.combine(day, cutoff, tzinfo=TOKYO)
            paused = any(start <= end_of_day < end for start, end in pauses)
            if end_of_day > received and not paused:
                if not day_zero_found:
                    day_zero_found = True
                else:
                    counted += 1
                if counted == n:
                    return end_of_day
        day += timedelta(days=1)


def reference_extension(table: Table, due: datetime, days: int) -> datetime:
    """The cut-off of the ``days``-th business day after the date of ``due`` (a business day's
    cut-off), walking the table."""
    day = due.astimezone(TOKYO).date()
    result = due
    while days:
        day += timedelta(days=1)
        assert day in table, f"the table does not reach {day}"
        cutoff = table[day]
        if cutoff is not None:
            result = datetime.combine(day, cutoff, tzinfo=TOKYO)
            days -= 1
    return result


# -- the same scenarios as data, for the library ----------------------------------------------------

OFFICE_RULE = {
    "channel": "office",
    "effective_from": "2000-04-01",
    "effective_to": None,
    "weekdays": ["mon", "tue", "wed", "thu", "fri"],
    "hours": ["08:30", "17:15"],
    "observe_holidays": True,
    "observe_closure": True,
}
DATA: dict[str, dict[str, Any]] = {
    "current": {"rules": [OFFICE_RULE]},
    "changed": {
        "rules": [
            OFFICE_RULE,
            {**OFFICE_RULE, "channel": "email", "effective_to": "2026-04-30"},
            {
                "channel": "email",
                "effective_from": "2026-05-01",
                "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
                "hours": ["10:00", "17:00"],
            },
        ]
    },
    "one_off": {
        "rules": [OFFICE_RULE],
        "one_off_days": [
            {"date": "2026-05-07", "channels": ["office", "phone"], "open": False, "note": "災害"},
            {"date": "2026-05-09", "channels": ["office"], "open": True, "cutoff": "12:00"},
            {"date": "2026-12-28", "channels": ["office"], "open": True, "cutoff": "12:00", "note": "短縮"},
            {"date": "2026-12-29", "channels": ["office"], "open": True, "cutoff": "15:00"},
            {"date": "2027-01-04", "channels": ["office"], "open": False, "note": "システム保守"},
        ],
    },
}
CALENDARS = {name: ServiceCalendar(business=load_business_calendar(data)) for name, data in DATA.items()}

# Deadlines' own pauses, each crossing its window's holidays; and, for the changed rule, a pause of
# every e-mail deadline held in the data (an outage on Monday 2026-05-11 and over 2026-12-21/22).
PAUSES = {
    "golden_week": (
        datetime(2026, 4, 30, 12, tzinfo=TOKYO),
        datetime(2026, 5, 8, 9, tzinfo=TOKYO),
    ),
    "year_end": (
        datetime(2026, 12, 24, 17, tzinfo=TOKYO),  # before Thursday's 17:15 (and after 17:00)
        datetime(2027, 1, 5, 17, 15, tzinfo=TOKYO),  # ends exactly at a cut-off: that day counts
    ),
}
OUTAGES = (
    (datetime(2026, 5, 11, 0, tzinfo=TOKYO), datetime(2026, 5, 12, 0, tzinfo=TOKYO)),
    (datetime(2026, 12, 21, 12, tzinfo=TOKYO), datetime(2026, 12, 22, 17, tzinfo=TOKYO)),
)
CHANGED_WITH_OUTAGES = ServiceCalendar(
    business=load_business_calendar(
        {
            **DATA["changed"],
            "pauses": [
                {"channels": ["email"], "starts_at": s.isoformat(), "ends_at": e.isoformat(), "note": "障害"}
                for s, e in OUTAGES
            ],
        }
    )
)

RECEIPTS_UNTIL = {"golden_week": date(2026, 5, 16), "year_end": date(2027, 1, 13)}
COUNTS = (0, 1, 3)


def receipt_grid(window: str) -> Iterator[datetime]:
    """Every 15 minutes from the table's first day to the end of the window's receipts, and one
    second either side of every cut-off (and of noon and 17:00) of every day."""
    first = min(TABLES[window]["current"])
    moment = datetime.combine(first, time(0), tzinfo=TOKYO)
    last = datetime.combine(RECEIPTS_UNTIL[window], time(0), tzinfo=TOKYO)
    while moment < last:
        yield moment
        moment += timedelta(minutes=15)
    edges = {time(12), time(15), time(17), time(17, 15)}
    day = first
    while day < RECEIPTS_UNTIL[window]:
        for edge in edges:
            at = datetime.combine(day, edge, tzinfo=TOKYO)
            yield at - timedelta(seconds=1)
            yield at + timedelta(seconds=1)
        day += timedelta(days=1)


def test_the_current_rule_is_the_default() -> None:
    assert load_business_calendar(DATA["current"]) == DEFAULT_BUSINESS_CALENDAR


@pytest.mark.parametrize("window", sorted(TABLES))
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_receipt_on_the_grid(window: str, scenario: str) -> None:
    table = TABLES[window][scenario]
    calendar = CALENDARS[scenario]
    checked = 0
    for received in receipt_grid(window):
        for n in COUNTS:
            expected = reference_deadline(table, received, n)
            got = calendar.add_business_days(received, n, EMAIL)
            assert got == expected, (scenario, received.isoformat(), n, got.isoformat(), expected.isoformat())
            assert got.tzinfo is TOKYO
            checked += 1
        due = calendar.add_business_days(received, 1, EMAIL)
        assert calendar.extend_deadline(due, 2, EMAIL) == reference_extension(table, due, 2)
    assert checked > 6000


@pytest.mark.parametrize("window", sorted(TABLES))
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_receipt_with_a_paused_deadline(window: str, scenario: str) -> None:
    table = TABLES[window][scenario]
    calendar = CALENDARS[scenario]
    pause = Pause(*PAUSES[window])
    for received in receipt_grid(window):
        for n in COUNTS:
            expected = reference_deadline(table, received, n, (PAUSES[window],))
            assert calendar.add_business_days(received, n, EMAIL, pauses=[pause]) == expected, (
                scenario,
                received.isoformat(),
                n,
            )
            # The deadline as stored before the pause, then paused: the same answer.
            stored = calendar.add_business_days(received, n, EMAIL)
            assert calendar.pause_deadline(received, stored, pause, EMAIL) == expected, (
                scenario,
                received.isoformat(),
                n,
            )


@pytest.mark.parametrize("window", sorted(TABLES))
def test_every_receipt_with_the_channel_paused_in_the_data(window: str) -> None:
    table = TABLES[window]["changed"]
    for received in receipt_grid(window):
        for n in COUNTS:
            expected = reference_deadline(table, received, n, OUTAGES)
            assert CHANGED_WITH_OUTAGES.add_business_days(received, n, EMAIL) == expected, (
                received.isoformat(),
                n,
            )
    # The outages are e-mail's: the office's own deadlines do not stop.
    received = datetime(2026, 12, 21, 10, tzinfo=TOKYO)
    assert CHANGED_WITH_OUTAGES.add_business_days(received, 1) == datetime(2026, 12, 22, 17, 15, tzinfo=TOKYO)


@pytest.mark.parametrize("window", sorted(TABLES))
def test_a_stored_deadline_keeps_its_value_and_later_changes_count_from_it(window: str) -> None:
    """Deadlines computed under the current rule, then extended and paused under the changed one:
    only the days after the stored deadline (or from the pause on) follow the new rule."""
    current, changed = TABLES[window]["current"], TABLES[window]["changed"]
    pause = Pause(*PAUSES[window])
    for received in receipt_grid(window):
        stored = CALENDARS["current"].add_business_days(received, 3, EMAIL)
        assert stored == reference_deadline(current, received, 3)
        extended = CALENDARS["changed"].extend_deadline(stored, 1, EMAIL)
        assert extended == reference_extension(changed, stored, 1)
        moved = CALENDARS["changed"].pause_deadline(received, stored, pause, EMAIL)
        assert moved >= stored
        if pause.starts_at > stored:
            assert moved == stored


# -- random instants ----------------------------------------------------------------------------

WINDOW_BOUNDS = {
    "golden_week": (datetime(2026, 4, 20), datetime(2026, 5, 13, 23, 59, 59)),
    "year_end": (datetime(2026, 12, 14), datetime(2027, 1, 8, 23, 59, 59)),
}


@st.composite
def receipt_and_pause(draw: st.DrawFn) -> tuple[str, datetime, tuple[datetime, datetime]]:
    window = draw(st.sampled_from(sorted(WINDOW_BOUNDS)))
    low, high = WINDOW_BOUNDS[window]
    received = draw(st.datetimes(min_value=low, max_value=high, timezones=st.just(TOKYO)))
    start = draw(
        st.datetimes(min_value=received.replace(tzinfo=None), max_value=high, timezones=st.just(TOKYO))
    )
    length = draw(st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=6)))
    return window, received, (start, start + length)


@settings(database=None, deadline=None, max_examples=400)
@given(case=receipt_and_pause(), n=st.integers(min_value=0, max_value=4), scenario=st.sampled_from(SCENARIOS))
def test_random_receipts_and_pauses(
    case: tuple[str, datetime, tuple[datetime, datetime]], n: int, scenario: str
) -> None:
    window, received, (start, end) = case
    table = TABLES[window][scenario]
    calendar = CALENDARS[scenario]
    pause = Pause(start, end)
    expected = reference_deadline(table, received, n, ((start, end),))
    assert calendar.add_business_days(received, n, EMAIL, pauses=[pause]) == expected
    stored = calendar.add_business_days(received, n, EMAIL)
    assert stored == reference_deadline(table, received, n)
    assert calendar.pause_deadline(received, stored, pause, EMAIL) == expected
