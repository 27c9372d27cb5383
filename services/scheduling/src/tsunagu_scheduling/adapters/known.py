"""The cases (and their persons) scheduling learnt from intake's events (``domain.known``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select
from tsunagu_servicekit.db import insert_unless_present

from ..domain.known import WhatIsKnown
from .tables import ClosedCase, ErasedPerson, KnownCase


def learn(session: Session, case_id: str, person_id: str, now: datetime) -> None:
    """Record that intake announced the case and its person, unless it is recorded already (the
    first event that named it stands). One statement, so consumers of two event types naming the
    same new case at the same moment cannot fail each other."""
    table = KnownCase.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes
    values = {"case_id": case_id, "person_id": person_id, "recorded_at": now}
    insert_unless_present(session.connection(), table, values, key=("case_id",))


def case_closed(session: Session, case_id: str) -> bool:
    """Whether intake announced the closure of the case."""
    return session.get(ClosedCase, case_id) is not None


def person_erased(session: Session, person_id: str) -> bool:
    """Whether intake announced the person's erasure."""
    return session.get(ErasedPerson, person_id) is not None


def what_is_known(session: Session, person_id: str, case_id: str | None) -> WhatIsKnown:
    """What scheduling has learnt of a person, and of a case, a booking names."""
    known_case = session.get(KnownCase, case_id) if case_id is not None else None
    if known_case is not None and known_case.person_id == person_id:
        person_known = True
    else:
        first_case = select(KnownCase.case_id).where(col(KnownCase.person_id) == person_id).limit(1)
        person_known = session.exec(first_case).first() is not None
    return WhatIsKnown(
        person_erased=person_erased(session, person_id),
        person_known=person_known,
        case_person=known_case.person_id if known_case is not None else None,
        case_closed=case_id is not None and case_closed(session, case_id),
    )
