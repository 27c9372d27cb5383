"""Home-visit requests as intake published them, and the visits each one created."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from ..domain.codes import VisitStatus
from .filters import MAX_ROWS, where_equal
from .tables import HomeVisit, HomeVisitRequest

_OPEN = (VisitStatus.TO_SCHEDULE.value, VisitStatus.SCHEDULED.value)


def get_request(session: Session, request_id: str) -> HomeVisitRequest | None:
    return session.get(HomeVisitRequest, request_id)


def taken_places(session: Session, person_id: str, fiscal_year: int) -> set[int]:
    """The places under the cap the person's visits of the fiscal year hold."""
    places = session.exec(
        select(HomeVisit.quota_no).where(
            col(HomeVisit.person_id) == person_id,
            col(HomeVisit.fiscal_year) == fiscal_year,
            col(HomeVisit.quota_no).is_not(None),
        )
    ).all()
    return {place for place in places if place is not None}


def add_request(session: Session, request: HomeVisitRequest, visits: Sequence[HomeVisit]) -> None:
    """Record the request and its visits; written now, so the database checks the cap at once."""
    session.add(request)
    session.add_all(visits)
    session.flush()


def get(session: Session, visit_id: str) -> HomeVisit | None:
    return session.get(HomeVisit, visit_id)


def save(session: Session, visit: HomeVisit) -> None:
    session.add(visit)


def open_visits(
    session: Session,
    *,
    case_id: str | None = None,
    person_id: str | None = None,
    request_id: str | None = None,
) -> list[tuple[HomeVisit, datetime]]:
    """The visits to schedule or scheduled of a case, a person or a request (one of them), with
    when their request was made: request by request in the order they were made, each request's
    visits in the order of their numbers (what a closure or an erasure cancels, and announces, in
    that order)."""
    whose = [
        (column, value)
        for column, value in (
            (HomeVisit.case_id, case_id),
            (HomeVisit.person_id, person_id),
            (HomeVisit.request_id, request_id),
        )
        if value is not None
    ]
    if len(whose) != 1:
        raise ValueError("open visits of one case, person or request")
    ((column, value),) = whose
    return list(
        session.exec(
            select(HomeVisit, HomeVisitRequest.requested_at)
            .join(HomeVisitRequest, col(HomeVisitRequest.id) == col(HomeVisit.request_id))
            .where(col(column) == value, col(HomeVisit.status).in_(_OPEN))
            .order_by(
                col(HomeVisitRequest.requested_at),
                col(HomeVisit.request_id),
                col(HomeVisit.visit_number),
            )
        ).all()
    )


def others_under_way(session: Session, visit: HomeVisit) -> int:
    """How many other visits of the person this fiscal year took place or are scheduled."""
    return session.exec(
        select(sa.func.count())
        .select_from(HomeVisit)
        .where(
            col(HomeVisit.person_id) == visit.person_id,
            col(HomeVisit.fiscal_year) == visit.fiscal_year,
            col(HomeVisit.id) != visit.id,
            col(HomeVisit.status).in_([VisitStatus.COMPLETED.value, VisitStatus.SCHEDULED.value]),
        )
    ).one()


def listing(
    session: Session,
    *,
    status: str | None,
    municipality_code: str | None,
    person_id: str | None,
    request_id: str | None,
) -> list[HomeVisit]:
    """Visits in the order their requests arrived, each request's in the order of their numbers."""
    query = where_equal(
        select(HomeVisit).order_by(
            col(HomeVisit.created_at), col(HomeVisit.request_id), col(HomeVisit.visit_number)
        ),
        (col(HomeVisit.status), status),
        (col(HomeVisit.municipality_code), municipality_code),
        (col(HomeVisit.person_id), person_id),
        (col(HomeVisit.request_id), request_id),
    )
    return list(session.exec(query.limit(MAX_ROWS)).all())
