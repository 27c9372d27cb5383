"""Queries and writes of applications, payments, exceptions and implementation dates: the only place
that knows how they are stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.applications import OPEN, STANDING, WITH_DECISION
from .tables import ApplicationRow, ImplementationRow, PaymentRow, YearExceptionRow


def find_application(uow: UnitOfWork, application_id: str) -> ApplicationRow | None:
    return uow.session.get(ApplicationRow, application_id)


def lock_application(uow: UnitOfWork, application_id: str) -> ApplicationRow | None:
    """The application, locked until the transaction ends (PostgreSQL; SQLite serialises writers)."""
    return uow.session.exec(
        select(ApplicationRow).where(ApplicationRow.id == application_id).with_for_update()
    ).first()


def add_application(uow: UnitOfWork, row: ApplicationRow) -> None:
    uow.session.add(row)


def list_applications(
    uow: UnitOfWork, *, municipality_code: str | None, fiscal_year: int | None, status: str | None, limit: int
) -> Sequence[ApplicationRow]:
    """Applications, newest first, filtered by what is given."""
    query = select(ApplicationRow)
    if municipality_code is not None:
        query = query.where(ApplicationRow.municipality_code == municipality_code)
    if fiscal_year is not None:
        query = query.where(ApplicationRow.fiscal_year == fiscal_year)
    if status is not None:
        query = query.where(ApplicationRow.status == status)
    return uow.session.exec(query.order_by(col(ApplicationRow.applied_at).desc()).limit(limit)).all()


def open_application_exists(uow: UnitOfWork, municipality_code: str, fiscal_year: int) -> bool:
    """Whether the municipality holds the fiscal year with an application not refused or withdrawn."""
    found = uow.session.exec(
        select(ApplicationRow.id).where(
            ApplicationRow.municipality_code == municipality_code,
            ApplicationRow.fiscal_year == fiscal_year,
            col(ApplicationRow.status).in_([s.value for s in OPEN]),
        )
    ).first()
    return found is not None


def standing_years(uow: UnitOfWork, municipality_code: str) -> list[int]:
    """The fiscal years in which a grant decision of the municipality stands, ascending."""
    years = uow.session.exec(
        select(ApplicationRow.fiscal_year)
        .where(
            ApplicationRow.municipality_code == municipality_code,
            col(ApplicationRow.status).in_([s.value for s in STANDING]),
        )
        .distinct()
    ).all()
    return sorted(years)


def find_implementation(uow: UnitOfWork, municipality_code: str) -> ImplementationRow | None:
    return uow.session.get(ImplementationRow, municipality_code)


def add_implementation(uow: UnitOfWork, row: ImplementationRow) -> None:
    uow.session.add(row)


def list_implementations(uow: UnitOfWork) -> Sequence[ImplementationRow]:
    return uow.session.exec(
        select(ImplementationRow).order_by(col(ImplementationRow.municipality_code))
    ).all()


def find_exception(uow: UnitOfWork, municipality_code: str, fiscal_year: int) -> YearExceptionRow | None:
    return uow.session.get(YearExceptionRow, (municipality_code, fiscal_year))


def add_exception(uow: UnitOfWork, row: YearExceptionRow) -> None:
    uow.session.add(row)


def add_payment(uow: UnitOfWork, row: PaymentRow) -> None:
    uow.session.add(row)


def payments_of(uow: UnitOfWork, application_id: str) -> Sequence[PaymentRow]:
    return uow.session.exec(
        select(PaymentRow)
        .where(PaymentRow.application_id == application_id)
        .order_by(col(PaymentRow.recorded_at))
    ).all()


_BY_MUNICIPALITY = (
    col(ApplicationRow.municipality_code),
    col(ApplicationRow.fiscal_year),
    col(ApplicationRow.applied_at),
    col(ApplicationRow.id),
)
"""Applications falling due on the same day are reminded of in the order of their municipalities'
codes (the order Tokyo lists them in), then by year and application: the same order on every scan
and on every database, where the due date alone leaves ties to the database."""


def reports_due(uow: UnitOfWork, *, until: date, limit: int) -> Sequence[ApplicationRow]:
    """Decided applications whose report falls due by ``until`` and that were not reminded yet."""
    return uow.session.exec(
        select(ApplicationRow)
        .where(
            col(ApplicationRow.status).in_([s.value for s in WITH_DECISION]),
            col(ApplicationRow.report_due).is_not(None),
            col(ApplicationRow.report_due) <= until,
            col(ApplicationRow.report_reminded_at).is_(None),
        )
        .order_by(col(ApplicationRow.report_due), *_BY_MUNICIPALITY)
        .limit(limit)
    ).all()


def payments_due(uow: UnitOfWork, *, until: date, limit: int) -> Sequence[ApplicationRow]:
    """Confirmed applications with a balance to pay by ``until`` that were not reminded yet."""
    return uow.session.exec(
        select(ApplicationRow)
        .where(
            ApplicationRow.status == "confirmed",
            col(ApplicationRow.payment_due).is_not(None),
            col(ApplicationRow.payment_due) <= until,
            col(ApplicationRow.payment_reminded_at).is_(None),
            col(ApplicationRow.confirmed_amount) > col(ApplicationRow.paid_total),
        )
        .order_by(col(ApplicationRow.payment_due), *_BY_MUNICIPALITY)
        .limit(limit)
    ).all()


def exceptions_of(uow: UnitOfWork, municipality_code: str) -> Sequence[YearExceptionRow]:
    return uow.session.exec(
        select(YearExceptionRow)
        .where(YearExceptionRow.municipality_code == municipality_code)
        .order_by(col(YearExceptionRow.fiscal_year))
    ).all()
