"""Scheduling: tables named ``scheduling_…`` like every service's (``<service>_…``), and seminar
sessions named group sessions (``session`` is the database's word).

Renames the tables, their indexes and their named constraints; ``sched_session`` becomes
``scheduling_group_session``, ``scheduling_registration.session_id`` becomes
``group_session_id``, and the slot claims of group sessions are held by ``group_session``.

PostgreSQL renames in place. SQLite cannot rename an index or a constraint: its indexes are
dropped and made again under the new name, and the tables with named unique constraints are
rebuilt (Alembic's batch mode copies them).

Revision ID: scheduling_0004
Revises: scheduling_0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0004"
down_revision = "scheduling_0003"
branch_labels = None
depends_on = None

OLD, NEW = "sched_", "scheduling_"
RENAMED = {"session": "group_session"}
"""Tables whose name changes beyond the prefix (by the part after it)."""

INDEXED = {
    "appointment": ["case_id", "person_id", "room_id", "second_staff_id", "staff_id", "starts_at", "status"],
    "availability_exception": ["day", "resource_id"],
    "closed_case": [],
    "erased_person": [],
    "home_visit": ["municipality_code", "person_id", "request_id", "status"],
    "home_visit_request": ["person_id"],
    "meeting": ["fiscal_year", "kind", "meeting_date"],
    "meeting_participant": [],
    "registration": ["person_id", "session_id"],
    "reminder": ["due_at"],
    "resource": ["kind", "subject"],
    "review": ["case_id", "meeting_id", "status"],
    "session": ["kind", "starts_at"],
    "slot_claim": ["holder_id"],
    "weekly_window": ["resource_id"],
}
"""Every table (by the part after the prefix, as it was) with its single-column indexes ``ix_<table>_<column>``."""

UNIQUE = {
    "home_visit": ("home_visit_quota", ["person_id", "fiscal_year", "quota_no"]),
    "meeting": ("meeting_day", ["kind", "extra", "meeting_date"]),
    "registration": ("registration_seat", ["session_id", "seat_no"]),
    "review": ("review_position", ["meeting_id", "position"]),
}
"""The named unique constraints ``uq_<prefix><name>``, by table."""

ACTIVE_PERSON = "registration_active_person"
"""The partial unique index ``uq_<prefix>registration_active_person``: one active registration per
person and group session."""

COLUMNS = {"session_id": "group_session_id"}
"""The registration's column of its group session."""

HOLDERS = {"session": "group_session"}
"""``holder_kind`` of the slot claims a group session holds."""


def upgrade() -> None:
    _rename(forward=True)


def downgrade() -> None:
    _rename(forward=False)


def _table(key: str, *, new: bool) -> str:
    return NEW + RENAMED.get(key, key) if new else OLD + key


def _column(column: str, *, new: bool) -> str:
    return COLUMNS.get(column, column) if new else column


def _rename(*, forward: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for key in INDEXED:
        (_rename_in_place if postgres else _rebuild)(key, forward=forward)
    for old_kind, new_kind in HOLDERS.items():
        frm, to = (old_kind, new_kind) if forward else (new_kind, old_kind)
        op.execute(
            sa.text(f"UPDATE {_table('slot_claim', new=forward)} SET holder_kind = :to WHERE holder_kind = :frm")
            .bindparams(to=to, frm=frm)
        )


def _indexes(key: str, *, new: bool) -> list[tuple[str, list[str]]]:
    table = _table(key, new=new)
    return [(f"ix_{table}_{_column(c, new=new)}", [_column(c, new=new)]) for c in INDEXED[key]]


def _unique_name(key: str, *, new: bool) -> str:
    return f"uq_{NEW if new else OLD}{UNIQUE[key][0]}"


def _active_person(*, new: bool) -> str:
    return f"uq_{NEW if new else OLD}{ACTIVE_PERSON}"


def _rename_in_place(key: str, *, forward: bool) -> None:
    """PostgreSQL: rename the table, its column, its indexes and its constraints where they are."""
    source, target = _table(key, new=not forward), _table(key, new=forward)
    op.rename_table(source, target)
    if key == "registration":
        for old_column, new_column in COLUMNS.items():
            frm, to = (old_column, new_column) if forward else (new_column, old_column)
            op.alter_column(target, frm, new_column_name=to)
        op.execute(
            f"ALTER INDEX {_active_person(new=not forward)} RENAME TO {_active_person(new=forward)}"
        )
    for (old_index, _), (new_index, _) in zip(
        _indexes(key, new=not forward), _indexes(key, new=forward), strict=True
    ):
        op.execute(f"ALTER INDEX {old_index} RENAME TO {new_index}")
    constraints = [(f"{source}_pkey", f"{target}_pkey")]
    if key in UNIQUE:
        constraints.append((_unique_name(key, new=not forward), _unique_name(key, new=forward)))
    if key == "review":
        constraints.append((f"{source}_escalation_id_key", f"{target}_escalation_id_key"))
    for old_name, new_name in constraints:
        op.execute(f"ALTER TABLE {target} RENAME CONSTRAINT {old_name} TO {new_name}")


def _rebuild(key: str, *, forward: bool) -> None:
    """SQLite: indexes dropped and made again under their new names; named constraints renamed by
    copying the table."""
    source, target = _table(key, new=not forward), _table(key, new=forward)
    for name, _ in _indexes(key, new=not forward):
        op.drop_index(name, table_name=source)
    if key == "registration":
        op.drop_index(_active_person(new=not forward), table_name=source)
    op.rename_table(source, target)
    if key == "registration":
        for old_column, new_column in COLUMNS.items():
            frm, to = (old_column, new_column) if forward else (new_column, old_column)
            op.execute(f"ALTER TABLE {target} RENAME COLUMN {frm} TO {to}")
    if key in UNIQUE:
        columns = [_column(c, new=forward) for c in UNIQUE[key][1]]
        with op.batch_alter_table(target, recreate="always") as batch:
            batch.drop_constraint(_unique_name(key, new=not forward), type_="unique")
            batch.create_unique_constraint(_unique_name(key, new=forward), columns)
    for name, columns in _indexes(key, new=forward):
        op.create_index(name, target, columns, unique=False)
    if key == "registration":
        op.create_index(
            _active_person(new=forward),
            target,
            [_column("session_id", new=forward), "person_id"],
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
        )

