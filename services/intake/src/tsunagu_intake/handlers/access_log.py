"""Every read of personal data is logged: who, when, which record, for what purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select
from tsunagu_servicekit.http import Principal

from ..adapters.tables import AccessLogEntry
from ..domain.codes import Purpose
from .context import IntakeContext
from .errors import NotFound


def record_read(
    session: Session,
    *,
    subject: str,
    at: datetime,
    record_type: str,
    record_id: str,
    person_id: str | None,
    purpose: Purpose,
) -> None:
    session.add(
        AccessLogEntry(
            at=at,
            subject=subject,
            record_type=record_type,
            record_id=record_id,
            person_id=person_id,
            purpose=purpose.value,
        )
    )


@dataclass(frozen=True, slots=True)
class AccessRecord:
    at: datetime
    subject: str
    record_type: str
    record_id: str
    purpose: str


def reads_of_person(ctx: IntakeContext, actor: Principal, person_id: str) -> list[AccessRecord]:
    """The access log of one person's records, oldest first (itself logged as an audit read)."""
    from ..adapters.tables import Person

    with ctx.uow() as uow:
        if uow.session.get(Person, person_id) is None:
            raise NotFound("No such person.")
        rows = uow.session.exec(
            select(AccessLogEntry).where(AccessLogEntry.person_id == person_id).order_by(AccessLogEntry.id)  # type: ignore[arg-type]
        ).all()
        result = [AccessRecord(r.at, r.subject, r.record_type, r.record_id, r.purpose) for r in rows]
        record_read(
            uow.session,
            subject=actor.subject,
            at=ctx.now(),
            record_type="access_log",
            record_id=person_id,
            person_id=person_id,
            purpose=Purpose.AUDIT,
        )
        uow.commit()
    return result
