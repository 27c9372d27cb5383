"""Home-visit requests in the database, and their visits as scheduling announced them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import HomeVisitStatus
from ..domain.home_visits import VisitState, visits_counted, visits_granted
from .tables import HomeVisitRequest, HomeVisitRow

LIST_LIMIT = 500


def find_request(uow: UnitOfWork, request_id: str) -> HomeVisitRequest | None:
    return uow.session.get(HomeVisitRequest, request_id)


def request_for_update(uow: UnitOfWork, request_id: str) -> HomeVisitRequest | None:
    """The request, its row locked until the transaction ends (PostgreSQL; SQLite's transactions
    take turns anyway): the consumers of each visit event take turns on a request, so each derives
    its status from the visits the others wrote."""
    return uow.session.exec(
        select(HomeVisitRequest).where(HomeVisitRequest.id == request_id).with_for_update()
    ).first()


def add_request(uow: UnitOfWork, request: HomeVisitRequest) -> None:
    uow.session.add(request)


def requests(uow: UnitOfWork, *, municipality_code: str | None) -> list[HomeVisitRequest]:
    """Requests (of one municipality, if given), the newest first, at most :data:`LIST_LIMIT`."""
    stmt = select(HomeVisitRequest)
    if municipality_code is not None:
        stmt = stmt.where(HomeVisitRequest.municipality_code == municipality_code)
    return list(uow.session.exec(stmt.order_by(col(HomeVisitRequest.requested_at).desc()).limit(LIST_LIMIT)))


def visits_granted_this_year(uow: UnitOfWork, person_id: str, fiscal_year: int) -> int:
    """Visits of the person's requests of the fiscal year that count against the allowance: those
    scheduling made of each request (all requested, unless the cap left fewer) and did not cancel.
    A request cancelled by hand before its status came from scheduling counts none."""
    requests = uow.session.exec(
        select(
            HomeVisitRequest.id, HomeVisitRequest.visits_requested, HomeVisitRequest.visits_under_cap
        ).where(
            HomeVisitRequest.person_id == person_id,
            HomeVisitRequest.fiscal_year == fiscal_year,
            HomeVisitRequest.status != HomeVisitStatus.CANCELLED.value,
        )
    ).all()
    if not requests:
        return 0
    cancelled = dict(
        uow.session.exec(
            select(HomeVisitRow.request_id, func.count())
            .where(
                col(HomeVisitRow.request_id).in_([r[0] for r in requests]),
                HomeVisitRow.state == VisitState.CANCELLED.value,
            )
            .group_by(col(HomeVisitRow.request_id))
        ).all()
    )
    return sum(
        visits_counted(visits_granted(requested, under_cap), int(cancelled.get(request_id, 0)))
        for request_id, requested, under_cap in requests
    )


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


# -- visits, as scheduling announced them ------------------------------------------------------


def find_visit(uow: UnitOfWork, visit_id: str) -> HomeVisitRow | None:
    return uow.session.get(HomeVisitRow, visit_id)


def add_visit(uow: UnitOfWork, visit: HomeVisitRow) -> None:
    uow.session.add(visit)
    uow.session.flush()


def visits_of(uow: UnitOfWork, request_ids: Sequence[str]) -> list[HomeVisitRow]:
    """The visits announced of the requests, by request and number."""
    if not request_ids:
        return []
    return list(
        uow.session.exec(
            select(HomeVisitRow)
            .where(col(HomeVisitRow.request_id).in_(list(request_ids)))
            .order_by(col(HomeVisitRow.request_id), col(HomeVisitRow.visit_number), col(HomeVisitRow.id))
        ).all()
    )
