"""Types for what a request carries, accepting exactly what the OpenAPI document says.

Pydantic's lax mode, which FastAPI uses for every parameter and body, reads more than the
document allows: a number as a date-time (``starts_from=0.5`` is half a second after 1970, a
string of digits a Unix time), ``true`` or ``"5"`` as an integer, ``1`` or ``"yes"`` as a
boolean. A client that relies on that relies on something the contract does not say, and the
contract test (:mod:`tsunagu_servicekit.testing.contract`) reports each case. These types close
the gap; every service declares its request fields with them::

    starts_from: Annotated[IsoDateTime | None, Query()] = None

    class BookSlot(BaseModel):
        starts_at: IsoDateTime
        day: IsoDate
        seats: JsonInt = Field(ge=1, le=20)
        online: JsonBool = False

**Date-times and dates** (query, path, header or body):

* ``IsoDateTime`` takes ``YYYY-MM-DDTHH:MM[:SS[.fraction]]`` with ``Z`` or a ``±HH:MM`` offset and
  gives an aware ``datetime`` in UTC, which is how the services store time (Asia/Tokyo is for
  business rules and display). A naive time is refused (``timezone_aware``), a number
  (``datetime_type``), any other string (``datetime_parsing``), a time that UTC cannot hold
  (``datetime_range``).
* ``IsoDate`` takes ``YYYY-MM-DD`` only (``date_type``, ``date_parsing``).

**Body scalars** (JSON only: in a query or a path every value is a string, so use ``int`` there):

* ``JsonInt``: a JSON integer, ``19.0`` included as JSON Schema says; not ``true``, not ``"19"``.
* ``JsonFloat``: a JSON number; not ``true``, not ``"1.5"``, not ``NaN`` or infinity.
* ``JsonBool``: ``true`` or ``false`` only.

In Python code they take the corresponding Python values (``datetime``, ``date``, ``int`` …).
Their JSON Schema is unchanged (``{"type": "string", "format": "date-time"}``, ``{"type":
"integer"}`` …). Errors name the check, never the value.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AllowInfNan, AwareDatetime, BeforeValidator, Strict, StringConstraints
from pydantic_core import PydanticCustomError

__all__ = ["JSON_INTEGER", "EmailAddress", "IsoDate", "IsoDateTime", "JsonBool", "JsonFloat", "JsonInt"]

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


def _json_number(error: str) -> BeforeValidator:
    def check(value: object) -> object:
        # bool is an int in Python, and JSON keeps true apart from 1.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PydanticCustomError(error, "Input should be a JSON number")
        return value

    return BeforeValidator(check)


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime_string), AfterValidator(_in_utc)]
"""An aware date-time from an ISO 8601 string (never a number), converted to UTC."""

IsoDate = Annotated[date, BeforeValidator(_iso_date_string)]
"""A calendar date from an ISO 8601 ``YYYY-MM-DD`` string (never a number)."""

JSON_INTEGER = _json_number("int_type")
"""The validator behind :data:`JsonInt`, for a constrained alias: put the constraints first, so the
JSON Schema carries them as ``minimum``/``maximum`` (after a validator pydantic can only check them,
and the schema shows ``ge``/``le``, which no client understands)::

    Yen = Annotated[int, Field(ge=0), JSON_INTEGER]
"""

JsonInt = Annotated[int, JSON_INTEGER]
"""A JSON integer in a body: ``19`` or ``19.0``, never ``true`` or ``"19"``."""

JsonFloat = Annotated[float, _json_number("float_type"), AllowInfNan(False)]
"""A JSON number in a body, never ``true``, ``"1.5"`` or ``NaN`` (which JSON has no words for)."""

JsonBool = Annotated[bool, Strict()]
"""A JSON boolean in a body: ``true`` or ``false``, never ``1`` or ``"yes"``."""


EmailAddress = Annotated[
    str, StringConstraints(max_length=254, pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
]
"""An e-mail address as a pattern the JSON Schema states, so a contract test generates only what
the service accepts (pydantic's ``EmailStr`` checks more than its schema says)."""
