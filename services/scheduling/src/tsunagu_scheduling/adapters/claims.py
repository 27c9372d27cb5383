"""Slot claims: the rows that make double booking impossible (see :mod:`..domain.slots`).

:func:`claim` inserts one row per slot and resource in the caller's transaction; a slot someone
already holds makes the insert fail with ``IntegrityError`` (on PostgreSQL the second insert waits
for the first transaction and fails when it commits). The caller rolls back and asks
:func:`clashing_kind` which resource clashed, to name the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..domain.slots import Span, slot_keys
from .tables import SlotClaim

PERSON = "person"
STAFF = "staff"
ROOM = "room"

Claimant = tuple[str, str]
"""``(resource_kind, resource_id)``: ``person``/``staff``/``room`` and the id."""

_claims = SlotClaim.__table__  # type: ignore[attr-defined]


def claim(
    session: Session, holder_kind: str, holder_id: str, claimants: Sequence[Claimant], span: Span
) -> None:
    """Hold every slot of ``span`` for each claimant; ``IntegrityError`` when one is taken."""
    rows = [
        {
            "resource_kind": kind,
            "resource_id": rid,
            "slot_minute": key,
            "holder_kind": holder_kind,
            "holder_id": holder_id,
        }
        for kind, rid in dict.fromkeys(claimants)
        for key in slot_keys(span)
    ]
    if rows:
        session.execute(sa.insert(_claims), rows)


def release(session: Session, holder_id: str) -> None:
    """Free every slot ``holder_id`` holds."""
    session.execute(sa.delete(_claims).where(_claims.c.holder_id == holder_id))


def clashing_kind(
    session: Session, claimants: Sequence[Claimant], span: Span, *, ignore_holder: str | None = None
) -> str | None:
    """The kind (``person``, ``staff``, ``room``) of the first claimant whose slots are held."""
    keys = slot_keys(span)
    for kind, rid in claimants:
        query = sa.select(_claims.c.holder_id).where(
            _claims.c.resource_kind == kind,
            _claims.c.resource_id == rid,
            _claims.c.slot_minute.in_(keys),
        )
        if ignore_holder is not None:
            query = query.where(_claims.c.holder_id != ignore_holder)
        if session.execute(query.limit(1)).first() is not None:
            return kind
    return None
