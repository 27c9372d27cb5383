"""Queries and writes of video progress (reports, playheads, watched intervals) and check attempts."""

from __future__ import annotations

from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import CheckAttemptRow, ProgressReportRow, VideoProgressRow


def find_report(uow: UnitOfWork, enrolment_id: str, report_id: str) -> ProgressReportRow | None:
    return uow.session.get(ProgressReportRow, (enrolment_id, report_id))


def video_progress(uow: UnitOfWork, enrolment_id: str, lesson_code: str) -> VideoProgressRow | None:
    return uow.session.get(VideoProgressRow, (enrolment_id, lesson_code))


def add(uow: UnitOfWork, row: ProgressReportRow | VideoProgressRow | CheckAttemptRow) -> None:
    uow.session.add(row)


def passing_attempt(uow: UnitOfWork, enrolment_id: str, lesson_code: str) -> CheckAttemptRow | None:
    """The first attempt that passed the check, if one did."""
    return uow.session.exec(
        select(CheckAttemptRow)
        .where(
            CheckAttemptRow.enrolment_id == enrolment_id,
            CheckAttemptRow.lesson_code == lesson_code,
            col(CheckAttemptRow.passed).is_(True),
        )
        .order_by(col(CheckAttemptRow.answered_at), col(CheckAttemptRow.id))
    ).first()
