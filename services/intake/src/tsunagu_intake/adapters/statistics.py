"""Counting consultations for the statistics: distinct persons and consultations per cell."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.statistics import Tally
from .tables import Consultation

Cells = dict[str, list[tuple[str | None, int, int]]]
"""``cells[dimension] = [(key, persons, consultations)]``, as ``build_report`` takes them."""

_DIMENSIONS = {
    "channel": Consultation.channel,
    "consulter": Consultation.consulter,
    "municipality": Consultation.municipality_code,
    "month": Consultation.received_month,
}


def count_consultations(
    uow: UnitOfWork, fiscal_year: int, municipality_code: str | None
) -> tuple[Tally, Cells]:
    """The fiscal year's total and its cells by channel, consulter, municipality and month
    (of one municipality, if given)."""
    where: list[Any] = [Consultation.fiscal_year == fiscal_year]
    if municipality_code is not None:
        where.append(Consultation.municipality_code == municipality_code)
    persons = func.count(distinct(col(Consultation.person_id)))
    total_persons, total = uow.session.exec(select(persons, func.count()).where(*where)).one()
    cells: Cells = {}
    for name, column in _DIMENSIONS.items():
        rows = uow.session.exec(
            select(col(column), persons, func.count()).where(*where).group_by(col(column))
        )
        cells[name] = [(key, int(p), int(n)) for key, p, n in rows]
    return Tally(int(total_persons), int(total)), cells
