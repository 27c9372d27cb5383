"""Shared steps on cases: finding, opening, linking, timeline entries, flags."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select
from tsunagu_contracts import new_event_id
from tsunagu_contracts.events.intake import CaseOpened

from ..adapters.tables import Case, CaseFlagRow, Escalation, TimelineEntry
from ..adapters.vault import PersonCipher
from ..domain.codes import CaseFlag, CaseStatus, Channel, EscalationStatus, RiskLevel, TimelineKind
from ..domain.flags import FlagState, active_flags
from .context import new_id
from .errors import NotFound, RuleViolation
from .events import EventStager

CASE_OF_ANOTHER_PERSON = "case_of_another_person"


def get_case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("No such case.")
    return case


def open_case_of(session: Session, person_id: str) -> Case | None:
    return session.exec(
        select(Case)
        .where(Case.person_id == person_id, Case.status == CaseStatus.OPEN.value)
        .order_by(col(Case.opened_at).desc())
    ).first()


def open_case(
    session: Session,
    events: EventStager,
    *,
    person_id: str,
    channel: Channel,
    municipality_code: str | None,
    now: datetime,
) -> Case:
    case = Case(
        id=new_id(),
        person_id=person_id,
        status=CaseStatus.OPEN.value,
        risk_level=RiskLevel.LOW.value,
        municipality_code=municipality_code,
        opened_channel=channel.value,
        opened_at=now,
        updated_at=now,
    )
    session.add(case)
    events.emit(
        CaseOpened(
            case_id=case.id,
            person_id=person_id,
            opened_at=now,
            channel=channel,
            risk_level=RiskLevel.LOW,
            municipality_code=municipality_code,
        ),
        subject=case.id,
        time=now,
    )
    return case


def case_for_consultation(
    session: Session,
    events: EventStager,
    *,
    person_id: str,
    case_id: str | None,
    channel: Channel,
    municipality_code: str | None,
    now: datetime,
) -> tuple[Case, bool]:
    """The case a new consultation joins: the one named, the person's open one, or a new one."""
    if case_id is not None:
        case = get_case(session, case_id)
        if case.person_id != person_id:
            raise RuleViolation("The case belongs to another person.", rule=CASE_OF_ANOTHER_PERSON)
        if case.status != CaseStatus.OPEN.value:
            raise RuleViolation("The case is closed.", rule="case_closed")
        return case, False
    existing = open_case_of(session, person_id)
    if existing is not None:
        if existing.municipality_code is None and municipality_code is not None:
            existing.municipality_code = municipality_code
            session.add(existing)
        return existing, False
    return (
        open_case(
            session,
            events,
            person_id=person_id,
            channel=channel,
            municipality_code=municipality_code,
            now=now,
        ),
        True,
    )


def add_timeline(
    session: Session,
    case: Case,
    *,
    kind: TimelineKind,
    author: str,
    at: datetime,
    codes: dict[str, Any] | None = None,
    note: str | None = None,
    cipher: PersonCipher | None = None,
) -> TimelineEntry:
    entry = TimelineEntry(
        id=new_event_id(),  # time-ordered: entries made in one instant keep their order
        case_id=case.id,
        person_id=case.person_id,
        at=at,
        kind=kind.value,
        author=author,
        codes=codes or {},
    )
    if note is not None:
        if cipher is None:
            raise ValueError("a note needs the person's cipher")
        entry.note_ct = cipher.seal("timeline_note", entry.id, note)
    session.add(entry)
    return entry


def flag_states(session: Session, case_id: str) -> list[FlagState]:
    rows = session.exec(select(CaseFlagRow).where(CaseFlagRow.case_id == case_id)).all()
    return [FlagState(CaseFlag(r.flag), r.set_at, r.expires_at, r.cleared_at) for r in rows]


def current_flags(session: Session, case_id: str, now: datetime) -> list[CaseFlag]:
    return active_flags(flag_states(session, case_id), now)


def set_flag(
    session: Session,
    case_id: str,
    flag: CaseFlag,
    *,
    now: datetime,
    by: str,
    expires_at: datetime | None = None,
) -> None:
    """Set ``flag`` (again): earlier settings of it are cleared, the new one holds."""
    clear_flag(session, case_id, flag, now=now)
    session.add(
        CaseFlagRow(
            id=new_id(), case_id=case_id, flag=flag.value, set_at=now, expires_at=expires_at, set_by=by
        )
    )


def clear_flag(session: Session, case_id: str, flag: CaseFlag, *, now: datetime) -> None:
    rows = session.exec(
        select(CaseFlagRow).where(
            CaseFlagRow.case_id == case_id,
            CaseFlagRow.flag == flag.value,
            col(CaseFlagRow.cleared_at).is_(None),
        )
    ).all()
    for row in rows:
        row.cleared_at = now
        session.add(row)


def has_pending_escalation(session: Session, case_id: str) -> bool:
    return (
        session.exec(
            select(Escalation.id).where(
                Escalation.case_id == case_id, Escalation.status == EscalationStatus.PENDING.value
            )
        ).first()
        is not None
    )
