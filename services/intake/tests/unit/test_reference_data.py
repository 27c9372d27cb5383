"""The shipped reference data: age bands, opening hours, the business calendar of reply deadlines."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from tsunagu_calendar import DEFAULT_BUSINESS_CALENDAR, EMAIL, OFFICE, PHONE, TOKYO, ServiceCalendar
from tsunagu_intake.adapters.reference_data import business_calendar, opening_hours
from tsunagu_intake.domain.ages import age_band, band_lower_bound
from tsunagu_intake.domain.codes import AgeBand
from tsunagu_intake.domain.sla import reply_due_at


@pytest.mark.parametrize(
    ("years", "band"),
    [
        (None, AgeBand.UNKNOWN),
        (0, AgeBand.UNDER_15),
        (14, AgeBand.UNDER_15),
        (15, AgeBand.AGE_15_19),
        (19, AgeBand.AGE_15_19),
        (20, AgeBand.AGE_20_29),
        (45, AgeBand.AGE_40_49),
        (69, AgeBand.AGE_60_69),
        (70, AgeBand.AGE_70_PLUS),
        (101, AgeBand.AGE_70_PLUS),
    ],
)
def test_age_bands(years: int | None, band: AgeBand) -> None:
    assert age_band(years) is band


def test_band_lower_bounds() -> None:
    assert band_lower_bound(AgeBand.AGE_15_19) == 15
    assert band_lower_bound(AgeBand.UNKNOWN) is None


def test_opening_hours_are_data_with_the_saturday_change() -> None:
    records = opening_hours()
    phone = [r for r in records if r.channel == PHONE]
    assert [str(r.effective_from) for r in phone] == ["2024-04-01", "2025-04-01"]
    assert phone[0].intervals_for_weekday(5) == ()  # Saturday closed until 2025-03-31
    assert phone[1].intervals_for_weekday(5) != ()
    assert any(r.channel == EMAIL for r in records)


def test_the_business_calendar_counts_saturdays_for_email_from_fiscal_year_2027() -> None:
    shipped = business_calendar()
    assert shipped.rules_of(OFFICE) == DEFAULT_BUSINESS_CALENDAR.rules
    before, after = shipped.rules_of(EMAIL)
    assert (before.effective_from, before.effective_to) == (date(2000, 4, 1), date(2027, 3, 31))
    assert (before.weekdays, before.cutoff) == (frozenset(range(5)), time(17, 15))
    assert (after.effective_from, after.effective_to) == (date(2027, 4, 1), None)
    assert (after.weekdays, after.cutoff) == (frozenset(range(6)), time(17))
    assert all(r.observe_holidays and r.observe_closure for r in (before, after))
    assert shipped.one_off_days == shipped.pauses == ()


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # Until 2027-03-31: the office's days, until 17:15.
        (jst(2027, 3, 26, 17, 10), jst(2027, 3, 31, 17, 15)),  # Fri: Mon 29, Tue 30, Wed 31
        # Each date by the rule in force on it: day 0 under the old rule, Saturday 4/3 counts.
        (jst(2027, 3, 31, 12), jst(2027, 4, 3, 17)),
        # From 2027-04-01: Monday to Saturday until 17:00.
        (jst(2027, 4, 2, 16, 59), jst(2027, 4, 6, 17)),  # Fri is day 0: Sat 3, Mon 5, Tue 6
        (jst(2027, 4, 2, 17), jst(2027, 4, 7, 17)),  # at the cut-off: day 0 is Saturday
        (jst(2027, 4, 29, 12), jst(2027, 5, 7, 17)),  # 昭和の日: day 0 Fri 4/30; Sat 5/1, Thu 5/6, Fri 5/7
    ],
)
def test_reply_deadlines_under_the_shipped_business_calendar(received: datetime, due: datetime) -> None:
    calendar = ServiceCalendar(hours=opening_hours(), business=business_calendar())
    assert reply_due_at(calendar, received) == due
