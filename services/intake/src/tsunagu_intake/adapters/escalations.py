"""Escalations to the expert team in the database."""

from __future__ import annotations

from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import EscalationStatus
from .tables import Escalation


def find_escalation(uow: UnitOfWork, escalation_id: str) -> Escalation | None:
    return uow.session.get(Escalation, escalation_id)


def add_escalation(uow: UnitOfWork, escalation: Escalation) -> None:
    uow.session.add(escalation)


def escalations(uow: UnitOfWork, *, status: EscalationStatus | None = None) -> list[Escalation]:
    """Escalations (of one status, if given), the oldest first."""
    stmt = select(Escalation)
    if status is not None:
        stmt = stmt.where(Escalation.status == status.value)
    return list(uow.session.exec(stmt.order_by(col(Escalation.escalated_at))))


def escalations_of_case(uow: UnitOfWork, case_id: str) -> list[Escalation]:
    """The case's escalations, the oldest first."""
    return list(
        uow.session.exec(
            select(Escalation).where(Escalation.case_id == case_id).order_by(col(Escalation.escalated_at))
        )
    )


def pending_escalations(uow: UnitOfWork, case_id: str) -> list[Escalation]:
    """The case's escalations still waiting for the expert team."""
    return list(
        uow.session.exec(
            select(Escalation).where(
                Escalation.case_id == case_id, Escalation.status == EscalationStatus.PENDING.value
            )
        )
    )


def has_pending_escalation(uow: UnitOfWork, case_id: str) -> bool:
    return (
        uow.session.exec(
            select(Escalation.id).where(
                Escalation.case_id == case_id, Escalation.status == EscalationStatus.PENDING.value
            )
        ).first()
        is not None
    )
