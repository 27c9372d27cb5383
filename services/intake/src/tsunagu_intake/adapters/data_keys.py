"""Wrapped data keys in the database, as ``rewrap-keys`` reads and replaces them.

Core statements on a connection (no ORM): a re-wrap touches thousands of rows in batches, each batch
its own transaction, and beside the running service.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import SQLModel

from . import tables  # noqa: F401  (declares the tables read below)

_KEYS = SQLModel.metadata.tables["intake_person_key"]
_PERSONS = SQLModel.metadata.tables["intake_person"]


@dataclass(frozen=True, slots=True)
class WrappedKey:
    person_id: str
    key_id: str
    wrapped_key: bytes
    kek_id: str | None = None
    """The KEK wrapping it; ``None`` for a key wrapped by the master key ``key_id`` itself."""


@dataclass(frozen=True, slots=True)
class SealedIdentity:
    """What a re-wrap needs of a person: whether they were erased, and their sealed nickname and
    phone (the digests of which are keyed by the master key, so they are recomputed)."""

    person_id: str
    erased: bool
    nickname_ct: bytes | None
    phone_ct: bytes | None


def _migrated(conn: sa.Connection) -> bool:
    return sa.inspect(conn).has_table(_KEYS.name)


def stored_key_ids(engine: sa.Engine) -> set[str]:
    """The master key ids data keys are stored under (none before migrations)."""
    with engine.connect() as conn:
        if not _migrated(conn):
            return set()
        return set(conn.execute(sa.select(_KEYS.c.key_id).distinct()).scalars())


def count_by_key_id(engine: sa.Engine) -> dict[str, int]:
    """How many data keys are stored under each master key id (none before migrations)."""
    with engine.connect() as conn:
        if not _migrated(conn):
            return {}
        rows = conn.execute(
            sa.select(_KEYS.c.key_id, sa.func.count()).group_by(_KEYS.c.key_id).order_by(_KEYS.c.key_id)
        ).all()
    return {key_id: int(count) for key_id, count in rows}


def sample_key(engine: sa.Engine, key_id: str) -> WrappedKey | None:
    """One data key wrapped by master key ``key_id`` itself (from before KEKs), if any."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(_KEYS.c.person_id, _KEYS.c.wrapped_key)
            .where(_KEYS.c.key_id == key_id, _KEYS.c.kek_id.is_(None))
            .limit(1)
        ).first()
    return WrappedKey(row.person_id, key_id, bytes(row.wrapped_key)) if row is not None else None


def count_not_under(engine: sa.Engine, key_id: str, kek_id: str) -> int:
    """How many data keys are not wrapped by KEK ``kek_id`` under master key ``key_id``."""
    with engine.connect() as conn:
        if not _migrated(conn):
            return 0
        return int(conn.execute(sa.select(sa.func.count()).where(_not_under(key_id, kek_id))).scalar_one())


def _not_under(key_id: str, kek_id: str) -> sa.ColumnElement[bool]:
    k = _KEYS
    return sa.or_(k.c.key_id != key_id, k.c.kek_id.is_(None), k.c.kek_id != kek_id)


def keys_not_under(
    conn: sa.Connection, key_id: str, kek_id: str, *, after: str, limit: int
) -> list[WrappedKey]:
    """Up to ``limit`` data keys not wrapped by KEK ``kek_id`` under master key ``key_id``, by
    person id after ``after``."""
    k = _KEYS
    rows = conn.execute(
        sa.select(k.c.person_id, k.c.key_id, k.c.wrapped_key, k.c.kek_id)
        .where(_not_under(key_id, kek_id), k.c.person_id > after)
        .order_by(k.c.person_id)
        .limit(limit)
    ).all()
    return [WrappedKey(r.person_id, r.key_id, bytes(r.wrapped_key), r.kek_id) for r in rows]


def lock_persons(conn: sa.Connection, person_ids: Sequence[str]) -> dict[str, SealedIdentity]:
    """The persons, locked for the transaction (in id order, as erasure locks them before their key)."""
    p = _PERSONS
    rows = conn.execute(
        sa.select(p.c.id, p.c.erased_at, p.c.nickname_ct, p.c.phone_ct)
        .where(p.c.id.in_(person_ids))
        .order_by(p.c.id)
        .with_for_update()
    )
    return {r.id: SealedIdentity(r.id, r.erased_at is not None, r.nickname_ct, r.phone_ct) for r in rows}


def replace_wrapped_key(
    conn: sa.Connection, old: WrappedKey, *, key_id: str, kek_id: str, wrapped_key: bytes
) -> bool:
    """Replace ``old`` if the row still holds it (compare-and-set): whether it did."""
    k = _KEYS
    swapped = conn.execute(
        sa.update(k)
        .where(
            k.c.person_id == old.person_id,
            k.c.key_id == old.key_id,
            k.c.kek_id.is_(None) if old.kek_id is None else k.c.kek_id == old.kek_id,
            k.c.wrapped_key == old.wrapped_key,
        )
        .values(key_id=key_id, kek_id=kek_id, wrapped_key=wrapped_key)
    )
    return swapped.rowcount == 1


def set_digests(conn: sa.Connection, person_id: str, *, nickname: str | None, phone: str | None) -> None:
    conn.execute(
        sa.update(_PERSONS)
        .where(_PERSONS.c.id == person_id)
        .values(nickname_digest=nickname, phone_digest=phone)
    )
