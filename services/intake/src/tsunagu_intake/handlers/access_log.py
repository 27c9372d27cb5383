"""Every read of personal data is logged (who, when, which record, for what purpose); supervisors
read the log of a person."""

from __future__ import annotations

from tsunagu_servicekit.audit import log_read, reads_of_person
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal

from ..adapters.persons import find_person
from ..domain.codes import Purpose
from ..domain.rules import PERSON_NOT_FOUND
from .context import IntakeContext
from .views import AccessRecord


def access_log_of(ctx: IntakeContext, actor: Principal, person_id: str) -> list[AccessRecord]:
    """The reads of one person's records, oldest first; reading them is itself logged (audit)."""
    with ctx.uow() as uow:
        if find_person(uow, person_id) is None:
            refuse(PERSON_NOT_FOUND)
        records = [
            AccessRecord(
                at=r.at,
                subject=r.subject,
                record_type=r.record_type,
                record_id=r.record_id,
                purpose=r.purpose,
            )
            for r in reads_of_person(uow, person_id)
        ]
        log_read(
            uow,
            subject=actor.subject,
            at=ctx.now(),
            record_type="access_log",
            record_id=person_id,
            person_id=person_id,
            purpose=Purpose.AUDIT,
        )
        uow.commit()
    return records
