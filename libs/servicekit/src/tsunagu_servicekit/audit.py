"""Who read what, and what changed: the access log and the change history, one implementation for
every service that keeps personal data or decides about public money (ADR 0012, "Reads are
logged, and the history cannot be rewritten").

**The access log** (``tsunagu_access_log``) has one row per read of a record: who read it
(``subject``), when, which record, whose record it is (``person_id``, when it is a person's) and
for what purpose (a code). :func:`log_read` writes it with the unit of work (``uow.append``), so a
read whose use case fails is not logged as made; a service's read endpoints therefore take a
writing unit of work. :func:`reads_of_person` and :func:`reads_of_record` read it back.

**The change history** (``tsunagu_change_history``) is append-only: one row per change, in named
chains (``"subsidy.applications"``). Each row carries the hash of the chain's previous row and its
own hash over that and its content (:func:`change_hash`), so editing, deleting or moving a row
breaks the chain where it happened; :func:`verify_chain` finds the first break. The newest row of
each chain is also recorded in ``tsunagu_change_history_head``, so rows cut off the end of a chain
show as well. A row's ``data`` holds ids, codes and integers only, **never personal data**: the
history is kept for good and cannot be erased, as a person's data must be on request.

**Privileges.** The chain makes a rewrite visible; the database role makes it impossible for the
service. In production the role a service runs as has only SELECT and INSERT on
``tsunagu_change_history`` (and USAGE on its ``seq`` sequence), with no UPDATE, DELETE or
TRUNCATE; it needs SELECT, INSERT and UPDATE on ``tsunagu_change_history_head``, and SELECT and
INSERT on ``tsunagu_access_log`` (with USAGE on its ``id`` sequence). The owner of a table keeps
every privilege on it, so these grants only bind when the role that migrates (and owns the
tables) is not the role the service runs as (``docs/deploy.md``, *The audit tables and their
privileges*). Someone who holds the owning role can still rewrite a chain and its head together:
the chain detects partial edits and the work of a role without UPDATE, not a rewrite of
everything by the owner.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeAlias

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .db import UTCDateTime, insert_unless_present
from .messaging.tables import metadata
from .unit_of_work import UnitOfWork

__all__ = [
    "GENESIS_HASH",
    "AccessLogEntry",
    "ChainBreak",
    "ChainCheck",
    "ChangeData",
    "ChangeEntry",
    "ChangeValue",
    "access_log",
    "change_hash",
    "change_history",
    "change_history_head",
    "history_of",
    "log_read",
    "reads_of_person",
    "reads_of_record",
    "record_change",
    "verify_chain",
]

_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# The kit's tables share the messaging tables' MetaData: one place lists everything the kit's
# Alembic branch makes. The schema is created by servicekit_0006_audit; these must match it.
access_log = sa.Table(
    "tsunagu_access_log",
    metadata,
    sa.Column("id", _SERIAL, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("record_type", sa.String(64), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("person_id", sa.String(36), nullable=True),
    sa.Column("purpose", sa.String(64), nullable=False),
    sa.Index("ix_tsunagu_access_log_person_id", "person_id"),
    sa.Index("ix_tsunagu_access_log_record", "record_type", "record_id"),
)

change_history = sa.Table(
    "tsunagu_change_history",
    metadata,
    sa.Column("seq", _SERIAL, primary_key=True, autoincrement=True),
    sa.Column("chain", sa.String(100), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("record_type", sa.String(64), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("data", sa.JSON(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_tsunagu_change_history_chain_seq", "chain", "seq"),
    sa.Index("ix_tsunagu_change_history_record", "record_type", "record_id"),
)

# One row per chain: its newest entry. Appends to a chain take this row FOR UPDATE, which
# serialises them (see record_change), and verify_chain compares the chain's end with it.
change_history_head = sa.Table(
    "tsunagu_change_history_head",
    metadata,
    sa.Column("chain", sa.String(100), primary_key=True),
    sa.Column("seq", sa.BigInteger(), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return at.astimezone(UTC)


# -- the access log --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccessLogEntry:
    """One logged read."""

    id: int
    at: datetime
    subject: str
    """Who read: the principal's subject (a staff member, or the person reading their own data)."""
    record_type: str
    record_id: str
    person_id: str | None
    """Whose record it is, when it is a person's."""
    purpose: str
    """Why it was read, a code of the reading service (intake's ``Purpose``: ``case_work``, …)."""


