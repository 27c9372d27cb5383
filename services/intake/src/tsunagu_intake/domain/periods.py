"""Days people name (Tokyo dates, both ends included) as the instants a query compares."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tsunagu_calendar import TOKYO


def tokyo_days(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """``[first 00:00, the day after last 00:00)`` in Tokyo, as aware instants; None stays open."""
    start = datetime.combine(first, time(0), TOKYO) if first is not None else None
    end = datetime.combine(last + timedelta(days=1), time(0), TOKYO) if last is not None else None
    return start, end
