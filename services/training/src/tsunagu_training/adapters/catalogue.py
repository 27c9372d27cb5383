"""The catalogue: the file named in the settings, else the data shipped with the service, parsed
strictly into the domain's objects."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt
from tsunagu_contracts.events.training import Audience, Permission
from tsunagu_servicekit.reference import reference_json

from ..domain.catalogue import (
    Catalogue,
    CatalogueBook,
    CheckItem,
    Course,
    Lesson,
    LessonKind,
    Mode,
    Programme,
)

Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,47}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _CheckItem(_Strict):
    text: str = Field(min_length=1, max_length=500)
    choices: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(min_length=2, max_length=8)
    answer: StrictInt = Field(ge=0)


class _Lesson(_Strict):
    code: Code
    title: str = Field(min_length=1)
    kind: LessonKind
    duration_seconds: StrictInt = Field(default=0, ge=0)
    watched_percent: StrictInt = Field(default=0, ge=0, le=100)
    questions: StrictInt = Field(default=0, ge=0)
    pass_mark: StrictInt = Field(default=0, ge=0)
    items: list[_CheckItem] = Field(default_factory=list)

    def lesson(self) -> Lesson:
        items = tuple(CheckItem(i.text, tuple(i.choices), i.answer) for i in self.items)
        return Lesson(**self.model_dump(exclude={"items"}), items=items)


class _Course(_Strict):
    code: Code
    audience: Audience
    number: StrictInt = Field(ge=1)
    title: str = Field(min_length=1)
    mode: Mode
    lessons: list[_Lesson] = Field(default_factory=list)
    validity_months: StrictInt | None = Field(default=None, ge=1, le=240)
    permissions: list[Permission] = Field(default_factory=list)


class _Programme(_Strict):
    code: Code
    audience: Audience
    title: str = Field(min_length=1)
    courses: list[Code] = Field(min_length=1)
    validity_months: StrictInt | None = Field(default=None, ge=1, le=240)
    permissions: list[Permission] = Field(default_factory=list)


class _Version(_Strict):
    version: str = Field(min_length=1, max_length=32)
    effective_from: StrictInt = Field(ge=2000, le=2999)
    courses: list[_Course] = Field(min_length=1)
    programmes: list[_Programme] = Field(default_factory=list)


class _Catalogue(_Strict):
    comment: str | None = Field(default=None, alias="_comment")
    versions: list[_Version] = Field(min_length=1)


def _version(v: _Version) -> Catalogue:
    courses = {
        c.code: Course(
            code=c.code,
            audience=c.audience,
            number=c.number,
            title=c.title,
            mode=c.mode,
            lessons=tuple(lesson.lesson() for lesson in c.lessons),
            validity_months=c.validity_months,
            permissions=tuple(c.permissions),
        )
        for c in v.courses
    }
    if len(courses) != len(v.courses):
        raise ValueError("course codes are unique within a catalogue version")
    programmes = {
        p.code: Programme(
            code=p.code,
            audience=p.audience,
            title=p.title,
            courses=tuple(p.courses),
            validity_months=p.validity_months,
            permissions=tuple(p.permissions),
        )
        for p in v.programmes
    }
    return Catalogue(
        version=v.version, effective_from=v.effective_from, courses=courses, programmes=programmes
    )


def catalogue_book(path: Path | None = None) -> CatalogueBook:
    """Every version of the catalogue, from ``path`` or the shipped file."""
    parsed = _Catalogue.model_validate(reference_json("tsunagu_training.data", "catalogue.json", path))
    return CatalogueBook(_version(v) for v in parsed.versions)
