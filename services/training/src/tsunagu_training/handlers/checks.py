"""Short checks: their questions (never the answers), and answers scored against the pass mark.

A passed check is done once: answering it again answers the passing result and writes nothing.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal

from ..adapters import learners as store
from ..adapters import video as videos
from ..adapters.tables import CheckAttemptRow, EnrolmentRow
from ..domain import rules
from ..domain.catalogue import Lesson, LessonKind
from ..domain.checks import answers_fit, correct_answers
from ..domain.completion import check_passed
from . import progress
from .access import learner_for, own_enrolment
from .commands import AnswerCheck
from .context import TrainingContext
from .video import course_lesson
from .views import CheckQuestionView, CheckResultView, CheckView


def check_lesson(ctx: TrainingContext, enrolment: EnrolmentRow, lesson_code: str) -> Lesson:
    _, lesson = course_lesson(ctx, enrolment, lesson_code)
    if lesson.kind is not LessonKind.CHECK:
        refuse(rules.NOT_A_CHECK)
    return lesson


def get_check(ctx: TrainingContext, actor: Principal, enrolment_id: str, lesson_code: str) -> CheckView:
    """A check's questions and choices, to the learner, their coordinator and trainers."""
    with ctx.reading() as uow:
        enrolment = store.find_enrolment(uow, enrolment_id)
        if enrolment is None:
            refuse(rules.ENROLMENT_NOT_FOUND)
        learner_for(uow, actor, enrolment.learner_id)
        lesson = check_lesson(ctx, enrolment, lesson_code)
        return CheckView(
            enrolment_id=enrolment.id,
            lesson_code=lesson.code,
            title=lesson.title,
            pass_mark=lesson.pass_mark,
            questions=[
                CheckQuestionView(number=n, text=item.text, choices=list(item.choices))
                for n, item in enumerate(lesson.items, start=1)
            ],
            done=store.lesson_done(uow, enrolment.id, lesson.code),
            course_status=enrolment.status,
        )


def answer_check(
    ctx: TrainingContext, actor: Principal, enrolment_id: str, lesson_code: str, command: AnswerCheck
) -> CheckResultView:
    """Score the learner's answers; meeting the pass mark completes the lesson (and the course, if
    it was the last). Only the learner enrolled answers."""
    with ctx.uow() as uow:
        enrolment, learner = own_enrolment(uow, actor, enrolment_id, lock=True)
        lesson = check_lesson(ctx, enrolment, lesson_code)
        if not answers_fit(lesson, command.answers):
            refuse(rules.ANSWERS_DO_NOT_FIT)

        def result(correct: int | None, passed: bool) -> CheckResultView:
            return CheckResultView(
                enrolment_id=enrolment.id,
                lesson_code=lesson.code,
                questions=lesson.questions,
                pass_mark=lesson.pass_mark,
                correct=correct,
                passed=passed,
                done=store.lesson_done(uow, enrolment.id, lesson.code),
                course_status=enrolment.status,
            )

        if store.lesson_done(uow, enrolment.id, lesson.code):
            earlier = videos.passing_attempt(uow, enrolment.id, lesson.code)
            return result(earlier.correct if earlier is not None else None, True)
        now = ctx.now()
        correct = correct_answers(lesson, command.answers)
        passed = check_passed(lesson, correct)
        videos.add(
            uow,
            CheckAttemptRow(
                id=ctx.ordered_id(),
                enrolment_id=enrolment.id,
                lesson_code=lesson.code,
                answers=list(command.answers),
                correct=correct,
                passed=passed,
                answered_at=now,
            ),
        )
        if passed:
            progress.lesson_done(ctx, uow, enrolment, learner, lesson.code, now)
        view = result(correct, passed)
        uow.commit()
        return view
