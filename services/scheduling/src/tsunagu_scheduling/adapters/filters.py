"""Narrowing the queries behind the API's lists (each adapter's ``listing``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlmodel.sql.expression import SelectOfScalar

Query = TypeVar("Query", bound=SelectOfScalar[Any])

MAX_ROWS = 500
"""The most rows a list answers with."""


def where_equal(query: Query, *conditions: tuple[Any, str | int | None]) -> Query:
    """Narrow ``query`` to rows whose column equals each given value; an absent value narrows nothing."""
    for column, value in conditions:
        if value:
            query = query.where(column == value)
    return query


def starting_between(
    query: Query, column: Any, starts_from: datetime | None, starts_before: datetime | None
) -> Query:
    """Narrow ``query`` to rows starting in ``[starts_from, starts_before)`` (either end open)."""
    if starts_from:
        query = query.where(column >= starts_from)
    if starts_before:
        query = query.where(column < starts_before)
    return query
