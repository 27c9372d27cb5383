"""Closures and erasures recorded for the escalations and home-visit requests they overtake.

``handlers.closure`` and ``handlers.erasure`` record their ending (under the lock of
``adapters.locks``, in the transaction of their effects); the escalation and home-visit-request
handlers, under the same lock, read back what applies to the case and person they bring and let
go of it at once (``domain.endings``).
"""

from __future__ import annotations

from sqlmodel import Session

from ..adapters.tables import ClosedCase, ErasedPerson
from ..domain.endings import Ending, closure, erasure


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
