"""Key-encryption keys in the database: one per calendar month (UTC), wrapped by a master key.

Core statements on a connection (an ORM session's connection inside a request, an engine's in the
rotation job). Nothing here unwraps: :mod:`.vault` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import SQLModel
from tsunagu_servicekit.db import insert_unless_present

from . import tables  # noqa: F401  (declares the tables read below)

_KEKS = SQLModel.metadata.tables["intake_vault_kek"]
_KEYS = SQLModel.metadata.tables["intake_person_key"]


@dataclass(frozen=True, slots=True)
class StoredKek:
    id: str
    master_key_id: str
    wrapped_kek: bytes | None
    """``None`` once destroyed."""
    period_start: datetime
    period_end: datetime
    destroyed_at: datetime | None


def _row(r: sa.Row[tuple[object, ...]]) -> StoredKek:
    wrapped = r.wrapped_kek
    return StoredKek(
        id=r.id,
        master_key_id=r.master_key_id,
        wrapped_kek=bytes(wrapped) if wrapped is not None else None,
        period_start=r.period_start,
        period_end=r.period_end,
        destroyed_at=r.destroyed_at,
    )


def get_kek(conn: sa.Connection, kek_id: str) -> StoredKek | None:
    row = conn.execute(sa.select(_KEKS).where(_KEKS.c.id == kek_id)).first()
    return _row(row) if row is not None else None


def insert_kek_if_absent(conn: sa.Connection, kek: StoredKek, *, now: datetime) -> None:
    """Store ``kek`` unless the month has one already (replicas starting a month together agree on
    the first one written: ``INSERT … ON CONFLICT DO NOTHING`` on both databases)."""
    insert_unless_present(
        conn,
        _KEKS,
        {
            "id": kek.id,
            "master_key_id": kek.master_key_id,
            "wrapped_kek": kek.wrapped_kek,
            "period_start": kek.period_start,
            "period_end": kek.period_end,
            "created_at": now,
        },
        key=("id",),
    )


def live_keks(conn: sa.Connection) -> list[StoredKek]:
    """Every KEK not destroyed, oldest month first."""
    rows = conn.execute(
        sa.select(_KEKS).where(_KEKS.c.wrapped_kek.is_not(None)).order_by(_KEKS.c.period_start)
    ).all()
    return [_row(r) for r in rows]


def replace_wrapped_kek(conn: sa.Connection, old: StoredKek, *, master_key_id: str, wrapped: bytes) -> bool:
    """Re-wrap ``old`` under another master key if the row still holds it (compare-and-set)."""
    k = _KEKS
    swapped = conn.execute(
        sa.update(k)
        .where(k.c.id == old.id, k.c.master_key_id == old.master_key_id, k.c.wrapped_kek == old.wrapped_kek)
        .values(master_key_id=master_key_id, wrapped_kek=wrapped)
    )
    return swapped.rowcount == 1


def keys_using(conn: sa.Connection, kek_ids: Sequence[str]) -> dict[str, int]:
    """How many data keys each of ``kek_ids`` wraps (absent: none)."""
    if not kek_ids:
        return {}
    rows = conn.execute(
        sa.select(_KEYS.c.kek_id, sa.func.count()).where(_KEYS.c.kek_id.in_(kek_ids)).group_by(_KEYS.c.kek_id)
    ).all()
    return {r[0]: int(r[1]) for r in rows}


def destroy_if_unused(conn: sa.Connection, kek_id: str, *, now: datetime) -> bool:
    """Delete the wrapped KEK if no data key uses it, in one statement (so a key row written
    meanwhile keeps it): whether it was destroyed. The row stays, with ``destroyed_at``."""
    k = _KEKS
    unused = ~sa.exists().where(_KEYS.c.kek_id == kek_id)
    destroyed = conn.execute(
        sa.update(k)
        .where(k.c.id == kek_id, k.c.wrapped_kek.is_not(None), unused)
        .values(wrapped_kek=None, destroyed_at=now)
    )
    return destroyed.rowcount == 1
