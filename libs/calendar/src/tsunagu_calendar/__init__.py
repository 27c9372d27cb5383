"""Japanese public-service calendar for Tokyo's hikikomori support programme.

Pure computation, no I/O:

* national holidays from the ``holidays`` package (振替休日 and 国民の休日 included, names in
  Japanese) - :class:`JapaneseHolidays`;
* the annual closure, 29 December - 3 January by default - :class:`ClosureRule`;
* effective-dated weekly opening hours per channel, as data - :class:`OpeningHours`,
  :func:`load_opening_hours`, :data:`DEFAULT_OPENING_HOURS` (phone Mon-Fri 10:00-17:00 until
  2025-03-31, Mon-Sat 10:00-17:00 from 2025-04-01; e-mail received around the clock);
* :class:`ServiceCalendar`: business days, whether a channel is open, its next opening, and
  reply deadlines in business days;
* hours as people read them in Japanese (``月〜土 10:00〜17:00（祝日・年末年始を除く）``) -
  :func:`describe_hours_ja`;
* fiscal years (April-March) and era labels (``"令和7年度"``, ``"令和7年4月1日"``).

Business-day rule (full text in :mod:`tsunagu_calendar.service`): a business day is
Monday-Friday, not a national holiday, not in the closure - Saturday is not a business day
even though the phone line opens then. For ``add_business_days(received_at, n)``, a receipt
on a business day before the end of office hours (08:30-17:15 Tokyo by default) makes that
day day 0; a receipt after hours or on a non-business day makes the next business day day 0.
The deadline is 17:15 Tokyo on the n-th business day after day 0. All datetimes must be
timezone-aware; results are in Asia/Tokyo.
"""

from ._tz import TOKYO, tokyo_date
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
    HoursConfigError,
    OfficeHours,
    OpeningHours,
    TimeInterval,
    dump_opening_hours,
    load_opening_hours,
    validate_schedule,
)
from .service import DEFAULT_SEARCH_DAYS, SearchLimitError, ServiceCalendar, UnknownChannelError

__all__ = [
    "DEFAULT_OFFICE_HOURS",
    "DEFAULT_OPENING_HOURS",
    "DEFAULT_SEARCH_DAYS",
    "EMAIL",
    "ERAS",
    "PHONE",
    "TOKYO",
    "WEEKDAYS_JA",
    "WEEKDAY_KEYS",
    "ClosureRule",
    "Era",
    "HolidaySource",
    "HoursConfigError",
    "JapaneseHolidays",
    "OfficeHours",
    "OpeningHours",
    "SearchLimitError",
    "ServiceCalendar",
    "TimeInterval",
    "UnknownChannelError",
    "describe_hours_ja",
    "dump_opening_hours",
    "era_year",
    "era_year_label",
    "fiscal_year",
    "fiscal_year_bounds",
    "fiscal_year_label",
    "format_date_ja",
    "load_opening_hours",
    "tokyo_date",
    "validate_schedule",
]
