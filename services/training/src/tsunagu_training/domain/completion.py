"""When a course, and a programme, is complete: plain rules over what a learner has done.

A course given by video is complete when every lesson is (a video watched to its share, a check
passed); an in-person course when its session was attended; a course given both ways by either.
A programme is complete when each of its courses is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from .catalogue import Course, Lesson, LessonKind, Programme


def merge_intervals(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Watched intervals (start, end) in seconds, overlapping or touching ones merged, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((s, e) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def watched_seconds(intervals: Iterable[tuple[int, int]], duration: int) -> int:
    """How much of a video of ``duration`` seconds the intervals cover (each second once)."""
    return sum(
        min(end, duration) - max(start, 0)
        for start, end in merge_intervals(intervals)
        if end > 0 and start < duration
    )


def video_watched(lesson: Lesson, intervals: Iterable[tuple[int, int]]) -> bool:
    """Whether the watched share reaches the lesson's rule (integer arithmetic: no rounding up)."""
    if lesson.kind is not LessonKind.VIDEO:
        raise ValueError("only a video lesson is watched")
    return (
        watched_seconds(intervals, lesson.duration_seconds) * 100
        >= lesson.watched_percent * lesson.duration_seconds
    )


def check_passed(lesson: Lesson, correct: int) -> bool:
    if lesson.kind is not LessonKind.CHECK:
        raise ValueError("only a check is passed")
    return correct >= lesson.pass_mark


def course_complete(course: Course, lessons_done: Collection[str], *, attended: bool) -> bool:
    """A course is complete by its lessons (video) or by attendance (in person), as its mode allows."""
    by_lessons = course.by_video and all(lesson.code in lessons_done for lesson in course.lessons)
    return by_lessons or (course.in_person and attended)


def programme_complete(programme: Programme, courses_done: Collection[str]) -> bool:
    return all(code in courses_done for code in programme.courses)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, the last day of a shorter month where it has no such
    day (2025-01-31 + 1 month = 2025-02-28)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def valid_until(completed_on: date, validity_months: int | None) -> date | None:
    """The last day a completion counts (the day before the anniversary), or None without an end."""
    if validity_months is None:
        return None
    return date.fromordinal(add_months(completed_on, validity_months).toordinal() - 1)
