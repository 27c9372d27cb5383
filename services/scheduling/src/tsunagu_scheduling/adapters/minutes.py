"""Meetings' minutes (``domain.minutes``): one row per meeting, changed by statements that say
what they expect to find, so an edit and an approval made at the same moment cannot both win."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col
from tsunagu_servicekit.rows import insert_unless_taken

from ..domain.minutes import MinutesStatus
from .tables import MeetingMinutes
from .updates import rows_changed


def get(session: Session, meeting_id: str) -> MeetingMinutes | None:
    return session.get(MeetingMinutes, meeting_id)


def add(session: Session, minutes: MeetingMinutes) -> bool:
    """Insert the first minutes of a meeting; False when another transaction did first (the
    transaction must then be rolled back)."""
    return insert_unless_taken(session, minutes)


def save_draft(session: Session, meeting_id: str, text: str, *, revision: int, at: datetime, by: str) -> bool:
    """Replace the text of draft minutes still at ``revision``; False when they were approved or
    saved meanwhile."""
    changed = session.execute(
        sa.update(MeetingMinutes)
        .where(
            col(MeetingMinutes.meeting_id) == meeting_id,
            col(MeetingMinutes.status) == MinutesStatus.DRAFT.value,
            col(MeetingMinutes.revision) == revision,
        )
        .values(text=text, revision=revision + 1, updated_at=at, updated_by=by)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(changed) == 1


def approve(session: Session, meeting_id: str, *, at: datetime, by: str) -> bool:
    """Approve draft minutes; False when they were approved meanwhile."""
    changed = session.execute(
        sa.update(MeetingMinutes)
        .where(
            col(MeetingMinutes.meeting_id) == meeting_id,
            col(MeetingMinutes.status) == MinutesStatus.DRAFT.value,
        )
        .values(status=MinutesStatus.APPROVED.value, approved_at=at, approved_by=by)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(changed) == 1


def reread(session: Session, minutes: MeetingMinutes) -> None:
    session.refresh(minutes)
