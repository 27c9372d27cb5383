"""Home-visit requests in the database."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import HomeVisitStatus
from .tables import HomeVisitRequest

LIST_LIMIT = 500

_COUNTED = (
    HomeVisitStatus.REQUESTED,
    HomeVisitStatus.ACCEPTED,
    HomeVisitStatus.SCHEDULED,
    HomeVisitStatus.COMPLETED,
)
"""Requests whose visits count against the yearly allowance (a cancelled one gives them back)."""


def find_request(uow: UnitOfWork, request_id: str) -> HomeVisitRequest | None:
    return uow.session.get(HomeVisitRequest, request_id)


def add_request(uow: UnitOfWork, request: HomeVisitRequest) -> None:
    uow.session.add(request)


def requests(uow: UnitOfWork, *, municipality_code: str | None) -> list[HomeVisitRequest]:
    """Requests (of one municipality, if given), the newest first, at most :data:`LIST_LIMIT`."""
    stmt = select(HomeVisitRequest)
    if municipality_code is not None:
        stmt = stmt.where(HomeVisitRequest.municipality_code == municipality_code)
    return list(uow.session.exec(stmt.order_by(col(HomeVisitRequest.requested_at).desc()).limit(LIST_LIMIT)))


def visits_granted(uow: UnitOfWork, person_id: str, fiscal_year: int) -> int:
    """Visits requested for the person in the fiscal year and not cancelled."""
    total = uow.session.exec(
        select(func.coalesce(func.sum(HomeVisitRequest.visits_requested), 0)).where(
            HomeVisitRequest.person_id == person_id,
            HomeVisitRequest.fiscal_year == fiscal_year,
            col(HomeVisitRequest.status).in_([s.value for s in _COUNTED]),
        )
    ).one()
    return int(total)


def known_to_municipality(uow: UnitOfWork, person_id: str, municipality_code: str) -> bool:
    """Whether the municipality may name this person: it referred them before (one of its own
    requests). A case filed under the municipality is not enough (the person may have phoned the
    Tokyo line directly); a case a disclosure grants the municipality is checked by the caller."""
    request = uow.session.exec(
        select(HomeVisitRequest.id).where(
            HomeVisitRequest.person_id == person_id, HomeVisitRequest.municipality_code == municipality_code
        )
    ).first()
    return request is not None
