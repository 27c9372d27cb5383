"""Japanese public-service calendar for Tokyo's hikikomori support programme.

Pure computation, no I/O:

* national holidays from the ``holidays`` package (振替休日 and 国民の休日 included, names in
  Japanese) - :class:`JapaneseHolidays`;
* the annual closure, 29 December - 3 January by default - :class:`ClosureRule`;
* effective-dated weekly opening hours per channel, as data - :class:`OpeningHours`,
  :func:`load_opening_hours`, :data:`DEFAULT_OPENING_HOURS` (phone Mon-Fri 10:00-17:00 until
  2025-03-31, Mon-Sat 10:00-17:00 from 2025-04-01; e-mail received around the clock);
* business days as data, per channel and effective-dated: :class:`BusinessDayRule` (weekdays,
  business hours whose end is the cut-off, holidays and closure), :class:`OneOffDay` (a date
  closed or opened, a shortened day), :class:`Pause` and :class:`ChannelPause` (times deadlines
  do not run), loaded by :func:`load_business_calendar`; :data:`DEFAULT_BUSINESS_CALENDAR` has
  the office only (Monday-Friday 08:30-17:15), which every channel without rules follows;
* :class:`ServiceCalendar`: business days, whether a channel is open, its next opening, reply
  deadlines in business days, and moving a deadline by a pause or an extension;
* hours as people read them in Japanese (``月〜土 10:00〜17:00（祝日・年末年始を除く）``) -
  :func:`describe_hours_ja`;
* fiscal years (April-March) and era labels (``"令和7年度"``, ``"令和7年4月1日"``).

Business-day rule (full text in :mod:`tsunagu_calendar.service`): by default a business day is
Monday-Friday, not a national holiday, not in the closure - Saturday is not a business day
even though the phone line opens then; a channel's own rules (e-mail replies, say) may read it
otherwise. For ``add_business_days(received_at, n, channel)``, a receipt on a business day
before its cut-off (17:15 Tokyo by default) makes that day day 0; a receipt after the cut-off
or on a non-business day makes the next business day day 0. The deadline is the cut-off of the
n-th business day after day 0; a business day whose cut-off falls in a pause does not count.
All datetimes must be timezone-aware; results are in Asia/Tokyo.
"""

from ._tz import TOKYO, tokyo_date
from .business import (
    DEFAULT_BUSINESS_CALENDAR,
    OFFICE,
    BusinessCalendar,
    BusinessCalendarError,
    BusinessDayRule,
    ChannelPause,
    OneOffDay,
    Pause,
    dump_business_calendar,
    load_business_calendar,
)
from .closure import ClosureRule
from .describe import WEEKDAYS_JA, describe_hours_ja
from .fiscal import (
    ERAS,
    Era,
    era_year,
    era_year_label,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_label,
    format_date_ja,
)
from .holidays_source import HolidaySource, JapaneseHolidays
from .hours import (
    DEFAULT_OFFICE_HOURS,
    DEFAULT_OPENING_HOURS,
    EMAIL,
    PHONE,
    WEEKDAY_KEYS,
    CalendarConfigError,
    HoursConfigError,
    OfficeHours,
    OpeningHours,
    TimeInterval,
    dump_opening_hours,
    load_opening_hours,
    validate_schedule,
)
from .service import (
    DEFAULT_SEARCH_DAYS,
    NoBusinessRuleError,
    SearchLimitError,
    ServiceCalendar,
    UnknownChannelError,
)

__all__ = [
    "DEFAULT_BUSINESS_CALENDAR",
    "DEFAULT_OFFICE_HOURS",
    "DEFAULT_OPENING_HOURS",
    "DEFAULT_SEARCH_DAYS",
    "EMAIL",
    "ERAS",
    "OFFICE",
    "PHONE",
    "TOKYO",
    "WEEKDAYS_JA",
    "WEEKDAY_KEYS",
    "BusinessCalendar",
    "BusinessCalendarError",
    "BusinessDayRule",
    "CalendarConfigError",
    "ChannelPause",
    "ClosureRule",
    "Era",
    "HolidaySource",
    "HoursConfigError",
    "JapaneseHolidays",
    "NoBusinessRuleError",
    "OfficeHours",
    "OneOffDay",
    "OpeningHours",
    "Pause",
    "SearchLimitError",
    "ServiceCalendar",
    "TimeInterval",
    "UnknownChannelError",
    "describe_hours_ja",
    "dump_business_calendar",
    "dump_opening_hours",
    "era_year",
    "era_year_label",
    "fiscal_year",
    "fiscal_year_bounds",
    "fiscal_year_label",
    "format_date_ja",
    "load_business_calendar",
    "load_opening_hours",
    "tokyo_date",
    "validate_schedule",
]
