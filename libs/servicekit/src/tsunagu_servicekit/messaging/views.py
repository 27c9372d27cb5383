"""A service's views: the tables its consumers alone write, which a replay of the streams rebuilds.

Each service names them in ``consumers.VIEWS`` (read by :meth:`ServiceRuntime.of_package`). A
table that commands over HTTP also change (a visit scheduled by staff, say) is not a view: no
stream the service consumes holds what those commands did, so no replay can rebuild it.

``incidental`` columns are those a replay does not reproduce by design, and a comparison leaves
out: a surrogate key the handler generated, or a stamp of when the service learned something
(which a replay sets to the event's time, while live it was the moment the consumer got to it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True, slots=True)
class View:
    """A table rebuilt from events, and its columns a replay does not reproduce."""

    table: str
    incidental: tuple[str, ...] = ()


def view_rows(engine: sa.Engine, view: View) -> list[tuple[Any, ...]]:
    """The view's rows without its incidental columns, sorted, comparable across databases
    (times in UTC, whatever the dialect gave back)."""
    table = sa.Table(view.table, sa.MetaData(), autoload_with=engine)
    unknown = set(view.incidental) - set(table.c.keys())
    if unknown:
        raise ValueError(f"{view.table} has no column {', '.join(sorted(unknown))}")
    columns = [c for c in table.c if c.name not in view.incidental]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*columns)).all()
    return sorted((tuple(_comparable(v) for v in row) for row in rows), key=repr)


def view_counts(engine: sa.Engine, views: Sequence[View]) -> dict[str, int]:
    """Rows per view."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for view in views:
            table = sa.table(view.table)
            counts[view.table] = int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    return counts


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite gives back naive UTC, PostgreSQL aware: the same instant either way.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value
