"""The programme's service calendar: business days, channel opening, reply deadlines.

Definitions (all in Asia/Tokyo; aware datetimes in any zone are converted first, naive
datetimes are rejected with ``ValueError``):

Business day (開庁日)
    A date that is Monday-Friday, not a national holiday (including 振替休日 and 国民の休日,
    from the ``holidays`` package) and not inside the closure rule (default 29 December -
    3 January). Business days are government office days: Saturday is never a business day,
    even though the phone line is open on Saturdays since 2025-04-01. Deadlines are counted
    in business days; opening hours only decide when a channel answers.

Open channel
    A channel is open at an instant if an :class:`~tsunagu_calendar.hours.OpeningHours`
    record of that channel is effective on the Tokyo date, the Tokyo wall-clock time lies in
    one of that weekday's half-open intervals ``[opens, closes)``, and - for records that
    observe closures (phone, by default) - the date is neither a national holiday nor in the
    closure. Saturday is *not* excluded by itself: it is open whenever the record says so.

Reply deadline (``add_business_days(received_at, n)``), e.g. "reply within 3 business days"
    1. Day 0 is the business day on which the office first sees the message:

       * received on a business day before the end of office hours (default 17:15; this
         includes a receipt before 08:30, which the office sees when it opens that morning)
         -> day 0 is that same day;
       * received at or after the end of office hours, or on a non-business day (weekend,
         national holiday, closure) -> day 0 is the next business day (counting starts at its
         08:30 opening).

    2. The deadline is the end of office hours (17:15) of the n-th business day after day 0.
       ``n = 0`` means "by the end of day 0".

    The result is an aware datetime in Asia/Tokyo, always a business day, always strictly
    after ``received_at``, strictly increasing in ``n`` and non-decreasing in ``received_at``.

    Examples with n = 3: received Tue 2025-04-08 11:00 -> day 0 Tue -> due Fri 2025-04-11
    17:15. Received Fri 2025-05-02 19:00 (after hours, before Golden Week) -> day 0 Wed
    2025-05-07 -> due Mon 2025-05-12 17:15.

``business_days_between(start, end)`` counts the business days ``d`` with ``start < d <= end``
(negative if ``end`` precedes ``start``), so that
``business_days_between(day0, add_business_days(r, n).date()) == n``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from ._tz import TOKYO, as_tokyo_date, require_aware
from .closure import ClosureRule
from .holidays_source import HolidaySource, JapaneseHolidays
from .hours import (
    DEFAULT_OFFICE_HOURS,
    DEFAULT_OPENING_HOURS,
    OfficeHours,
    OpeningHours,
    TimeInterval,
    validate_schedule,
)

__all__ = ["DEFAULT_SEARCH_DAYS", "SearchLimitError", "ServiceCalendar", "UnknownChannelError"]

DEFAULT_SEARCH_DAYS = 400
"""How many days ahead searches (next opening, next business day) look before giving up."""

_ONE_DAY = timedelta(days=1)


class UnknownChannelError(LookupError):
    """The channel has no opening-hours records at all (probably a typo)."""


class SearchLimitError(LookupError):
    """No opening / business day was found within the search bound."""


class ServiceCalendar:
    """Japanese public-service calendar for the programme (pure computation, no I/O).

    Args:
        holidays: Source of national holidays; default :class:`JapaneseHolidays` (names in
            Japanese).
        closure: Annual closure; default :class:`ClosureRule` (29 December - 3 January).
        hours: Opening-hours records for all channels; default
            :data:`~tsunagu_calendar.hours.DEFAULT_OPENING_HOURS`. Overlapping periods of one
            channel raise :class:`~tsunagu_calendar.hours.HoursConfigError`.
        office_hours: Office hours that start and end business-day deadlines; default
            08:30-17:15.
        search_days: Bound for forward searches; default :data:`DEFAULT_SEARCH_DAYS`.

    Day-level questions about dates outside the holiday source's range (1949-2099 for
    :class:`JapaneseHolidays`) raise ``ValueError`` rather than guess.
    """

    def __init__(
        self,
        holidays: HolidaySource | None = None,
        closure: ClosureRule | None = None,
        hours: Iterable[OpeningHours] | None = None,
        office_hours: OfficeHours | None = None,
        *,
        search_days: int = DEFAULT_SEARCH_DAYS,
    ) -> None:
        if search_days < 1:
            raise ValueError(f"search_days must be positive, got {search_days}")
        self._holidays: HolidaySource = holidays if holidays is not None else JapaneseHolidays()
        self._closure = closure if closure is not None else ClosureRule()
        self._office_hours = office_hours if office_hours is not None else DEFAULT_OFFICE_HOURS
        self._search_days = search_days
        records = validate_schedule(DEFAULT_OPENING_HOURS if hours is None else hours)
        by_channel: dict[str, list[OpeningHours]] = {}
        for record in records:
            by_channel.setdefault(record.channel, []).append(record)
        self._hours: dict[str, tuple[OpeningHours, ...]] = {k: tuple(v) for k, v in by_channel.items()}

    # -- configuration ------------------------------------------------------------------

    @property
    def closure(self) -> ClosureRule:
        """The annual closure rule."""
        return self._closure

    @property
    def office_hours(self) -> OfficeHours:
        """Office hours used for business-day deadlines."""
        return self._office_hours

    @property
    def channels(self) -> tuple[str, ...]:
        """Names of the channels that have opening-hours records, sorted."""
        return tuple(sorted(self._hours))

    def hours_records(self, channel: str) -> tuple[OpeningHours, ...]:
        """Return every opening-hours record of ``channel``, oldest first."""
        try:
            return self._hours[channel]
        except KeyError:
            raise UnknownChannelError(
                f"unknown channel {channel!r}; known channels: {', '.join(self.channels) or '(none)'}"
            ) from None

    # -- days ---------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        """Return the national holiday's name on ``day`` (e.g. ``"振替休日"``), else ``None``."""
        return self._holidays.holiday_name(as_tokyo_date(day, "day"))

    def is_holiday(self, day: date) -> bool:
        """Return True if ``day`` is a national holiday (振替休日 and 国民の休日 included)."""
        return self.holiday_name(day) is not None

    def holidays_in_year(self, year: int) -> dict[date, str]:
        """Return the national holidays of calendar year ``year`` mapped to their names."""
        return dict(self._holidays.holidays_in_year(year))

    def holidays_between(self, start: date, end: date) -> dict[date, str]:
        """Return the national holidays with ``start <= d <= end`` mapped to their names."""
        start = as_tokyo_date(start, "start")
        end = as_tokyo_date(end, "end")
        result: dict[date, str] = {}
        for year in range(start.year, end.year + 1):
            for day, name in self._holidays.holidays_in_year(year).items():
                if start <= day <= end:
                    result[day] = name
        return dict(sorted(result.items()))

    def is_closure_day(self, day: date) -> bool:
        """Return True if ``day`` falls inside the annual closure."""
        return self._closure.contains(as_tokyo_date(day, "day"))

    def is_business_day(self, day: date) -> bool:
        """Return True if ``day`` is a business day (government office day).

        A business day is Monday-Friday, not a national holiday and not in the closure.
        Saturday is never a business day, even though the phone line opens on Saturdays.
        An aware ``datetime`` is accepted and converted to its Tokyo date.
        """
        day = as_tokyo_date(day, "day")
        return day.weekday() < 5 and not self._closure.contains(day) and self.holiday_name(day) is None

    def next_business_day(self, day: date) -> date:
        """Return the first business day strictly after ``day``.

        Raises:
            SearchLimitError: if none is found within the search bound.
        """
        current = as_tokyo_date(day, "day")
        for _ in range(self._search_days):
            current += _ONE_DAY
            if self.is_business_day(current):
                return current
        raise SearchLimitError(f"no business day within {self._search_days} days after {day}")

    def business_days_between(self, start: date, end: date) -> int:
        """Count business days ``d`` with ``start < d <= end``; negative if ``end < start``.

        ``start`` itself is never counted, ``end`` is counted if it is a business day. Aware
        datetimes are accepted and reduced to their Tokyo dates.
        """
        start = as_tokyo_date(start, "start")
        end = as_tokyo_date(end, "end")
        if end < start:
            return -self.business_days_between(end, start)
        count = 0
        current = start
        while current < end:
            current += _ONE_DAY
            if self.is_business_day(current):
                count += 1
        return count

    # -- channels -----------------------------------------------------------------------

    def opening_hours_on(self, channel: str, day: date) -> OpeningHours | None:
        """Return the record of ``channel`` effective on ``day``, or ``None`` if there is none."""
        day = as_tokyo_date(day, "day")
        for record in self.hours_records(channel):
            if record.applies_on(day):
                return record
        return None

    def opening_intervals(self, channel: str, day: date) -> tuple[TimeInterval, ...]:
        """Return ``channel``'s opening intervals on ``day`` after holidays and closure.

        Empty if the channel is closed all day (no effective record, closed weekday, or a
        holiday / closure day for a record that observes closures).
        """
        day = as_tokyo_date(day, "day")
        record = self.opening_hours_on(channel, day)
        if record is None:
            return ()
        if record.observe_closures and (self._closure.contains(day) or self.holiday_name(day) is not None):
            return ()
        return record.intervals_for_weekday(day.weekday())

    def is_open(self, channel: str, at: datetime) -> bool:
        """Return True if ``channel`` is open at instant ``at``.

        Args:
            channel: Channel name, e.g. ``"phone"``.
            at: Aware datetime in any zone; it is converted to Asia/Tokyo.

        Raises:
            ValueError: if ``at`` is naive.
            UnknownChannelError: if the channel has no records.
        """
        local = require_aware(at, "at")
        moment = local.time()
        return any(iv.contains(moment) for iv in self.opening_intervals(channel, local.date()))

    def next_opening(self, channel: str, after: datetime) -> datetime:
        """Return the first instant at or after ``after`` at which ``channel`` is open.

        If the channel is already open at ``after`` that instant is returned (in Tokyo time);
        otherwise the start of the next opening interval.

        Returns:
            An aware datetime in Asia/Tokyo, ``>= after``, at which :meth:`is_open` is True.

        Raises:
            ValueError: if ``after`` is naive.
            UnknownChannelError: if the channel has no records.
            SearchLimitError: if the channel does not open within the search bound.
        """
        local = require_aware(after, "after")
        self.hours_records(channel)  # unknown channel -> error even if the search would fail
        moment = local.time()
        day = local.date()
        for offset in range(self._search_days + 1):
            current = day + timedelta(days=offset)
            for interval in self.opening_intervals(channel, current):
                if offset == 0:
                    if interval.contains(moment):
                        return local
                    if interval.opens < moment:
                        continue
                return datetime.combine(current, interval.opens, tzinfo=TOKYO)
        raise SearchLimitError(
            f"channel {channel!r} does not open within {self._search_days} days after {local.isoformat()}"
        )

    # -- deadlines ----------------------------------------------------------------------

    def business_day_zero(self, received_at: datetime) -> date:
        """Return day 0 of the business-day count for a message received at ``received_at``.

        Day 0 is the receipt date if that is a business day and the receipt is before the end
        of office hours; otherwise the next business day. See the module docstring.

        Raises:
            ValueError: if ``received_at`` is naive.
        """
        local = require_aware(received_at, "received_at")
        day = local.date()
        if self.is_business_day(day) and local.time() < self._office_hours.closes:
            return day
        return self.next_business_day(day)

    def add_business_days(self, received_at: datetime, n: int) -> datetime:
        """Return the deadline "within ``n`` business days of receipt".

        Day 0 is :meth:`business_day_zero`; the deadline is the end of office hours (17:15 by
        default) on the ``n``-th business day after day 0.

        Args:
            received_at: Aware datetime of receipt, any zone.
            n: Number of business days, ``>= 0``.

        Returns:
            An aware datetime in Asia/Tokyo.

        Raises:
            ValueError: if ``received_at`` is naive or ``n`` is negative.
            SearchLimitError: if the rules leave no business day within the search bound.
        """
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        due = self.business_day_zero(received_at)
        for _ in range(n):
            due = self.next_business_day(due)
        return datetime.combine(due, self._office_hours.closes, tzinfo=TOKYO)
