"""Cases, their flags and their timeline in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import SQLModel, col, select
from tsunagu_contracts import new_event_id
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import CaseFlag, CaseStatus, RiskLevel, TimelineKind
from ..domain.flags import FlagState
from .tables import Case, CaseFlagRow, Person, TimelineEntry
from .vault import PersonCipher

_TIMELINE = SQLModel.metadata.tables["intake_timeline"]


def find_case(uow: UnitOfWork, case_id: str) -> Case | None:
    return uow.session.get(Case, case_id)


def add_case(uow: UnitOfWork, case: Case) -> None:
    uow.session.add(case)


def open_case_of(uow: UnitOfWork, person_id: str) -> Case | None:
    """The person's most recently opened case that is still open."""
    return uow.session.exec(
        select(Case)
        .where(Case.person_id == person_id, Case.status == CaseStatus.OPEN.value)
        .order_by(col(Case.opened_at).desc())
    ).first()


def cases_of_person(uow: UnitOfWork, person_id: str) -> list[Case]:
    """Every case of the person, oldest first."""
    return list(
        uow.session.exec(select(Case).where(Case.person_id == person_id).order_by(col(Case.opened_at)))
    )


def search_cases(
    uow: UnitOfWork,
    *,
    user_number: str | None,
    nickname_digests: list[str] | None,
    municipality_code: str | None,
    status: CaseStatus | None,
    risk_level: RiskLevel | None,
    limit: int,
    only_case_ids: set[str] | None = None,
    opened: tuple[datetime | None, datetime | None] = (None, None),
    updated: tuple[datetime | None, datetime | None] = (None, None),
    worked_on_by: str | None = None,
) -> list[Case]:
    """Cases matching every criterion given (among ``only_case_ids`` when given), the most recently
    updated first. ``opened`` and ``updated`` are half-open ranges ``[start, end)`` (either end
    open); ``worked_on_by``: cases whose timeline holds an entry by that author."""
    stmt = select(Case)
    for column, (start, end) in ((Case.opened_at, opened), (Case.updated_at, updated)):
        if start is not None:
            stmt = stmt.where(col(column) >= start)
        if end is not None:
            stmt = stmt.where(col(column) < end)
    if worked_on_by is not None:
        authored = select(TimelineEntry.case_id).where(TimelineEntry.author == worked_on_by)
        stmt = stmt.where(col(Case.id).in_(authored))
    if only_case_ids is not None:
        stmt = stmt.where(col(Case.id).in_(sorted(only_case_ids)))
    if user_number is not None or nickname_digests is not None:
        stmt = stmt.join(Person, col(Person.id) == col(Case.person_id))
        if user_number is not None:
            stmt = stmt.where(Person.user_number == user_number)
        if nickname_digests is not None:
            stmt = stmt.where(col(Person.nickname_digest).in_(nickname_digests))
    if municipality_code is not None:
        stmt = stmt.where(Case.municipality_code == municipality_code)
    if status is not None:
        stmt = stmt.where(Case.status == status.value)
    if risk_level is not None:
        stmt = stmt.where(Case.risk_level == risk_level.value)
    return list(uow.session.exec(stmt.order_by(col(Case.updated_at).desc()).limit(limit)))


# -- the timeline ------------------------------------------------------------------------------


def add_timeline_entry(
    uow: UnitOfWork,
    case: Case,
    *,
    kind: TimelineKind,
    author: str,
    at: datetime,
    codes: dict[str, Any] | None = None,
    note: str | None = None,
    cipher: PersonCipher | None = None,
) -> str:
    """Append an entry to the case's timeline (``note`` sealed with the person's cipher); its id."""
    # Time-ordered: entries made in one instant keep their order.
    entry_id = new_event_id()
    if note is not None and cipher is None:
        raise ValueError("a note needs the person's cipher")
    uow.append(
        _TIMELINE,
        {
            "id": entry_id,
            "case_id": case.id,
            "person_id": case.person_id,
            "at": at,
            "kind": kind.value,
            "author": author,
            "codes": codes or {},
            "note_ct": cipher.seal("timeline_note", entry_id, note) if cipher is not None else None,
        },
    )
    return entry_id


def timeline_of(uow: UnitOfWork, case_id: str) -> list[TimelineEntry]:
    """The case's timeline entries in the order they were made."""
    return list(
        uow.session.exec(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case_id)
            .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
        )
    )


# -- flags -------------------------------------------------------------------------------------


def flag_rows(uow: UnitOfWork, case_id: str) -> list[CaseFlagRow]:
    """Every setting of a flag on the case, the oldest first (cleared and expired ones too)."""
    return list(
        uow.session.exec(
            select(CaseFlagRow).where(CaseFlagRow.case_id == case_id).order_by(col(CaseFlagRow.set_at))
        )
    )


def flag_states(uow: UnitOfWork, case_id: str) -> list[FlagState]:
    return [
        FlagState(CaseFlag(r.flag), r.set_at, r.expires_at, r.cleared_at) for r in flag_rows(uow, case_id)
    ]


def set_flag(
    uow: UnitOfWork,
    case_id: str,
    flag: CaseFlag,
    *,
    row_id: str,
    now: datetime,
    by: str,
    expires_at: datetime | None = None,
) -> None:
    """Set ``flag`` (again): earlier settings of it are cleared, the new one holds."""
    clear_flag(uow, case_id, flag, now=now)
    uow.session.add(
        CaseFlagRow(id=row_id, case_id=case_id, flag=flag.value, set_at=now, expires_at=expires_at, set_by=by)
    )


def clear_flag(uow: UnitOfWork, case_id: str, flag: CaseFlag, *, now: datetime) -> None:
    rows = uow.session.exec(
        select(CaseFlagRow).where(
            CaseFlagRow.case_id == case_id,
            CaseFlagRow.flag == flag.value,
            col(CaseFlagRow.cleared_at).is_(None),
        )
    ).all()
    for row in rows:
        row.cleared_at = now