def log_read(
    uow: UnitOfWork,
    *,
    subject: str,
    at: datetime,
    record_type: str,
    record_id: str,
    purpose: str | StrEnum,
    person_id: str | None = None,
) -> None:
    """Log one read; written with the unit of work, so a read whose use case fails is not logged as
    made. ``purpose`` is a code; an enum member is stored as its value."""
    uow.append(
        access_log,
        {
            "at": _aware(at),
            "subject": subject,
            "record_type": record_type,
            "record_id": record_id,
            "person_id": person_id,
            "purpose": purpose.value if isinstance(purpose, StrEnum) else purpose,
        },
    )


def _reads(uow: UnitOfWork, *where: sa.ColumnElement[bool]) -> list[AccessLogEntry]:
    query = sa.select(access_log).where(*where).order_by(access_log.c.at, access_log.c.id)
    return [AccessLogEntry(**row) for row in uow.session.execute(query).mappings()]


def reads_of_person(uow: UnitOfWork, person_id: str) -> list[AccessLogEntry]:
    """The logged reads of one person's records, oldest first (reads not yet flushed excluded)."""
    return _reads(uow, access_log.c.person_id == person_id)


def reads_of_record(uow: UnitOfWork, record_type: str, record_id: str) -> list[AccessLogEntry]:
    """The logged reads of one record, oldest first (reads not yet flushed excluded)."""
    return _reads(uow, access_log.c.record_type == record_type, access_log.c.record_id == record_id)


# -- the change history ----------------------------------------------------------------------------

ChangeValue: TypeAlias = "str | int | bool | Sequence[ChangeValue] | Mapping[str, ChangeValue] | None"
"""What a change's data may hold: ids, codes, integers (yen), flags, and lists and objects of them.
No floats (money is integer yen, and a float has no single canonical form to hash)."""

ChangeData: TypeAlias = Mapping[str, ChangeValue]

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of a chain's first row."""


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """One row of the change history."""

    seq: int
    """Unique across every chain, and increasing along each chain; a chain's rows are not
    consecutive numbers (other chains take numbers in between)."""
    chain: str
    at: datetime
    actor: str
    record_type: str
    record_id: str
    action: str
    data: ChangeData
    prev_hash: str
    hash: str


def _plain_object(value: Mapping[Any, object]) -> dict[str, ChangeValue]:
    if not all(isinstance(k, str) for k in value):
        raise TypeError("change data keys must be strings")
    return {k: _plain(v) for k, v in value.items()}


