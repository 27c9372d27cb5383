"""The programme's service calendar: business days, channel opening, reply deadlines.

Definitions (all in Asia/Tokyo; aware datetimes in any zone are converted first, naive
datetimes are rejected with ``ValueError``). The rules are data (:mod:`tsunagu_calendar.business`,
ADR 0018); what follows is how the calendar reads them.

Business day of a channel
    The channel's business-day rule effective on the date decides: the date is a business day
    if its weekday is one of the rule's, it is not a national holiday (including 振替休日 and
    国民の休日) when the rule observes holidays, and it is not in the annual closure (default 29
    December - 3 January) when the rule observes the closure. A one-off day of the channel
    overrides all of that: closed, or open (with its own cut-off, if it gives one). The day's
    **cut-off** is the end of the rule's business hours, or the one-off day's.

    Questions asked without a channel are about the programme office (:data:`OFFICE`); a channel
    with opening hours but no business-day rules of its own follows the office. By default the
    office is the only one: Monday-Friday, 08:30-17:15, holidays and closure excluded, so Saturday
    is not a business day even though the phone line is open on Saturdays.

Open channel
    A channel is open at an instant if an :class:`~tsunagu_calendar.hours.OpeningHours`
    record of that channel is effective on the Tokyo date, the Tokyo wall-clock time lies in
    one of that weekday's half-open intervals ``[opens, closes)``, and - for records that
    observe closures (phone, by default) - the date is neither a national holiday nor in the
    closure. A one-off day of the channel overrides that: closed all day, or open with the hours
    it gives (else its weekday's, holidays and closure notwithstanding).

Reply deadline (``add_business_days(received_at, n, channel)``), e.g. "reply within 3 business days"
    1. Day 0 is the business day on which the office first sees the message: the receipt date if
       it is a business day and the message came before its cut-off (a receipt before the office
       opens is seen that morning), otherwise the next business day.
    2. The deadline is the cut-off of the n-th business day after day 0. ``n = 0`` means "by the
       cut-off of day 0".
    3. Pauses (the channel's, and the deadline's own): a business day whose cut-off falls inside
       a pause (start inclusive, end exclusive) does not count, neither as day 0 nor as one of
       the n; counting goes on with the next business day.

    Put shortly: the deadline is the cut-off of the (n + 1)-th business day whose cut-off is
    after the receipt and outside every pause. Each date is judged by the rule in force on that
    date. The result is an aware datetime in Asia/Tokyo, always the cut-off of a business day,
    always strictly after ``received_at``, strictly increasing in ``n`` and non-decreasing in
    ``received_at``.

    Examples with n = 3 at the office: received Tue 2025-04-08 11:00 -> day 0 Tue -> due Fri
    2025-04-11 17:15. Received Fri 2025-05-02 19:00 (after hours, before Golden Week) -> day 0
    Wed 2025-05-07 -> due Mon 2025-05-12 17:15.

A deadline already computed is moved only from its own value: :meth:`ServiceCalendar.extend_deadline`
adds business days after it, :meth:`ServiceCalendar.pause_deadline` moves it by the business days
a pause holds before it. Neither recomputes it from the receipt, so a deadline keeps its value
when the rules change, and neither ever makes it earlier.

``business_days_between(start, end)`` counts the business days ``d`` with ``start < d <= end``
(negative if ``end`` precedes ``start``), so that
``business_days_between(day0, add_business_days(r, n).date()) == n`` without pauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta

from ._tz import TOKYO, as_tokyo_date, require_aware
from .business import (
    DEFAULT_BUSINESS_CALENDAR,
    OFFICE,
    BusinessCalendar,
    BusinessCalendarError,
    BusinessDayRule,
    OneOffDay,
    Pause,
)
from .closure import ClosureRule
from .holidays_source import HolidaySource, JapaneseHolidays
from .hours import (
    DEFAULT_OPENING_HOURS,
    OfficeHours,
    OpeningHours,
    TimeInterval,
    validate_schedule,
)

__all__ = [
    "DEFAULT_SEARCH_DAYS",
    "NoBusinessRuleError",
    "SearchLimitError",
    "ServiceCalendar",
    "UnknownChannelError",
]

DEFAULT_SEARCH_DAYS = 400
"""How many days ahead searches (next opening, next business day) look before giving up."""

_ONE_DAY = timedelta(days=1)


class UnknownChannelError(LookupError):
    """The channel has no opening-hours records and no business-day rules (probably a typo)."""


class SearchLimitError(LookupError):
    """No opening / business day was found within the search bound."""


class NoBusinessRuleError(ValueError):
    """No business-day rule covers the date: it is before the data's first rule, or after the
    last one ended. Raised rather than guessing, because a guess would move deadlines."""


class ServiceCalendar:
    """Japanese public-service calendar for the programme (pure computation, no I/O).

    Args:
        holidays: Source of national holidays; default :class:`JapaneseHolidays` (names in
            Japanese).
        closure: Annual closure; default :class:`ClosureRule` (29 December - 3 January).
        hours: Opening-hours records for all channels; default
            :data:`~tsunagu_calendar.hours.DEFAULT_OPENING_HOURS`. Overlapping periods of one
            channel raise :class:`~tsunagu_calendar.hours.HoursConfigError`.
        office_hours: Business hours of the default office rule (08:30-17:15); only without
            ``business``.
        business: Business-day rules, one-off days and channel pauses; default
            :data:`~tsunagu_calendar.business.DEFAULT_BUSINESS_CALENDAR` (the office only).
            A one-off day naming a channel that has neither opening hours nor business-day
            rules, or giving opening hours but naming no channel that has any, raises
            :class:`~tsunagu_calendar.business.BusinessCalendarError`.
        search_days: Bound for forward searches; default :data:`DEFAULT_SEARCH_DAYS`.

    Day-level questions about dates outside the holiday source's range (1949-2099 for
    :class:`JapaneseHolidays`) raise ``ValueError`` rather than guess, and so do business-day
    questions about dates no rule covers (:class:`NoBusinessRuleError`).
    """

    def __init__(
        self,
        holidays: HolidaySource | None = None,
        closure: ClosureRule | None = None,
        hours: Iterable[OpeningHours] | None = None,
        office_hours: OfficeHours | None = None,
        *,
        business: BusinessCalendar | None = None,
        search_days: int = DEFAULT_SEARCH_DAYS,
    ) -> None:
        if search_days < 1:
            raise ValueError(f"search_days must be positive, got {search_days}")
        self._holidays: HolidaySource = holidays if holidays is not None else JapaneseHolidays()
        self._closure = closure if closure is not None else ClosureRule()
        self._search_days = search_days
        records = validate_schedule(DEFAULT_OPENING_HOURS if hours is None else hours)
        by_channel: dict[str, list[OpeningHours]] = {}
        for record in records:
            by_channel.setdefault(record.channel, []).append(record)
        self._hours: dict[str, tuple[OpeningHours, ...]] = {k: tuple(v) for k, v in by_channel.items()}
        if business is None:
            business = (
                DEFAULT_BUSINESS_CALENDAR
                if office_hours is None
                else DEFAULT_BUSINESS_CALENDAR.with_office_hours(office_hours)
            )
        elif office_hours is not None:
            raise ValueError(
                "give the office's hours in the business calendar's office rules, not as office_hours"
            )
        if not isinstance(business, BusinessCalendar):
            raise TypeError(f"business must be a BusinessCalendar, got {type(business).__name__}")
        self._business = business
        self._rules = {channel: business.rules_of(channel) for channel in business.channels}
        self._one_offs: dict[tuple[str, date], OneOffDay] = {}
        for index, one_off in enumerate(business.one_off_days):
            where = f"business_calendar.one_off_days[{index}]"
            for channel in one_off.channels:
                if channel not in self._hours and channel not in self._rules:
                    raise BusinessCalendarError(
                        f"{where}: {channel!r} has neither opening hours nor business-day rules"
                    )
                self._one_offs[(channel, one_off.day)] = one_off
            if one_off.hours is not None and not any(c in self._hours for c in one_off.channels):
                raise BusinessCalendarError(f"{where}: opening hours, but none of its channels has any")
        pauses: dict[str, list[Pause]] = {}
        for channel_pause in business.pauses:
            for channel in channel_pause.channels:
                pauses.setdefault(channel, []).append(channel_pause.pause)
        self._pauses = {channel: tuple(p) for channel, p in pauses.items()}

    # -- configuration ------------------------------------------------------------------

    @property
    def closure(self) -> ClosureRule:
        """The annual closure rule."""
        return self._closure

    @property
    def office_hours(self) -> OfficeHours:
        """Business hours of the office's latest rule (08:30-17:15 by default)."""
        return self._rules[OFFICE][-1].hours

    @property
    def business(self) -> BusinessCalendar:
        """The business-day rules, one-off days and channel pauses."""
        return self._business

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

    def deadline_channel(self, channel: str) -> str:
        """The channel whose business-day rules ``channel``'s deadlines follow: itself if it has
        rules of its own, else :data:`OFFICE`.

        Raises:
            UnknownChannelError: if ``channel`` has neither rules nor opening hours.
        """
        if channel in self._rules:
            return channel
        if channel in self._hours:
            return OFFICE
        known = ", ".join(sorted({*self._rules, *self._hours}))
        raise UnknownChannelError(f"unknown channel {channel!r}; known channels: {known}")

    def business_rule_on(self, day: date, channel: str = OFFICE) -> BusinessDayRule:
        """Return the business-day rule that decides ``day`` for ``channel``'s deadlines.

        Raises:
            UnknownChannelError: if the channel is unknown.
            NoBusinessRuleError: if no rule covers ``day``.
        """
        return self._rule(self.deadline_channel(channel), as_tokyo_date(day, "day"))

    def _rule(self, owner: str, day: date) -> BusinessDayRule:
        rules = self._rules[owner]
        for rule in rules:
            if rule.applies_on(day):
                return rule
        until = rules[-1].effective_to or "further notice"
        raise NoBusinessRuleError(
            f"no business-day rule of {owner!r} covers {day}; its rules run from "
            f"{rules[0].effective_from} to {until}"
        )

    def one_off_day(self, channel: str, day: date) -> OneOffDay | None:
        """Return the one-off day that names ``channel`` on ``day``, if any (no fallback to the office)."""
        return self._one_offs.get((channel, as_tokyo_date(day, "day")))

    def channel_pauses(self, channel: str = OFFICE) -> tuple[Pause, ...]:
        """The pauses the data holds for ``channel``'s deadlines (the office's for a channel that
        follows it)."""
        return self._pauses.get(self.deadline_channel(channel), ())

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

    def cutoff_on(self, day: date, channel: str = OFFICE) -> time | None:
        """Return the cut-off of ``day`` for ``channel``'s deadlines, or ``None`` if ``day`` is not
        one of its business days (see the module docstring).

        Raises:
            UnknownChannelError: if the channel is unknown.
            NoBusinessRuleError: if no rule covers ``day``.
        """
        return self._cutoff(self.deadline_channel(channel), as_tokyo_date(day, "day"))

    def _cutoff(self, owner: str, day: date) -> time | None:
        rule = self._rule(owner, day)
        one_off = self._one_offs.get((owner, day))
        if one_off is not None:
            if not one_off.open:
                return None
            return one_off.cutoff if one_off.cutoff is not None else rule.cutoff
        if day.weekday() not in rule.weekdays:
            return None
        if rule.observe_closure and self._closure.contains(day):
            return None
        if rule.observe_holidays and self._holidays.holiday_name(day) is not None:
            return None
        return rule.cutoff

    def is_business_day(self, day: date, channel: str = OFFICE) -> bool:
        """Return True if ``day`` is a business day for ``channel``'s deadlines (default: the office).

        By default (the office's rule) a business day is Monday-Friday, not a national holiday and
        not in the closure: Saturday is not one, even though the phone line opens on Saturdays. An
        aware ``datetime`` is accepted and converted to its Tokyo date.
        """
        return self.cutoff_on(day, channel) is not None

    def next_business_day(self, day: date, channel: str = OFFICE) -> date:
        """Return the first business day of ``channel`` strictly after ``day``.

        Raises:
            SearchLimitError: if none is found within the search bound.
        """
        current = as_tokyo_date(day, "day")
        for _ in range(self._search_days):
            current += _ONE_DAY
            if self.is_business_day(current, channel):
                return current
        raise SearchLimitError(f"no business day within {self._search_days} days after {day}")

    def business_days_between(self, start: date, end: date, channel: str = OFFICE) -> int:
        """Count business days ``d`` with ``start < d <= end``; negative if ``end < start``.

        ``start`` itself is never counted, ``end`` is counted if it is a business day. Aware
        datetimes are accepted and reduced to their Tokyo dates.
        """
        start = as_tokyo_date(start, "start")
        end = as_tokyo_date(end, "end")
        if end < start:
            return -self.business_days_between(end, start, channel)
        count = 0
        current = start
        while current < end:
            current += _ONE_DAY
            if self.is_business_day(current, channel):
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
        """Return ``channel``'s opening intervals on ``day`` after one-off days, holidays and closure.

        Empty if the channel is closed all day (a one-off closure, no effective record, closed
        weekday, or a holiday / closure day for a record that observes closures). A one-off
        opening gives its own hours, or else the weekday's.
        """
        day = as_tokyo_date(day, "day")
        record = self.opening_hours_on(channel, day)
        one_off = self._one_offs.get((channel, day))
        if one_off is not None:
            if not one_off.open:
                return ()
            if one_off.hours is not None:
                return one_off.hours
            return () if record is None else record.intervals_for_weekday(day.weekday())
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

    def _all_pauses(self, owner: str, given: Iterable[Pause]) -> tuple[Pause, ...]:
        extra = tuple(given)
        for pause in extra:
            if not isinstance(pause, Pause):
                raise TypeError(f"pauses must be Pause, got {type(pause).__name__}")
        return self._pauses.get(owner, ()) + extra

    def _cutoffs(
        self, owner: str, start: datetime, *, inclusive: bool, pauses: tuple[Pause, ...]
    ) -> Iterator[datetime]:
        """The cut-offs of ``owner``'s business days after ``start`` (or at it, when ``inclusive``)
        and outside ``pauses``, in order; endless, but each one is searched for at most
        ``search_days`` days."""
        day = start.date()
        idle = 0
        while True:
            cutoff = self._cutoff(owner, day)
            if cutoff is not None:
                instant = datetime.combine(day, cutoff, tzinfo=TOKYO)
                after_start = instant > start or (inclusive and instant == start)
                if after_start and not any(p.holds(instant) for p in pauses):
                    idle = 0
                    yield instant
            idle += 1
            if idle > self._search_days:
                raise SearchLimitError(
                    f"no business day of {owner!r} in the {self._search_days} days up to {day}"
                )
            day += _ONE_DAY

    @staticmethod
    def _check_count(n: int, name: str) -> None:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"{name} must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"{name} must be >= 0, got {n}")

    def business_day_zero(self, received_at: datetime, channel: str = OFFICE) -> date:
        """Return day 0 of the business-day count for a message received at ``received_at``.

        Day 0 is the receipt date if that is a business day and the receipt is before its
        cut-off; otherwise the next business day. Pauses are not considered. See the module
        docstring.

        Raises:
            ValueError: if ``received_at`` is naive.
        """
        local = require_aware(received_at, "received_at")
        owner = self.deadline_channel(channel)
        return next(self._cutoffs(owner, local, inclusive=False, pauses=())).date()

    def add_business_days(
        self, received_at: datetime, n: int, channel: str = OFFICE, *, pauses: Iterable[Pause] = ()
    ) -> datetime:
        """Return the deadline "within ``n`` business days of receipt" on ``channel``.

        The cut-off of the (n + 1)-th business day whose cut-off is after ``received_at`` and
        outside every pause (the channel's and ``pauses``): day 0 and n business days after it.

        Args:
            received_at: Aware datetime of receipt, any zone.
            n: Number of business days, ``>= 0``.
            channel: Whose business days count; default the office.
            pauses: The deadline's own pauses.

        Returns:
            An aware datetime in Asia/Tokyo.

        Raises:
            ValueError: if ``received_at`` is naive or ``n`` is negative.
            SearchLimitError: if the rules leave no business day within the search bound.
        """
        self._check_count(n, "n")
        local = require_aware(received_at, "received_at")
        owner = self.deadline_channel(channel)
        cutoffs = self._cutoffs(owner, local, inclusive=False, pauses=self._all_pauses(owner, pauses))
        for _ in range(n):
            next(cutoffs)
        return next(cutoffs)

    def extend_deadline(
        self, due: datetime, business_days: int, channel: str = OFFICE, *, pauses: Iterable[Pause] = ()
    ) -> datetime:
        """Return ``due`` moved ``business_days`` business days later: the cut-off of the
        ``business_days``-th business day whose cut-off is after ``due`` and outside every pause.
        ``0`` returns ``due`` (in Tokyo time). ``due`` itself is not recomputed.
        """
        self._check_count(business_days, "business_days")
        local = require_aware(due, "due")
        owner = self.deadline_channel(channel)
        result = local
        cutoffs = self._cutoffs(owner, local, inclusive=False, pauses=self._all_pauses(owner, pauses))
        for _ in range(business_days):
            result = next(cutoffs)
        return result

    def pause_deadline(
        self,
        received_at: datetime,
        due: datetime,
        pause: Pause,
        channel: str = OFFICE,
        *,
        earlier: Iterable[Pause] = (),
    ) -> datetime:
        """Return ``due`` moved by the business days ``pause`` holds before it.

        Let m be the number of business days whose cut-off lies after the receipt, inside
        ``[pause.starts_at, due]`` and outside every earlier pause (the channel's and
        ``earlier``): the deadline becomes the m-th such cut-off at or after ``pause.ends_at``,
        and never earlier than ``due``. A pause that starts after ``due`` changes nothing.

        When the rules have not changed since ``due`` was computed this equals
        ``add_business_days(received_at, n, pauses=[*earlier, pause])``; when they have, the
        business days before the pause keep the value ``due`` was given and only those from the
        pause on follow the current rules.

        Raises:
            ValueError: if a datetime is naive.
        """
        if not isinstance(pause, Pause):
            raise TypeError(f"pause must be a Pause, got {type(pause).__name__}")
        received = require_aware(received_at, "received_at")
        local_due = require_aware(due, "due")
        owner = self.deadline_channel(channel)
        others = self._all_pauses(owner, earlier)
        if pause.starts_at > local_due:
            return local_due
        start, inclusive = (pause.starts_at, True) if pause.starts_at > received else (received, False)
        held = 0
        for cutoff in self._cutoffs(owner, start.astimezone(TOKYO), inclusive=inclusive, pauses=others):
            if cutoff > local_due:
                break
            held += 1
        if held == 0:
            return local_due
        start, inclusive = (pause.ends_at, True) if pause.ends_at > received else (received, False)
        cutoffs = self._cutoffs(owner, start.astimezone(TOKYO), inclusive=inclusive, pauses=others)
        for _ in range(held - 1):
            next(cutoffs)
        return max(next(cutoffs), local_due)
