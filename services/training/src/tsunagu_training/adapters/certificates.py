"""Queries and writes of certificates: by id, code, completion and learner; what the bulk download
selects; and what the expiry timer finds due, each taken by a conditional update so that a second
scanner (another replica) finds it taken."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import CertificateRow, CompletionRow, EnrolmentRow, LearnerRow

VALID, REVOKED = "valid", "revoked"

Issued = tuple[CertificateRow, CompletionRow, LearnerRow]
"""A certificate with the completion it certifies and its holder."""


def _table() -> Any:
    return CertificateRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes


def add(uow: UnitOfWork, row: CertificateRow) -> None:
    uow.session.add(row)


def find(uow: UnitOfWork, certificate_id: str) -> CertificateRow | None:
    return uow.session.get(CertificateRow, certificate_id)


def of_completion(uow: UnitOfWork, completion_id: str) -> CertificateRow | None:
    return uow.session.exec(
        select(CertificateRow).where(CertificateRow.completion_id == completion_id)
    ).first()


def code_taken(uow: UnitOfWork, code: str) -> bool:
    return uow.session.exec(select(CertificateRow.id).where(CertificateRow.code == code)).first() is not None


def _issued() -> Any:
    return (
        select(CertificateRow, CompletionRow, LearnerRow)
        .join(CompletionRow, col(CompletionRow.id) == col(CertificateRow.completion_id))
        .join(LearnerRow, col(LearnerRow.id) == col(CertificateRow.learner_id))
    )


def issued(uow: UnitOfWork, certificate_id: str) -> Issued | None:
    """A certificate with its completion and holder."""
    found = uow.session.exec(_issued().where(CertificateRow.id == certificate_id)).first()
    return None if found is None else (found[0], found[1], found[2])


def issued_by_code(uow: UnitOfWork, code: str) -> Issued | None:
    found = uow.session.exec(_issued().where(CertificateRow.code == code)).first()
    return None if found is None else (found[0], found[1], found[2])


def issued_of_learner(uow: UnitOfWork, learner_id: str) -> list[Issued]:
    rows = uow.session.exec(
        _issued()
        .where(CertificateRow.learner_id == learner_id)
        .order_by(col(CertificateRow.issued_at), col(CertificateRow.id))
    ).all()
    return [(c, p, learner) for c, p, learner in rows]


def issued_for_completions(uow: UnitOfWork, completion_ids: Collection[str]) -> list[Issued]:
    """The certificates in force (not revoked) of these completions, in order of issue."""
    if not completion_ids:
        return []
    rows = uow.session.exec(
        _issued()
        .where(col(CertificateRow.completion_id).in_(list(completion_ids)), CertificateRow.status == VALID)
        .order_by(col(CertificateRow.issued_at), col(CertificateRow.id))
    ).all()
    return [(c, p, learner) for c, p, learner in rows]


def completions_of_course(
    uow: UnitOfWork, code: str, fiscal_year: int, municipality_code: str | None, partner_id: str | None
) -> list[str]:
    """Completions of a course or programme in a fiscal year, of one organisation's learners or
    all: their ids, at most enough to tell that there are too many."""
    query = (
        select(CompletionRow.id)
        .join(LearnerRow, col(LearnerRow.id) == col(CompletionRow.learner_id))
        .where(CompletionRow.code == code, CompletionRow.fiscal_year == fiscal_year)
    )
    if municipality_code is not None:
        query = query.where(LearnerRow.municipality_code == municipality_code)
    if partner_id is not None:
        query = query.where(LearnerRow.partner_id == partner_id)
    return list(uow.session.exec(query.order_by(col(CompletionRow.completed_at))).all())


def enrolment_of(uow: UnitOfWork, completion: CompletionRow, *, lock: bool = False) -> EnrolmentRow | None:
    query = select(EnrolmentRow).where(EnrolmentRow.id == completion.enrolment_id)
    return uow.session.exec(query.with_for_update() if lock else query).first()


def take_revocation(uow: UnitOfWork, certificate_id: str, reason: str, at: datetime) -> bool:
    """Revoke the certificate unless it is revoked already (by another request first)."""
    table = _table()
    result = uow.session.execute(
        sa.update(table)
        .where(table.c.id == certificate_id, table.c.status == VALID)
        .values(status=REVOKED, reason=reason, revoked_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's result has a rowcount


def notice_candidates(uow: UnitOfWork, today: date, window_end: date, limit: int) -> list[Issued]:
    """Certificates in force, not yet given notice, whose last valid day is from today to before
    ``window_end``."""
    rows = uow.session.exec(
        _issued()
        .where(
            CertificateRow.status == VALID,
            col(CertificateRow.expiring_noticed_at).is_(None),
            col(CertificateRow.valid_until).is_not(None),
            col(CertificateRow.valid_until) >= today,
            col(CertificateRow.valid_until) < window_end,
        )
        .order_by(col(CertificateRow.valid_until), col(CertificateRow.id))
        .limit(limit)
    ).all()
    return [(c, p, learner) for c, p, learner in rows]


def run_out(uow: UnitOfWork, today: date, limit: int) -> list[Issued]:
    """Certificates not revoked whose last valid day has passed and whose expiry is not yet announced."""
    rows = uow.session.exec(
        _issued()
        .where(
            CertificateRow.status == VALID,
            col(CertificateRow.expired_noticed_at).is_(None),
            col(CertificateRow.valid_until).is_not(None),
            col(CertificateRow.valid_until) < today,
        )
        .order_by(col(CertificateRow.valid_until), col(CertificateRow.id))
        .limit(limit)
    ).all()
    return [(c, p, learner) for c, p, learner in rows]


def renewed(uow: UnitOfWork, certificate: CertificateRow, code: str) -> bool:
    """Whether the holder has a later certificate in force of the same course or programme that
    lasts longer (they recertified already)."""
    later = uow.session.exec(
        select(CertificateRow.id)
        .join(CompletionRow, col(CompletionRow.id) == col(CertificateRow.completion_id))
        .where(
            CertificateRow.learner_id == certificate.learner_id,
            CompletionRow.code == code,
            CertificateRow.status == VALID,
            CertificateRow.id != certificate.id,
            sa.or_(
                col(CertificateRow.valid_until).is_(None),
                col(CertificateRow.valid_until) > certificate.valid_until,
            ),
        )
    ).first()
    return later is not None


def take_notice(uow: UnitOfWork, certificate_id: str, column: str, at: datetime) -> bool:
    """Note that the notice in ``column`` (``expiring_noticed_at``, ``expired_noticed_at``) was
    given, unless another scanner did first or the certificate was revoked meanwhile."""
    table = _table()
    result = uow.session.execute(
        sa.update(table)
        .where(table.c.id == certificate_id, table.c.status == VALID, table.c[column].is_(None))
        .values({column: at})
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE's result has a rowcount