def _plain(value: object) -> ChangeValue:
    """``value`` as plain JSON data, or a TypeError naming only the offending type (never a value:
    it may be the personal data that must not be there)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Mapping):
        return _plain_object(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    raise TypeError(f"change data holds ids, codes and integers only, not {type(value).__name__}")


def _canonical(content: Mapping[str, object]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def change_hash(entry: ChangeEntry) -> str:
    """What ``entry.hash`` must be: hex SHA-256 of the UTF-8 bytes of ``entry.prev_hash`` followed by
    the canonical JSON of the row's content (``entry.hash`` itself is not read).

    The content is the object ``{"action", "actor", "at", "chain", "data", "record_id",
    "record_type", "seq"}`` with ``at`` in UTC as ISO 8601 with microseconds
    (``2025-05-01T01:00:00.000000+00:00``); canonical JSON sorts keys at every level, has no
    whitespace and writes non-ASCII characters as they are. Anyone holding an export of the rows
    can recompute it.
    """
    content = {
        "seq": entry.seq,
        "chain": entry.chain,
        "at": _aware(entry.at).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "action": entry.action,
        "data": entry.data,
    }
    return hashlib.sha256((entry.prev_hash + _canonical(content)).encode()).hexdigest()


def _locked_head(session: Session, chain: str) -> str:
    """The hash of the chain's newest row, its head row locked until the transaction ends; made on the
    chain's first append.

    Why a head row taken FOR UPDATE rather than a transaction-scoped advisory lock: the row also
    records where the chain ends, so verify_chain sees rows deleted from its end, which links alone
    cannot show; the lock is an ordinary row lock, released with the writer's transaction (also
    behind PgBouncer in transaction mode) and keyed by the chain's name rather than by a hash of it
    that two chains could share; and on SQLite the same statements run unchanged (FOR UPDATE is
    not rendered there: every write transaction is BEGIN IMMEDIATE and holds the database's write
    lock, db.py). Two writers creating a new chain at once meet on the head's primary key: the
    second waits for the first to commit, then finds its row.
    """
    query = (
        sa.select(change_history_head.c.hash).where(change_history_head.c.chain == chain).with_for_update()
    )
    head = session.execute(query).scalar_one_or_none()
    if head is None:
        insert_unless_present(
            session.connection(),
            change_history_head,
            {"chain": chain, "seq": 0, "hash": GENESIS_HASH},
            key=("chain",),
        )
        head = session.execute(query).scalar_one()
    return str(head)


def _next_seq(session: Session) -> int:
    if session.get_bind().dialect.name == "postgresql":
        # Drawn before the insert because the row's hash covers it (and the service's role may
        # not UPDATE the row to set its hash afterwards). Drawn under the chain's lock, so seqs
        # increase along each chain.
        stmt = sa.text("SELECT nextval(pg_get_serial_sequence('tsunagu_change_history', 'seq'))")
        return int(session.execute(stmt).scalar_one())
    # SQLite: the transaction holds the database's write lock, so no other writer can take it.
    return int(
        session.execute(sa.select(sa.func.coalesce(sa.func.max(change_history.c.seq), 0) + 1)).scalar_one()
    )


def record_change(
    uow: UnitOfWork,
    *,
    chain: str,
    actor: str,
    record_type: str,
    record_id: str,
    action: str | StrEnum,
    data: ChangeData,
    at: datetime,
) -> ChangeEntry:
    """Append a change to ``chain`` in the unit of work's transaction, and return the row.

    The row is written at once (not buffered like :meth:`UnitOfWork.append`): a later change in the
    same unit of work, and :func:`history_of`, see it. The chain's head stays locked until the
    transaction ends, so concurrent writers to one chain take turns and never fork it; writers to
    different chains do not wait for each other. Keep such transactions short.

    ``actor`` is the principal's subject. ``data`` holds ids, codes and integers only (amounts in
    yen, counts, flags) and **never personal data**: the history cannot be erased. A float or any
    other type is refused with a TypeError.
    """
    uow.require_writable()
    if not isinstance(data, Mapping):
        raise TypeError("change data is an object of named values")
    plain = _plain_object(data)
    code = action.value if isinstance(action, StrEnum) else action
    at = _aware(at)
    session = uow.session
    prev_hash = _locked_head(session, chain)
    seq = _next_seq(session)
    unhashed = ChangeEntry(
        seq=seq,
        chain=chain,
        at=at,
        actor=actor,
        record_type=record_type,
        record_id=record_id,
        action=code,
        data=plain,
        prev_hash=prev_hash,
        hash="",
    )
    entry = replace(unhashed, hash=change_hash(unhashed))
    session.execute(sa.insert(change_history).values(**asdict(entry)))
    session.execute(
        sa.update(change_history_head)
        .where(change_history_head.c.chain == chain)
        .values(seq=seq, hash=entry.hash)
    )
    return entry


def history_of(uow: UnitOfWork, record_type: str, record_id: str) -> list[ChangeEntry]:
    """The changes of one record, oldest first (across chains, should it appear in several)."""
    query = (
        sa.select(change_history)
        .where(change_history.c.record_type == record_type, change_history.c.record_id == record_id)
        .order_by(change_history.c.seq)
    )
    return [ChangeEntry(**row) for row in uow.session.execute(query).mappings()]


class ChainBreak(StrEnum):
    """Why a chain does not verify, at the row :attr:`ChainCheck.first_broken_seq`."""

    EDITED = "edited"
    """The row's content no longer gives its hash: it was changed after it was written."""
    UNLINKED = "unlinked"
    """The row does not follow the row before it: a row before it was deleted, or rows were
    reordered or inserted."""
    UNRECORDED = "unrecorded"
    """The row is past the chain's recorded end: it was added without going through
    :func:`record_change` (or the head was set back)."""
    TRUNCATED = "truncated"
    """The chain ends before its recorded end: its newest rows were deleted. The seq is that of
    the recorded newest row."""


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What :func:`verify_chain` found."""

    rows_checked: int
    """Rows read, the broken one included; where the chain is whole, all of its rows."""
    first_broken_seq: int | None
    reason: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def _data_of(text: str | None) -> ChangeData | None:
    try:
        data = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


_ENTRY_FIELDS = tuple(f.name for f in fields(ChangeEntry) if f.name != "data")


def _first_break(rows: Iterable[sa.Row[Any]]) -> ChainCheck:
    checked, prev_seq, prev_hash = 0, 0, GENESIS_HASH
    head_seq, head_hash = 0, GENESIS_HASH
    for row in rows:
        if row.head_seq is not None:
            head_seq, head_hash = row.head_seq, row.head_hash
        if row.seq is None:  # the chain has no rows
            break
        checked += 1
        if row.seq > head_seq:
            return ChainCheck(checked, row.seq, ChainBreak.UNRECORDED)
        if row.prev_hash != prev_hash:
            return ChainCheck(checked, row.seq, ChainBreak.UNLINKED)
        data = _data_of(row.data)
        entry = ChangeEntry(**{f: row._mapping[f] for f in _ENTRY_FIELDS}, data=data or {})
        if data is None or entry.hash != change_hash(entry):
            return ChainCheck(checked, row.seq, ChainBreak.EDITED)
        prev_seq, prev_hash = row.seq, row.hash
    if (prev_seq, prev_hash) != (head_seq, head_hash):
        return ChainCheck(checked, head_seq, ChainBreak.TRUNCATED)
    return ChainCheck(checked, None, None)


def verify_chain(uow: UnitOfWork, chain: str) -> ChainCheck:
    """Recompute ``chain`` from its first row and report the first break, if any.

    An edited row breaks at itself (:attr:`ChainBreak.EDITED`); a deleted row at the chain's next
    row, which no longer follows the row before it (:attr:`ChainBreak.UNLINKED`), and a deleted
    newest row at the recorded end (:attr:`ChainBreak.TRUNCATED`); two rows swapped at the earlier
    of the two places. Reads the chain in batches.
    """
    # One statement reads the head beside every row, so both come from one snapshot: on
    # PostgreSQL (READ COMMITTED) a head read by a statement of its own could be older or newer
    # than the rows read by the next, and an append committed in between would show as a break.
    key = sa.select(sa.literal(chain, sa.String()).label("chain")).subquery()
    head, rows = change_history_head, change_history
    columns = [c for c in rows.c if c.name != "data"]
    query = (
        sa.select(
            head.c.seq.label("head_seq"),
            head.c.hash.label("head_hash"),
            *columns,
            # The data as its stored text, parsed here: a row edited into something that is not
            # a JSON object is a break to report, not an error that stops the check.
            sa.cast(rows.c.data, sa.Text).label("data"),
        )
        .select_from(
            key.outerjoin(head, head.c.chain == key.c.chain).outerjoin(rows, rows.c.chain == key.c.chain)
        )
        .order_by(rows.c.seq)
        .execution_options(yield_per=1000)
    )
    return _first_break(uow.session.execute(query))
