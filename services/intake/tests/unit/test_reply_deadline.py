"""Reply deadlines of web consultations: 3 business days by the calendar library, and their announcements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tsunagu_calendar import TOKYO, ServiceCalendar
from tsunagu_intake.domain import rules
from tsunagu_intake.domain.cases import deadline_change_refusal
from tsunagu_intake.domain.codes import CaseStatus, Channel
from tsunagu_intake.domain.sla import (
    MAX_PAUSE,
    Announcement,
    ReplyState,
    announcements_due,
    pause_refusal,
    reply_due_at,
    reply_state,
)

CALENDAR = ServiceCalendar()  # deadlines depend on business days only, not on opening hours
WINDOW = timedelta(hours=8)


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        # Golden Week 2025: 4/29 (Tue) 昭和の日, 5/3-5/5 Sat-Mon, 5/6 (Tue) 振替休日 for 5/4 (Sun).
        (jst(2025, 4, 28, 11, 0), jst(2025, 5, 2, 17, 15), "Mon: 4/29 skipped: 4/30, 5/1, 5/2"),
        (jst(2025, 5, 1, 10, 0), jst(2025, 5, 8, 17, 15), "Thu: 5/2, then 5/7, 5/8 across the holidays"),
        (jst(2025, 5, 2, 19, 0), jst(2025, 5, 12, 17, 15), "Fri after hours: day 0 is Wed 5/7"),
        (jst(2025, 5, 3, 9, 0), jst(2025, 5, 12, 17, 15), "a holiday Saturday: day 0 is Wed 5/7"),
        (jst(2025, 5, 6, 23, 59), jst(2025, 5, 12, 17, 15), "on the substitute holiday itself"),
        # Substitute holiday: 2025-11-24 (Mon) 振替休日 for 勤労感謝の日 on Sunday 11/23.
        (jst(2025, 11, 20, 12, 0), jst(2025, 11, 26, 17, 15), "Thu: 11/21, 11/25, 11/26 (11/24 off)"),
        (jst(2025, 11, 21, 17, 15), jst(2025, 11, 28, 17, 15), "Fri at 17:15 is after hours"),
        # Year-end closure 12/29 - 1/3 (2026-01-04 is a Sunday).
        (jst(2025, 12, 26, 16, 0), jst(2026, 1, 7, 17, 15), "Fri before the closure: 1/5, 1/6, 1/7"),
        (jst(2025, 12, 26, 18, 0), jst(2026, 1, 8, 17, 15), "Fri after hours: day 0 is Mon 1/5"),
        (jst(2025, 12, 31, 3, 0), jst(2026, 1, 8, 17, 15), "inside the closure: day 0 is Mon 1/5"),
        (jst(2026, 1, 2, 10, 0), jst(2026, 1, 8, 17, 15), "1/2 is closed although a weekday"),
        # An ordinary week.
        (jst(2025, 4, 8, 11, 0), jst(2025, 4, 11, 17, 15), "Tue -> Fri"),
    ],
)
def test_reply_due_three_business_days_after_receipt(received: datetime, due: datetime, why: str) -> None:
    assert reply_due_at(CALENDAR, received) == due, why


def test_the_deadline_is_given_in_tokyo_time_whatever_the_zone_received() -> None:
    received_utc = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)  # 10:00 JST
    due = reply_due_at(CALENDAR, received_utc)
    assert due == jst(2025, 5, 8, 17, 15)
    assert due.utcoffset() == timedelta(hours=9)


@settings(max_examples=150, deadline=None)
@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)))
def test_deadline_is_a_business_day_after_receipt(received: datetime) -> None:
    due = reply_due_at(CALENDAR, received)
    assert due > received
    assert CALENDAR.is_business_day(due.date())
    assert CALENDAR.business_days_between(CALENDAR.business_day_zero(received), due.date()) == 3


def test_reply_states_against_the_deadline() -> None:
    due = jst(2025, 5, 8, 17, 15)
    assert reply_state(due, jst(2025, 5, 7, 17, 0), WINDOW) is ReplyState.ON_TIME
    assert reply_state(due, jst(2025, 5, 8, 9, 15), WINDOW) is ReplyState.DUE_SOON
    assert reply_state(due, jst(2025, 5, 8, 17, 15), WINDOW) is ReplyState.OVERDUE
    assert reply_state(due, jst(2025, 5, 9, 10, 0), WINDOW, replied=True) is ReplyState.REPLIED


def _announce(
    now: datetime, *, soon: bool = False, over: bool = False, replied: bool = False
) -> list[Announcement]:
    return announcements_due(
        jst(2025, 5, 8, 17, 15),
        now,
        WINDOW,
        replied=replied,
        due_soon_announced=soon,
        overdue_announced=over,
    )


def test_each_announcement_is_made_once() -> None:
    assert _announce(jst(2025, 5, 8, 9, 0)) == []
    assert _announce(jst(2025, 5, 8, 9, 15)) == [Announcement.DUE_SOON]
    assert _announce(jst(2025, 5, 8, 12, 0), soon=True) == []
    assert _announce(jst(2025, 5, 8, 17, 15), soon=True) == [Announcement.OVERDUE]
    assert _announce(jst(2025, 5, 9, 10, 0), soon=True, over=True) == []


def test_a_missed_window_announces_only_overdue() -> None:
    assert _announce(jst(2025, 5, 12, 10, 0)) == [Announcement.OVERDUE]


def test_a_reply_stops_every_announcement() -> None:
    assert _announce(jst(2025, 5, 8, 12, 0), replied=True) == []
    assert _announce(jst(2025, 5, 12, 10, 0), replied=True) == []


RECEIVED = jst(2025, 5, 1, 10)
DUE = jst(2025, 5, 8, 17, 15)


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "rule"),
    [
        (RECEIVED, RECEIVED + timedelta(days=1), None),
        (DUE, DUE + timedelta(seconds=1), None),  # starting at the deadline itself still holds it
        (RECEIVED, RECEIVED + MAX_PAUSE, None),
        (RECEIVED, RECEIVED, rules.PAUSE_NOT_AFTER_START),
        (RECEIVED - timedelta(seconds=1), RECEIVED + timedelta(days=1), rules.PAUSE_BEFORE_RECEIPT),
        (DUE + timedelta(seconds=1), DUE + timedelta(days=1), rules.PAUSE_AFTER_DEADLINE),
        (RECEIVED, RECEIVED + MAX_PAUSE + timedelta(seconds=1), rules.PAUSE_TOO_LONG),
    ],
)
def test_pause_rules(starts_at: datetime, ends_at: datetime, rule: object) -> None:
    assert pause_refusal(received_at=RECEIVED, due_at=DUE, starts_at=starts_at, ends_at=ends_at) is rule


@pytest.mark.parametrize(
    ("channel", "status", "replied", "due", "rule"),
    [
        (Channel.EMAIL, CaseStatus.OPEN, False, DUE, None),
        (Channel.PHONE, CaseStatus.OPEN, False, None, rules.NOT_EMAIL_CONSULTATION),
        (Channel.EMAIL, CaseStatus.CLOSED, False, DUE, rules.CASE_CLOSED),
        (Channel.EMAIL, CaseStatus.OPEN, True, DUE, rules.ALREADY_REPLIED),
        (Channel.EMAIL, CaseStatus.OPEN, False, RECEIVED, rules.REPLY_DEADLINE_PASSED),  # due == now
    ],
)
def test_deadline_change_rules(
    channel: Channel, status: CaseStatus, replied: bool, due: datetime | None, rule: object
) -> None:
    got = deadline_change_refusal(
        channel=channel, case_status=status, replied=replied, due_at=due, now=RECEIVED
    )
    assert got is rule
