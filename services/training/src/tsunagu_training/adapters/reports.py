"""The queries behind training's reports: completions and enrolments of a fiscal year with their
learners' organisations (ids and codes; the organisation's name only for agencies, which have no id)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import CompletionRow, EnrolmentRow, LearnerRow


@dataclass(frozen=True, slots=True)
class CompletionLine:
    code: str
    kind: str
    audience: str
    learner_id: str
    municipality_code: str | None
    partner_id: str | None
    organisation_name: str | None


def completions_of_year(uow: UnitOfWork, fiscal_year: int) -> list[CompletionLine]:
    rows = uow.session.exec(
        select(CompletionRow, LearnerRow)
        .join(LearnerRow, col(LearnerRow.id) == col(CompletionRow.learner_id))
        .where(CompletionRow.fiscal_year == fiscal_year)
        .order_by(col(CompletionRow.completed_at))
    ).all()
    return [
        CompletionLine(
            c.code,
            c.kind,
            c.audience,
            c.learner_id,
            lr.municipality_code,
            lr.partner_id,
            lr.organisation_name,
        )
        for c, lr in rows
    ]


@dataclass(frozen=True, slots=True)
class EnrolmentLine:
    code: str
    status: str
    learner_id: str
    municipality_code: str | None


def enrolments_of_year(uow: UnitOfWork, fiscal_year: int, audience: str) -> list[EnrolmentLine]:
    rows = uow.session.exec(
        select(EnrolmentRow, LearnerRow)
        .join(LearnerRow, col(LearnerRow.id) == col(EnrolmentRow.learner_id))
        .where(EnrolmentRow.fiscal_year == fiscal_year, LearnerRow.audience == audience)
    ).all()
    return [EnrolmentLine(e.code, e.status, e.learner_id, lr.municipality_code) for e, lr in rows]
