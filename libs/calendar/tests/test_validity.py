"""Grants valid between dates: each status at its boundary day, and withdrawals keeping the earliest date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from tsunagu_calendar.validity import (
    QualificationStatus,
    earliest,
    end_of_next_fiscal_year,
    status_on,
    valid_on,
)


@dataclass
class Grant:
    valid_from: date | None
    valid_until: date | None = None
    expired_on: date | None = None
    revoked_at: datetime | None = None


def test_each_status_at_its_boundary() -> None:
    grant = Grant(date(2025, 6, 1), date(2028, 5, 31))
    assert status_on(grant, date(2025, 5, 31)) is QualificationStatus.NOT_YET_VALID
    assert valid_on(grant, date(2025, 6, 1))
    assert valid_on(grant, date(2028, 5, 31))
    assert status_on(grant, date(2028, 6, 1)) is QualificationStatus.ENDED
    assert status_on(Grant(None), date(2025, 6, 1)) is QualificationStatus.PENDING
    expired = Grant(date(2025, 6, 1), date(2028, 5, 31), expired_on=date(2027, 1, 1))
    assert status_on(expired, date(2027, 1, 1)) is QualificationStatus.EXPIRED
    # 2026-03-01 15:30 UTC is 2026-03-02 in Tokyo: revoked from that Tokyo day.
    revoked = Grant(date(2025, 6, 1), None, revoked_at=datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    assert valid_on(revoked, date(2026, 3, 1))
    assert status_on(revoked, date(2026, 3, 2)) is QualificationStatus.REVOKED


def test_withdrawals_keep_the_earliest_date_and_legacy_grants_end_a_year_on() -> None:
    assert earliest(None, date(2026, 1, 2)) == date(2026, 1, 2)
    assert earliest(date(2026, 1, 1), date(2026, 1, 2)) == earliest(date(2026, 1, 2), date(2026, 1, 1))
    assert end_of_next_fiscal_year(date(2026, 12, 4)) == date(2028, 3, 31)
    assert end_of_next_fiscal_year(date(2027, 4, 1)) == date(2029, 3, 31)
