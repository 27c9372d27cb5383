"""Closed cases and erased persons, recorded for the escalations and home-visit requests they
overtake (see ``handlers.closure``, ``handlers.erasure`` and ``domain.endings``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ..domain.endings import Ending, closure, erasure
from .tables import ClosedCase, ErasedPerson


def record_closure(session: Session, case_id: str, closed_at: datetime, reason: str, now: datetime) -> None:
    """Record the case's closure, unless it is recorded already (the first one stands)."""
    if session.get(ClosedCase, case_id) is None:
        session.add(ClosedCase(case_id=case_id, closed_at=closed_at, reason=reason, recorded_at=now))
        session.flush()


def record_erasure(session: Session, person_id: str, erased_at: datetime) -> None:
    """Record the person's erasure (the id and the time only), unless it is recorded already."""
    if session.get(ErasedPerson, person_id) is None:
        session.add(ErasedPerson(person_id=person_id, erased_at=erased_at))
        session.flush()


def recorded(session: Session, case_id: str, person_id: str) -> list[Ending]:
    """The closure of the case and the erasure of the person recorded so far (none, one or both)."""
    found = []
    closed = session.get(ClosedCase, case_id)
    if closed is not None:
        found.append(closure(closed.closed_at))
    erased = session.get(ErasedPerson, person_id)
    if erased is not None:
        found.append(erasure(erased.erased_at))
    return found
