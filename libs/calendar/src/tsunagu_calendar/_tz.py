"""Time-zone helpers shared by the calendar modules (internal)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TOKYO: ZoneInfo = ZoneInfo("Asia/Tokyo")
"""The programme's time zone. Japan has observed no daylight saving time since 1951."""


def require_aware(value: datetime, name: str) -> datetime:
    """Return ``value`` converted to Asia/Tokyo; raise ``ValueError`` if it is naive."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}; "
            "attach a tzinfo (for example ZoneInfo('Asia/Tokyo')) so the instant is unambiguous"
        )
    return value.astimezone(TOKYO)


def as_tokyo_date(value: date, name: str) -> date:
    """Return the Tokyo calendar date of ``value``.

    A plain ``date`` is returned unchanged. A ``datetime`` must be aware and is converted to
    Asia/Tokyo before its date is taken (a naive one raises ``ValueError``).
    """
    if isinstance(value, datetime):
        return require_aware(value, name).date()
    if not isinstance(value, date):
        raise TypeError(f"{name} must be a date, got {type(value).__name__}")
    return value


def tokyo_date(instant: datetime) -> date:
    """The calendar date in Tokyo at the aware ``instant``: business rules run on Tokyo dates,
    whatever zone the instant was given in (a naive one raises ``ValueError``)."""
    return require_aware(instant, "instant").date()
