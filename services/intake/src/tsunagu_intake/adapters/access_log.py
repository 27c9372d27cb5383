"""The access log: one row per read of personal data (who, when, which record, why)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel, col, select
from tsunagu_contracts.events.intake import DisclosurePurpose
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import Purpose
from .tables import AccessLogEntry

_ACCESS_LOG = SQLModel.metadata.tables["intake_access_log"]


def log_read(
    uow: UnitOfWork,
    *,
    subject: str,
    at: datetime,
    record_type: str,
    record_id: str,
    person_id: str | None,
    purpose: Purpose | DisclosurePurpose,
) -> None:
    """Log one read; written with the unit of work, so a read that fails is not logged as made.
    A recipient's read of a disclosure is logged with the disclosure's purpose."""
    uow.append(
        _ACCESS_LOG,
        {
            "at": at,
            "subject": subject,
            "record_type": record_type,
            "record_id": record_id,
            "person_id": person_id,
            "purpose": purpose.value,
        },
    )


def reads_of_person(uow: UnitOfWork, person_id: str) -> list[AccessLogEntry]:
    """The reads of one person's records, oldest first."""
    return list(
        uow.session.exec(
            select(AccessLogEntry)
            .where(AccessLogEntry.person_id == person_id)
            .order_by(col(AccessLogEntry.id))
        )
    )
