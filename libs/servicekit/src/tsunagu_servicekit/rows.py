"""Contended writes: hold a row for the rest of the transaction, and insert a row unless a unique
constraint says another transaction got there first.

A service that hands out a scarce thing (a seat, a slot) decides from what it read, so what it read
must still hold when it writes. Two tools, used together by scheduling's and training's sessions:

* :func:`hold_row` makes the transactions that change one thing (a session's seats and waitlist)
  take turns. It is a no-op update: a row lock on PostgreSQL, held to the end of the transaction;
  SQLite transactions here take the database's write lock when they begin (:mod:`.db`), so they
  take turns anyway.
* :func:`insert_unless_taken` inserts where a unique constraint decides (``UNIQUE (session,
  seat_no)``): ``False`` when another transaction holds the key. The transaction cannot be used
  after that until it is rolled back; the caller reads again in a new round
  (``tsunagu_seating.settle``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, QueryableAttribute
from sqlmodel import Session

__all__ = ["Column", "hold_row", "insert_unless_taken"]


Column = QueryableAttribute[Any] | Mapped[Any]
"""A mapped class's attribute: ``Row.id``, or ``col(Row.id)`` for a SQLModel table."""


def _attribute(column: Column) -> QueryableAttribute[Any]:
    if not isinstance(column, QueryableAttribute):
        raise TypeError("a row is held by attributes of its mapped class (Row.id)")
    return column


def hold_row(session: Session, key: Column, value: Any, *, touch: Column) -> None:
    """Hold the row whose ``key`` column is ``value`` until the transaction ends, by setting its
    ``touch`` column to itself (choose a column no foreign key refers to: updating a referenced key
    would take a stronger lock than needed)."""
    key_attr, touch_attr = _attribute(key), _attribute(touch)
    session.execute(
        sa.update(key_attr.class_)
        .where(key_attr == value)
        .values({touch_attr.key: touch_attr})
        .execution_options(synchronize_session=False)
    )


def insert_unless_taken(session: Session, row: Any) -> bool:
    """Insert ``row`` now; ``False`` when a unique constraint refused it (the transaction must then
    be rolled back before it is used again)."""
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        return False
    return True
