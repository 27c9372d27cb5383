"""The staff directory: who a token's ``sub`` is, and where their mail goes."""

from __future__ import annotations

from sqlmodel import Session, col, select

from .filters import MAX_ROWS
from .tables import StaffMember


def get(session: Session, subject: str) -> StaffMember | None:
    return session.get(StaffMember, subject)


def save(session: Session, member: StaffMember) -> None:
    session.add(member)


def listing(session: Session, *, active: bool | None) -> list[StaffMember]:
    """Entries by display name, then subject (only active or inactive ones when given)."""
    query = select(StaffMember).order_by(col(StaffMember.display_name), col(StaffMember.subject))
    if active is not None:
        query = query.where(col(StaffMember.active) == active)
    return list(session.exec(query.limit(MAX_ROWS)).all())


def active_address(session: Session, subject: str) -> str | None:
    """The work address of an active entry; None for an inactive or missing one."""
    member = session.get(StaffMember, subject)
    if member is None or not member.active:
        return None
    return member.email
