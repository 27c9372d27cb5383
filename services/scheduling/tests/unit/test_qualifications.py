"""How a qualification stands on a day, and the end of a legacy qualification (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from tsunagu_scheduling.domain.qualifications import (
    QualificationStatus,
    earliest,
    end_of_next_fiscal_year,
    status_on,
    valid_on,
)


@dataclass
class Q:
    valid_from: date | None = date(2026, 4, 1)
    valid_until: date | None = date(2026, 6, 30)
    expired_on: date | None = None
    revoked_at: datetime | None = None


@pytest.mark.parametrize(
    ("q", "day", "status"),
    [
        (Q(), date(2026, 3, 31), QualificationStatus.NOT_YET_VALID),
        (Q(), date(2026, 4, 1), QualificationStatus.VALID),
        (Q(), date(2026, 6, 30), QualificationStatus.VALID),  # the last day counts
        (Q(), date(2026, 7, 1), QualificationStatus.ENDED),
        (Q(valid_until=None), date(2099, 1, 1), QualificationStatus.VALID),
        (Q(expired_on=date(2026, 6, 1)), date(2026, 5, 31), QualificationStatus.VALID),
        (Q(expired_on=date(2026, 6, 1)), date(2026, 6, 1), QualificationStatus.EXPIRED),
        (Q(expired_on=date(2026, 6, 1)), date(2026, 8, 1), QualificationStatus.EXPIRED),
        # Revoked at 23:30 UTC on 31 May is 1 June in Tokyo: that day is already without it.
        (
            Q(revoked_at=datetime(2026, 5, 31, 23, 30, tzinfo=UTC)),
            date(2026, 5, 31),
            QualificationStatus.VALID,
        ),
        (
            Q(revoked_at=datetime(2026, 5, 31, 23, 30, tzinfo=UTC)),
            date(2026, 6, 1),
            QualificationStatus.REVOKED,
        ),
        (
            Q(expired_on=date(2026, 6, 1), revoked_at=datetime(2026, 5, 1, tzinfo=UTC)),
            date(2026, 6, 2),
            QualificationStatus.REVOKED,
        ),
        (Q(valid_from=None), date(2026, 5, 1), QualificationStatus.PENDING),
    ],
)
def test_status_on_a_day(q: Q, day: date, status: QualificationStatus) -> None:
    assert status_on(q, day) is status
    assert valid_on(q, day) is (status is QualificationStatus.VALID)


def test_a_withdrawal_keeps_the_earliest_date_it_was_told() -> None:
    first, later = date(2026, 6, 1), date(2026, 7, 1)
    assert earliest(None, later) == later
    assert earliest(earliest(None, later), first) == earliest(earliest(None, first), later) == first
    assert earliest(first, first) == first


@pytest.mark.parametrize(
    ("today", "until"),
    [
        (date(2026, 12, 4), date(2028, 3, 31)),
        (date(2026, 4, 1), date(2028, 3, 31)),
        (date(2027, 3, 31), date(2028, 3, 31)),
        (date(2027, 4, 1), date(2029, 3, 31)),
    ],
)
def test_a_legacy_qualification_lasts_to_the_end_of_the_next_fiscal_year(today: date, until: date) -> None:
    assert end_of_next_fiscal_year(today) == until
