"""The queries behind the budget report and the accounting exports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import ApplicationRow, PaymentRow


def applications_of_year(uow: UnitOfWork, fiscal_year: int) -> Sequence[ApplicationRow]:
    return uow.session.exec(
        select(ApplicationRow)
        .where(ApplicationRow.fiscal_year == fiscal_year)
        .order_by(col(ApplicationRow.municipality_code), col(ApplicationRow.applied_at))
    ).all()


@dataclass(frozen=True, slots=True)
class PaymentLine:
    application_id: str
    municipality_code: str
    kind: str
    amount: int
    paid_on: date


def payments_of_year(uow: UnitOfWork, fiscal_year: int) -> list[PaymentLine]:
    rows = uow.session.exec(
        select(PaymentRow, ApplicationRow.municipality_code)
        .join(ApplicationRow, col(ApplicationRow.id) == col(PaymentRow.application_id))
        .where(ApplicationRow.fiscal_year == fiscal_year)
        .order_by(col(PaymentRow.paid_on), col(PaymentRow.recorded_at))
    ).all()
    return [PaymentLine(p.application_id, code, p.kind, p.amount, p.paid_on) for p, code in rows]
