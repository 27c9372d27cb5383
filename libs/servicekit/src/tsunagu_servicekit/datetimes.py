"""Dates and times a request may carry: ISO 8601 strings only, date-times aware and kept in UTC.

Pydantic's lax mode takes a number for a date-time (``starts_from=0.5`` reads as half a second
after 1970) and a string of digits as a Unix timestamp. An API that says ``format: date-time``
must refuse those, so every date-time or date in a query, a path, a header or a body is declared
with these types::

    starts_from: Annotated[IsoDateTime | None, Query()] = None

    class BookSlot(BaseModel):
        starts_at: IsoDateTime
        day: IsoDate

``IsoDateTime`` takes ``YYYY-MM-DDTHH:MM[:SS[.fraction]]`` with ``Z`` or a ``±HH:MM`` offset (a
naive time is refused with ``timezone_aware``), and gives an aware ``datetime`` in UTC, which is
how the services store time; Asia/Tokyo is for business rules and display. ``IsoDate`` takes
``YYYY-MM-DD``. In Python code both also take ``datetime`` and ``date`` objects. Their JSON
Schema stays ``{"type": "string", "format": "date-time"}`` (or ``"date"``).

Errors name the check, never the value: ``datetime_type`` for a non-string, ``datetime_parsing``
for a string that is not ISO 8601, ``timezone_aware`` for a naive one, ``datetime_range`` for a
time that cannot be expressed in UTC; the same with ``date_`` for dates.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

__all__ = ["IsoDate", "IsoDateTime"]

_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:\d{2})?"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_datetime_string(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time string")
    if not _ISO_DATETIME.fullmatch(value):
        raise PydanticCustomError("datetime_parsing", "Input should be an ISO 8601 date-time")
    return value


def _in_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_range", "Input should be a date-time expressible in UTC"
        ) from None


def _iso_date_string(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date_type", "Input should be an ISO 8601 date string")
    if not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Input should be an ISO 8601 date (YYYY-MM-DD)")
    return value


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime_string), AfterValidator(_in_utc)]
"""An aware date-time from an ISO 8601 string (never a number), converted to UTC."""

IsoDate = Annotated[date, BeforeValidator(_iso_date_string)]
"""A calendar date from an ISO 8601 ``YYYY-MM-DD`` string (never a number)."""
