"""Video lessons: the lesson page's progress reports and what the page needs to play.

A report is kept once under the id the page made for it; a repeat answers the lesson's state and
writes nothing. An accepted report moves the playhead and may credit a watched interval; once the
watched share meets the lesson's rule, :func:`.progress.lesson_done` records the lesson (once) and
completes the course if it was the last. An implausible report is refused and leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import learners as store
from ..adapters import video as videos
from ..adapters.tables import EnrolmentRow, ProgressReportRow, VideoProgressRow
from ..domain import rules
from ..domain.catalogue import Course, Lesson, LessonKind
from ..domain.completion import merge_intervals, video_watched, watched_seconds
from ..domain.video import Playhead, advance, position_possible, share_percent
from . import progress
from .access import learner_for, own_enrolment
from .commands import ReportProgress
from .context import TrainingContext
from .views import VideoProgressView


def course_lesson(ctx: TrainingContext, enrolment: EnrolmentRow, lesson_code: str) -> tuple[Course, Lesson]:
    """The course of a course enrolment and one of its lessons (404 for a programme's enrolment,
    which has courses rather than lessons, and for a lesson the course does not have)."""
    course = progress.catalogue_of(ctx, enrolment).courses.get(enrolment.code)
    lesson = course.lesson(lesson_code) if course is not None and enrolment.kind == "course" else None
    if course is None or lesson is None:
        refuse(rules.LESSON_NOT_FOUND)
    return course, lesson


def video_lesson(ctx: TrainingContext, enrolment: EnrolmentRow, lesson_code: str) -> tuple[Course, Lesson]:
    course, lesson = course_lesson(ctx, enrolment, lesson_code)
    if lesson.kind is not LessonKind.VIDEO:
        refuse(rules.NOT_A_VIDEO)
    return course, lesson


def _intervals(row: VideoProgressRow | None) -> list[tuple[int, int]]:
    return [(start, end) for start, end in row.intervals] if row is not None else []


def _view(uow: UnitOfWork, enrolment: EnrolmentRow, lesson: Lesson) -> VideoProgressView:
    row = videos.video_progress(uow, enrolment.id, lesson.code)
    seen = row.watched_seconds if row is not None else 0
    return VideoProgressView(
        enrolment_id=enrolment.id,
        lesson_code=lesson.code,
        duration_seconds=lesson.duration_seconds,
        watched_seconds=seen,
        watched_share=share_percent(seen, lesson.duration_seconds),
        required_share=lesson.watched_percent,
        done=store.lesson_done(uow, enrolment.id, lesson.code),
        course_status=enrolment.status,
    )


def report_progress(
    ctx: TrainingContext, actor: Principal, enrolment_id: str, lesson_code: str, report: ReportProgress
) -> VideoProgressView:
    """Record a report from the lesson page (once per report id) and complete the lesson when the
    watched share meets its rule. Only the learner enrolled reports."""
    with ctx.uow() as uow:
        # The enrolment's row lock puts one learner's reports in order (PostgreSQL).
        enrolment, learner = own_enrolment(uow, actor, enrolment_id, lock=True)
        _, lesson = video_lesson(ctx, enrolment, lesson_code)
        seen = videos.find_report(uow, enrolment.id, report.report_id)
        if seen is not None:
            if (seen.lesson_code, seen.event, seen.position_seconds) != (
                lesson.code,
                report.event.value,
                report.position_seconds,
            ):
                refuse(rules.REPORT_ID_REUSED)
            return _view(uow, enrolment, lesson)
        if not position_possible(report.position_seconds, lesson.duration_seconds):
            refuse(rules.POSITION_OUT_OF_RANGE)
        now = ctx.now()
        row = videos.video_progress(uow, enrolment.id, lesson.code)
        previous = Playhead(row.position_seconds, row.reported_at, row.slack_ms) if row is not None else None
        step = advance(previous, report.event, report.position_seconds, now, ctx.player.plausibility)
        if step is None:
            refuse(rules.IMPLAUSIBLE_PROGRESS)
        intervals = _intervals(row)
        if step.watched is not None:
            intervals = merge_intervals([*intervals, step.watched])
        if row is None:
            row = VideoProgressRow(
                enrolment_id=enrolment.id,
                lesson_code=lesson.code,
                position_seconds=0,
                reported_at=now,
                slack_ms=0,
                intervals=[],
                watched_seconds=0,
            )
            videos.add(uow, row)
        row.position_seconds, row.reported_at, row.slack_ms = (
            step.playhead.position,
            step.playhead.at,
            step.playhead.slack_ms,
        )
        # A new list, so that the JSON column sees the change.
        row.intervals = [[start, end] for start, end in intervals]
        row.watched_seconds = watched_seconds(intervals, lesson.duration_seconds)
        videos.add(
            uow,
            ProgressReportRow(
                enrolment_id=enrolment.id,
                report_id=report.report_id,
                lesson_code=lesson.code,
                event=report.event.value,
                position_seconds=report.position_seconds,
                received_at=now,
            ),
        )
        if video_watched(lesson, intervals) and not store.lesson_done(uow, enrolment.id, lesson.code):
            progress.lesson_done(ctx, uow, enrolment, learner, lesson.code, now)
        view = _view(uow, enrolment, lesson)
        uow.commit()
        return view


def video_progress(
    ctx: TrainingContext, actor: Principal, enrolment_id: str, lesson_code: str
) -> VideoProgressView:
    """How far the learner has watched, to them, their coordinator and trainers."""
    with ctx.reading() as uow:
        enrolment = store.find_enrolment(uow, enrolment_id)
        if enrolment is None:
            refuse(rules.ENROLMENT_NOT_FOUND)
        learner_for(uow, actor, enrolment.learner_id)
        _, lesson = video_lesson(ctx, enrolment, lesson_code)
        return _view(uow, enrolment, lesson)


@dataclass(frozen=True, slots=True)
class LessonPage:
    """What the lesson page shows: catalogue data and where the video is, nothing of the learner."""

    enrolment_id: str
    lesson_code: str
    course_title: str
    lesson_title: str
    duration_seconds: int
    required_share: int
    video_url: str
    captions_url: str
    report_every_seconds: int


def lesson_page(ctx: TrainingContext, enrolment_id: str, lesson_code: str) -> LessonPage:
    """The lesson page of an enrolment's video lesson."""
    with ctx.reading() as uow:
        enrolment = store.find_enrolment(uow, enrolment_id)
        if enrolment is None:
            refuse(rules.ENROLMENT_NOT_FOUND)
        course, lesson = video_lesson(ctx, enrolment, lesson_code)
        version = enrolment.catalogue_version
    player = ctx.player
    return LessonPage(
        enrolment_id=enrolment_id,
        lesson_code=lesson.code,
        course_title=course.title,
        lesson_title=lesson.title,
        duration_seconds=lesson.duration_seconds,
        required_share=lesson.watched_percent,
        video_url=player.video_url(version, course.code, lesson.code),
        captions_url=player.captions_url(version, course.code, lesson.code),
        report_every_seconds=player.report_every_seconds,
    )
