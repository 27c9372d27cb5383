"""What every way of learning ends in: a lesson done, an attendance recorded, and from them a course
and a programme completed, with the events that grant permissions elsewhere.

Video progress, checks and in-person attendance each decide that a lesson's rule is met, then call
:func:`lesson_done` or :func:`attended` in their own transaction; everything after that is here,
once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tsunagu_calendar import tokyo_date
from tsunagu_contracts.events.training import Audience, LessonCompleted, Permission, TrainingCompleted
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import learners as store
from ..adapters.tables import CompletionRow, EnrolmentRow, LearnerRow, LessonDoneRow
from ..domain.catalogue import Catalogue
from ..domain.completion import course_complete, programme_complete, valid_until
from . import certificates
from .context import TrainingContext

ENROLLED, COMPLETED = "enrolled", "completed"


def learner_ids(learner: LearnerRow) -> dict[str, Any]:
    """What every training event says of its learner: ids only."""
    return {
        "learner_id": learner.id,
        "staff_subject": learner.subject,
        "municipality_code": learner.municipality_code,
        "partner_id": learner.partner_id,
    }


def catalogue_of(ctx: TrainingContext, enrolment: EnrolmentRow) -> Catalogue:
    """The catalogue version the enrolment was made under: its rules govern it to the end."""
    return next(v for v in ctx.catalogue.versions if v.version == enrolment.catalogue_version)


def lesson_done(
    ctx: TrainingContext,
    uow: UnitOfWork,
    enrolment: EnrolmentRow,
    learner: LearnerRow,
    lesson_code: str,
    at: datetime,
) -> CompletionRow | None:
    """Record that a lesson's rule was met (once), then complete the course if that was the last;
    returns the course's completion when this completed it."""
    if store.lesson_done(uow, enrolment.id, lesson_code):
        return None
    store.add(uow, LessonDoneRow(enrolment_id=enrolment.id, lesson_code=lesson_code, done_at=at))
    uow.emit(
        LessonCompleted(
            **learner_ids(learner),
            enrolment_id=enrolment.id,
            course_code=enrolment.code,
            lesson_code=lesson_code,
            completed_at=at,
        ),
        subject=enrolment.id,
    )
    return _complete_course_if_done(ctx, uow, enrolment, learner, at, attended=False)


def attended(
    ctx: TrainingContext, uow: UnitOfWork, enrolment: EnrolmentRow, learner: LearnerRow, at: datetime
) -> CompletionRow | None:
    """Record that the learner attended an in-person session of the course's enrolment."""
    return _complete_course_if_done(ctx, uow, enrolment, learner, at, attended=True)


def _complete_course_if_done(
    ctx: TrainingContext,
    uow: UnitOfWork,
    enrolment: EnrolmentRow,
    learner: LearnerRow,
    at: datetime,
    *,
    attended: bool,
) -> CompletionRow | None:
    if enrolment.status == COMPLETED:
        return None
    catalogue = catalogue_of(ctx, enrolment)
    course = catalogue.courses[enrolment.code]
    if not course_complete(course, store.lessons_done(uow, enrolment.id), attended=attended):
        return None
    completion = _complete(
        ctx, uow, enrolment, learner, at, validity=course.validity_months, permissions=course.permissions
    )
    if enrolment.programme_enrolment_id is not None:
        _complete_programme_if_done(ctx, uow, enrolment.programme_enrolment_id, learner, at)
    return completion


def _complete_programme_if_done(
    ctx: TrainingContext, uow: UnitOfWork, programme_enrolment_id: str, learner: LearnerRow, at: datetime
) -> None:
    parent = store.find_enrolment(uow, programme_enrolment_id, lock=True)
    if parent is None or parent.status == COMPLETED:
        return
    programme = catalogue_of(ctx, parent).programmes[parent.code]
    done = {e.code for e in store.course_enrolments_of_programme(uow, parent.id) if e.status == COMPLETED}
    if programme_complete(programme, done):
        _complete(
            ctx,
            uow,
            parent,
            learner,
            at,
            validity=programme.validity_months,
            permissions=programme.permissions,
        )


def _complete(
    ctx: TrainingContext,
    uow: UnitOfWork,
    enrolment: EnrolmentRow,
    learner: LearnerRow,
    at: datetime,
    *,
    validity: int | None,
    permissions: tuple[Permission, ...],
) -> CompletionRow:
    completed_on = tokyo_date(at)
    completion = CompletionRow(
        id=ctx.new_id(),
        learner_id=learner.id,
        enrolment_id=enrolment.id,
        kind=enrolment.kind,
        code=enrolment.code,
        audience=learner.audience,
        fiscal_year=enrolment.fiscal_year,
        completed_on=completed_on,
        valid_until=valid_until(completed_on, validity),
        permissions=[p.value for p in permissions],
        completed_at=at,
    )
    store.add(uow, completion)
    enrolment.status, enrolment.completed_at = COMPLETED, at
    is_course = enrolment.kind == "course"
    uow.emit(
        TrainingCompleted(
            **learner_ids(learner),
            completion_id=completion.id,
            audience=Audience(learner.audience),
            course_code=enrolment.code if is_course else None,
            programme_code=None if is_course else enrolment.code,
            fiscal_year=enrolment.fiscal_year,
            completed_on=completed_on,
            valid_until=completion.valid_until,
            permissions=list(permissions),
            completed_at=at,
        ),
        subject=enrolment.id,
    )
    certificates.issue_for(ctx, uow, completion, learner)
    return completion
