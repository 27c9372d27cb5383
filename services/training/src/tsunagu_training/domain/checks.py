"""Short checks as plain rules: whether a set of answers fits the check, and how many are right."""

from __future__ import annotations

from collections.abc import Sequence

from .catalogue import Lesson, LessonKind


def answers_fit(lesson: Lesson, answers: Sequence[int]) -> bool:
    """One answer per question, each the index of one of that question's choices."""
    if lesson.kind is not LessonKind.CHECK:
        raise ValueError("only a check is answered")
    return len(answers) == len(lesson.items) and all(
        0 <= answer < len(item.choices) for item, answer in zip(lesson.items, answers, strict=True)
    )


def correct_answers(lesson: Lesson, answers: Sequence[int]) -> int:
    """How many of the answers (which fit the check) are right."""
    if not answers_fit(lesson, answers):
        raise ValueError("the answers do not fit the check")
    return sum(item.answer == answer for item, answer in zip(lesson.items, answers, strict=True))
