"""The training catalogue as data: courses for four audiences, their lessons and completion rules,
programmes made of courses, certificate validity and the permissions a completion grants.

A catalogue version is in force from its first fiscal year until the next version's. Nothing here
reads a file: :mod:`..adapters.catalogue` parses the data into these objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from tsunagu_contracts.events.training import Audience, Permission


class Mode(StrEnum):
    """How a course is given. ``both``: its video lessons, or attending a session, complete it."""

    VIDEO = "video"
    IN_PERSON = "in_person"
    BOTH = "both"


class LessonKind(StrEnum):
    VIDEO = "video"
    CHECK = "check"


@dataclass(frozen=True, slots=True)
class CheckItem:
    """One question of a check: its text, its choices, and the index of the right one."""

    text: str
    choices: tuple[str, ...]
    answer: int

    def __post_init__(self) -> None:
        if not self.text or len(self.choices) < 2 or not all(self.choices):
            raise ValueError("a question has a text and at least two choices")
        if not 0 <= self.answer < len(self.choices):
            raise ValueError("a question's answer is one of its choices")


@dataclass(frozen=True, slots=True)
class Lesson:
    """A lesson learnt alone: a video watched to ``watched_percent`` of its length, or a short check
    passed with ``pass_mark`` correct answers of ``questions`` (its ``items``, one per question)."""

    code: str
    title: str
    kind: LessonKind
    duration_seconds: int = 0
    watched_percent: int = 0
    questions: int = 0
    pass_mark: int = 0
    items: tuple[CheckItem, ...] = ()

    def __post_init__(self) -> None:
        if self.kind is LessonKind.VIDEO and not (
            self.duration_seconds > 0 and 0 < self.watched_percent <= 100
        ):
            raise ValueError("a video lesson has a length and a watched share in (0, 100]")
        if self.kind is LessonKind.CHECK and not (0 < self.pass_mark <= self.questions):
            raise ValueError("a check has questions and a pass mark no higher than their number")
        if self.kind is LessonKind.CHECK and len(self.items) != self.questions:
            raise ValueError("a check has one item per question")
        if self.kind is LessonKind.VIDEO and self.items:
            raise ValueError("a video lesson has no questions")


@dataclass(frozen=True, slots=True)
class Course:
    code: str
    audience: Audience
    number: int
    title: str
    mode: Mode
    lessons: tuple[Lesson, ...] = ()
    validity_months: int | None = None
    permissions: tuple[Permission, ...] = ()

    def __post_init__(self) -> None:
        if self.mode is not Mode.IN_PERSON and not self.lessons:
            raise ValueError("a course given by video has lessons")
        if self.mode is Mode.IN_PERSON and self.lessons:
            raise ValueError("an in-person course is completed by attendance, not lessons")
        if len({lesson.code for lesson in self.lessons}) != len(self.lessons):
            raise ValueError("lesson codes are unique within a course")

    @property
    def by_video(self) -> bool:
        return self.mode in (Mode.VIDEO, Mode.BOTH)

    @property
    def in_person(self) -> bool:
        return self.mode in (Mode.IN_PERSON, Mode.BOTH)

    def lesson(self, code: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.code == code), None)


@dataclass(frozen=True, slots=True)
class Programme:
    """Courses completed together: completing the last of them completes the programme."""

    code: str
    audience: Audience
    title: str
    courses: tuple[str, ...]
    validity_months: int | None = None
    permissions: tuple[Permission, ...] = ()


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One version of the catalogue."""

    version: str
    effective_from: int
    courses: Mapping[str, Course]
    programmes: Mapping[str, Programme] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for programme in self.programmes.values():
            for code in programme.courses:
                course = self.courses.get(code)
                if course is None or course.audience is not programme.audience:
                    raise ValueError("a programme's courses are courses of its audience in the same version")
        if set(self.courses) & set(self.programmes):
            raise ValueError("course and programme codes are distinct")

    def programmes_of(self, course_code: str) -> list[Programme]:
        return [p for p in self.programmes.values() if course_code in p.courses]


class CatalogueBook:
    """Every version of the catalogue, each in force from its first fiscal year."""

    def __init__(self, versions: Iterable[Catalogue]) -> None:
        ordered = sorted(versions, key=lambda v: v.effective_from)
        if not ordered:
            raise ValueError("the catalogue needs at least one version")
        if len({v.effective_from for v in ordered}) != len(ordered):
            raise ValueError("two catalogue versions take effect in the same fiscal year")
        self._versions = tuple(ordered)

    @property
    def versions(self) -> tuple[Catalogue, ...]:
        return self._versions

    def in_force(self, fiscal_year: int) -> Catalogue | None:
        found = None
        for version in self._versions:
            if version.effective_from <= fiscal_year:
                found = version
        return found
