"""Queries and writes of learners, enrolments, lessons done and completions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import CompletionRow, EnrolmentRow, LearnerRow, LessonDoneRow


def find_learner(uow: UnitOfWork, learner_id: str) -> LearnerRow | None:
    return uow.session.get(LearnerRow, learner_id)


def learner_of_subject(uow: UnitOfWork, subject: str) -> LearnerRow | None:
    return uow.session.exec(select(LearnerRow).where(LearnerRow.subject == subject)).first()


def add(uow: UnitOfWork, row: LearnerRow | EnrolmentRow | LessonDoneRow | CompletionRow) -> None:
    uow.session.add(row)


def find_enrolment(uow: UnitOfWork, enrolment_id: str, *, lock: bool = False) -> EnrolmentRow | None:
    query = select(EnrolmentRow).where(EnrolmentRow.id == enrolment_id)
    return uow.session.exec(query.with_for_update() if lock else query).first()


def enrolment_exists(uow: UnitOfWork, learner_id: str, fiscal_year: int, code: str) -> bool:
    found = uow.session.exec(
        select(EnrolmentRow.id).where(
            EnrolmentRow.learner_id == learner_id,
            EnrolmentRow.fiscal_year == fiscal_year,
            EnrolmentRow.code == code,
        )
    ).first()
    return found is not None


def enrolments_of(uow: UnitOfWork, learner_id: str) -> Sequence[EnrolmentRow]:
    return uow.session.exec(
        select(EnrolmentRow)
        .where(EnrolmentRow.learner_id == learner_id)
        .order_by(col(EnrolmentRow.enrolled_at))
    ).all()


def course_enrolments_of_programme(uow: UnitOfWork, programme_enrolment_id: str) -> Sequence[EnrolmentRow]:
    return uow.session.exec(
        select(EnrolmentRow)
        .where(EnrolmentRow.programme_enrolment_id == programme_enrolment_id)
        .order_by(col(EnrolmentRow.code))
    ).all()


def lessons_done(uow: UnitOfWork, enrolment_id: str) -> list[str]:
    return sorted(
        uow.session.exec(
            select(LessonDoneRow.lesson_code).where(LessonDoneRow.enrolment_id == enrolment_id)
        ).all()
    )


def lesson_done(uow: UnitOfWork, enrolment_id: str, lesson_code: str) -> bool:
    return uow.session.get(LessonDoneRow, (enrolment_id, lesson_code)) is not None


def completion_of(uow: UnitOfWork, enrolment_id: str) -> CompletionRow | None:
    return uow.session.exec(select(CompletionRow).where(CompletionRow.enrolment_id == enrolment_id)).first()


def find_completion(uow: UnitOfWork, completion_id: str) -> CompletionRow | None:
    return uow.session.get(CompletionRow, completion_id)
