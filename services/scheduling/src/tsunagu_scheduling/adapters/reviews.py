"""Case reviews: escalated cases on the agendas of the expert team's meetings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..domain.codes import CancellationReason, ReviewStatus
from .filters import MAX_ROWS, where_equal
from .tables import Meeting, Review
from .updates import rows_changed


def on_agenda() -> sa.ColumnElement[bool]:
    """Reviews that take a place on their agenda: all but the withdrawn."""
    return col(Review.status) != ReviewStatus.WITHDRAWN.value


def agenda_counts() -> sa.Select[str, int]:
    """The statement of ``(meeting_id, n)``: how many cases each meeting's agenda holds (withdrawn
    ones do not count)."""
    return (
        sa.select(col(Review.meeting_id), sa.func.count().label("n"))
        .where(on_agenda())
        .group_by(col(Review.meeting_id))
    )


def get(session: Session, review_id: str) -> Review | None:
    return session.get(Review, review_id)


def next_position(session: Session, meeting_id: str) -> int:
    """The position after the last on the meeting's agenda (withdrawn ones keep theirs)."""
    last = session.exec(
        select(sa.func.max(Review.position)).where(col(Review.meeting_id) == meeting_id)
    ).one()
    return int(last or 0) + 1


def add(session: Session, review: Review) -> None:
    session.add(review)
    session.flush()


def scheduled_of(
    session: Session,
    *,
    case_id: str | None = None,
    person_id: str | None = None,
    case_ids: Sequence[str] = (),
) -> list[tuple[Review, datetime]]:
    """The reviews still scheduled of a case, or of a person and any of ``case_ids``, with when
    their meeting starts."""
    whose: list[sa.ColumnElement[bool]] = []
    if case_id is not None:
        whose.append(col(Review.case_id) == case_id)
    if person_id is not None:
        whose.append(col(Review.person_id) == person_id)
    if case_ids:
        whose.append(col(Review.case_id).in_(case_ids))
    if not whose:
        raise ValueError("reviews of a case or a person")
    return list(
        session.exec(
            select(Review, Meeting.starts_at)
            .join(Meeting, col(Meeting.id) == col(Review.meeting_id))
            .where(sa.or_(*whose), col(Review.status) == ReviewStatus.SCHEDULED.value)
        ).all()
    )


def withdraw(session: Session, review_ids: Sequence[str], reason: CancellationReason, at: datetime) -> int:
    """Take the reviews still scheduled among ``review_ids`` off their agendas, their stored trace
    context with them; a review concluded meanwhile stays. Returns how many were withdrawn."""
    if not review_ids:
        return 0
    return rows_changed(
        session.execute(
            sa.update(Review)
            .where(col(Review.id).in_(review_ids), col(Review.status) == ReviewStatus.SCHEDULED.value)
            .values(
                status=ReviewStatus.WITHDRAWN.value,
                withdrawn_reason=reason.value,
                withdrawn_at=at,
                traceparent=None,
                tracestate=None,
            )
        )
    )


def conclude(
    session: Session,
    review: Review,
    *,
    advice: list[dict[str, Any]],
    recommended_risk: str | None,
    advice_reference_id: str,
    concluded_at: datetime,
    concluded_by: str,
) -> bool:
    """Record the expert team's conclusion if the review is still scheduled (nobody concluded or
    withdrew it meanwhile), and read the review again; whether it was."""
    changed = rows_changed(
        session.execute(
            sa.update(Review)
            .where(col(Review.id) == review.id, col(Review.status) == ReviewStatus.SCHEDULED.value)
            .values(
                status=ReviewStatus.CONCLUDED.value,
                advice=advice,
                recommended_risk=recommended_risk,
                advice_reference_id=advice_reference_id,
                concluded_at=concluded_at,
                concluded_by=concluded_by,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if changed == 1:
        session.refresh(review)
    return changed == 1


def of_meeting(session: Session, meeting_id: str) -> list[Review]:
    """The meeting's agenda in order, withdrawn items included."""
    return list(
        session.exec(
            select(Review).where(col(Review.meeting_id) == meeting_id).order_by(col(Review.position))
        ).all()
    )


def listing(
    session: Session, *, case_id: str | None, status: str | None, escalation_id: str | None
) -> list[Review]:
    query = where_equal(
        select(Review).order_by(col(Review.created_at), col(Review.id)),
        (col(Review.case_id), case_id),
        (col(Review.status), status),
        (col(Review.escalation_id), escalation_id),
    )
    return list(session.exec(query.limit(MAX_ROWS)).all())
