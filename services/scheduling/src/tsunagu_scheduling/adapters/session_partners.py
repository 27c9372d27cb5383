"""Partner organisations' agreement changes and their participations in joint sessions: the only
place that knows how scheduling stores them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from ..domain.partners import Change, PartnerChange
from .filters import MAX_ROWS
from .tables import PartnerChangeRow, SessionPartner


def record_change(session: Session, row: PartnerChangeRow) -> bool:
    """Add the change unless it is recorded already (the same event under another message id)."""
    if session.get(PartnerChangeRow, (row.partner_id, row.changed_at, row.change)) is not None:
        return False
    session.add(row)
    session.flush()
    return True


def changes(session: Session, partner_id: str) -> list[Change]:
    """Every change recorded for the partner."""
    rows = session.exec(select(PartnerChangeRow).where(col(PartnerChangeRow.partner_id) == partner_id)).all()
    return [_change(r) for r in rows]


def all_changes(session: Session) -> dict[str, list[Change]]:
    """Every partner's changes, by partner."""
    out: dict[str, list[Change]] = {}
    for row in session.exec(select(PartnerChangeRow)).all():
        out.setdefault(row.partner_id, []).append(_change(row))
    return out


def _change(row: PartnerChangeRow) -> Change:
    return Change(PartnerChange(row.change), row.changed_at, row.effective_on, row.ends_on)


def find(session: Session, participation_id: str) -> SessionPartner | None:
    return session.get(SessionPartner, participation_id)


def add(session: Session, row: SessionPartner) -> None:
    session.add(row)
    session.flush()


def save(session: Session, row: SessionPartner) -> None:
    session.add(row)
    session.flush()


def of_partner_after(session: Session, partner_id: str, after: datetime) -> list[SessionPartner]:
    """The partner's participations in sessions starting after ``after``, the soonest first (the
    order an agreement's ending removes the partner from them, and announces it, in)."""
    return list(
        session.exec(
            select(SessionPartner)
            .where(col(SessionPartner.partner_id) == partner_id, col(SessionPartner.starts_at) > after)
            .order_by(
                col(SessionPartner.starts_at),
                col(SessionPartner.registered_at),
                col(SessionPartner.participation_id),
            )
        ).all()
    )


def of_sessions(session: Session, session_ids: Sequence[str]) -> list[SessionPartner]:
    """The participations in these sessions, in the order they were registered."""
    if not session_ids:
        return []
    return list(
        session.exec(
            select(SessionPartner)
            .where(col(SessionPartner.session_id).in_(session_ids))
            .order_by(col(SessionPartner.registered_at), col(SessionPartner.participation_id))
        ).all()
    )


def listing(session: Session, *, session_id: str | None, partner_id: str | None) -> list[SessionPartner]:
    """Participations by session start, then registration; bounded like every list."""
    query = select(SessionPartner).order_by(
        col(SessionPartner.starts_at), col(SessionPartner.registered_at), col(SessionPartner.participation_id)
    )
    if session_id is not None:
        query = query.where(col(SessionPartner.session_id) == session_id)
    if partner_id is not None:
        query = query.where(col(SessionPartner.partner_id) == partner_id)
    return list(session.exec(query.limit(MAX_ROWS)).all())
