"""Slot claims: the rows that make double booking impossible (see :mod:`..domain.slots`).

:func:`claim` inserts one row per slot and resource in the caller's transaction; a slot someone
already holds makes the insert fail (on PostgreSQL the second insert waits for the first
transaction and fails when it commits), and :func:`claim` says so. The caller then rolls back and
asks :func:`clashing_kind` which resource clashed, to name the rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from ..domain.slots import Span, slot_keys
from .tables import SlotClaim

PERSON = "person"
STAFF = "staff"
ROOM = "room"

Claimant = tuple[str, str]
"""``(resource_kind, resource_id)``: ``person``/``staff``/``room`` and the id."""


def claim(
    session: Session, holder_kind: str, holder_id: str, claimants: Sequence[Claimant], span: Span
) -> bool:
    """Hold every slot of ``span`` for each claimant; False when one is taken (the transaction is
    then unusable until rolled back)."""
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
    if not rows:
        return True
    try:
        session.execute(sa.insert(SlotClaim), rows)
    except IntegrityError:
        return False
    return True


def release(session: Session, holder_id: str) -> None:
    """Free every slot ``holder_id`` holds."""
    session.execute(
        sa.delete(SlotClaim)
        .where(col(SlotClaim.holder_id) == holder_id)
        .execution_options(synchronize_session=False)
    )


def clashing_kind(
    session: Session, claimants: Sequence[Claimant], span: Span, *, ignore_holder: str | None = None
) -> str | None:
    """The kind (``person``, ``staff``, ``room``) of the first claimant whose slots are held."""
    keys = slot_keys(span)
    for kind, rid in claimants:
        query = sa.select(col(SlotClaim.holder_id)).where(
            col(SlotClaim.resource_kind) == kind,
            col(SlotClaim.resource_id) == rid,
            col(SlotClaim.slot_minute).in_(keys),
        )
        if ignore_holder is not None:
            query = query.where(col(SlotClaim.holder_id) != ignore_holder)
        if session.execute(query.limit(1)).first() is not None:
            return kind
    return None
