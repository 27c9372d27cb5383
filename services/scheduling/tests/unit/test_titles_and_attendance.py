"""Titles, venues and the roll of a group session (``domain.sessions``), without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.domain.codes import RegistrationStatus, SessionKind
from tsunagu_scheduling.domain.sessions import (
    DEFAULT_TITLES,
    Attendance,
    SeatHolder,
    already_recorded,
    attendance_refusal,
    title_of,
    venue_of,
)
from tsunagu_servicekit.errors import Rule

STARTS = datetime(2026, 4, 18, 5, 0, tzinfo=UTC)
AFTER = STARTS + timedelta(minutes=1)
PRESENT, ABSENT = Attendance.PRESENT, Attendance.ABSENT


def seat(
    status: RegistrationStatus = RegistrationStatus.REGISTERED,
    seat_no: int | None = 1,
    attendance: Attendance | None = None,
    erased: bool = False,
) -> SeatHolder:
    return SeatHolder(status=status, seat_no=seat_no, attendance=attendance, person_erased=erased)


def test_every_kind_has_a_japanese_title() -> None:
    assert set(DEFAULT_TITLES) == set(SessionKind)
    assert title_of(SessionKind.FAMILY_SEMINAR, None) == "家族セミナー"
    assert title_of(SessionKind.FAMILY_SEMINAR, "家族セミナー 第3回") == "家族セミナー 第3回"


def test_the_venue_is_what_was_typed_else_the_room() -> None:
    assert venue_of("都庁第一本庁舎 5階", "Room 1") == "都庁第一本庁舎 5階"
    assert venue_of(None, "Room 1") == "Room 1"
    assert venue_of(None, None) is None


@pytest.mark.parametrize(
    ("holder", "wanted", "now", "expected"),
    [
        (
            seat(RegistrationStatus.CANCELLED, None, erased=True),
            PRESENT,
            STARTS,
            rules.REGISTRATION_NOT_ACTIVE,
        ),
        (seat(RegistrationStatus.WAITLISTED, None), PRESENT, AFTER, rules.REGISTRATION_NOT_SEATED),
        (seat(erased=True), PRESENT, AFTER, rules.PERSON_ERASED),
        (seat(), PRESENT, STARTS - timedelta(seconds=1), rules.SESSION_NOT_STARTED),
        (seat(attendance=PRESENT), ABSENT, AFTER, rules.ATTENDANCE_ALREADY_RECORDED),
        (seat(attendance=PRESENT), PRESENT, AFTER, None),
        (seat(), ABSENT, STARTS, None),  # at the start it has started
    ],
)
def test_attendance_refusals_in_their_order(
    holder: SeatHolder, wanted: Attendance, now: datetime, expected: Rule | None
) -> None:
    assert attendance_refusal(holder, wanted, session_starts_at=STARTS, now=now) is expected


def test_the_same_answer_again_is_recorded_already() -> None:
    assert already_recorded(seat(attendance=ABSENT), ABSENT)
    assert not already_recorded(seat(), ABSENT)
