"""Response bodies of the training service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from tsunagu_contracts.events.training import Audience, Permission

from ..domain.catalogue import LessonKind, Mode


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class LessonView(_View):
    code: str
    title: str
    kind: LessonKind
    duration_seconds: int
    watched_percent: int
    questions: int
    pass_mark: int


class CourseView(_View):
    """A course of the catalogue."""

    code: str
    audience: Audience
    number: int
    title: str
    mode: Mode
    lessons: list[LessonView]
    validity_months: int | None
    permissions: list[Permission]


class ProgrammeView(_View):
    code: str
    audience: Audience
    title: str
    courses: list[str]
    validity_months: int | None
    permissions: list[Permission]


class CatalogueView(BaseModel):
    """The catalogue in force for a fiscal year."""

    fiscal_year: int
    fiscal_year_label: str = Field(description="令和7年度")
    version: str
    courses: list[CourseView]
    programmes: list[ProgrammeView]


class LearnerView(_View):
    """A learner, as their coordinator, trainers and they themselves see them."""

    id: str
    subject: str | None
    name: str
    name_kana: str | None
    email: str | None
    organisation_name: str | None
    audience: Audience
    municipality_code: str | None
    partner_id: str | None
    registered_at: datetime


class EnrolmentView(BaseModel):
    """An enrolment and how far the learner is."""

    id: str
    learner_id: str
    fiscal_year: int
    kind: str = Field(description="course or programme")
    code: str
    status: str = Field(description="enrolled, completed")
    programme_enrolment_id: str | None
    lessons_done: list[str]
    courses: list[EnrolmentView] = Field(default_factory=list, description="A programme's course enrolments")
    completion_id: str | None
    completed_on: date | None
    valid_until: date | None
    enrolled_at: datetime


# -- reports --


class CompletionCount(BaseModel):
    """Completions of one course or programme by one organisation in a fiscal year."""

    fiscal_year: int
    fiscal_year_label: str
    audience: Audience
    kind: str = Field(description="course or programme")
    code: str
    title: str
    organisation_kind: str = Field(description="municipality, partner or agency")
    organisation: str = Field(description="The municipality's code, the partner's id, or the agency's name")
    municipality_code: str | None
    completions: int
    learners: int = Field(description="Distinct learners (実人数)")


class CommissionerProgress(BaseModel):
    """Welfare commissioners of one municipality: how many enrolled, and completed each course and
    the whole programme, in a fiscal year."""

    municipality_code: str
    municipality_name: str
    enrolled: int
    completed_by_course: dict[str, int]
    completed_programme: int


# -- certificates --
from tsunagu_contracts.events.training import RevocationReason  # noqa: E402  (one block per area)

from ..domain.certificates import CertificateStatus  # noqa: E402


class CertificateView(BaseModel):
    """A certificate, as its holder, their coordinator and trainers see it."""

    id: str
    completion_id: str
    learner_id: str
    kind: str = Field(description="course or programme")
    code: str = Field(description="The catalogue code of the course or programme")
    title: str
    verification_code: str = Field(description="Grouped for reading: ABCD-EFGH-JK")
    issued_on: date
    valid_until: date | None = Field(description="The last day it is valid; none when it has no end")
    status: CertificateStatus
    revoked_at: datetime | None
    reason: RevocationReason | None
    verify_url: str = Field(description="The public verification page its QR code leads to")


class PublicCertificateView(BaseModel):
    """What anyone holding a certificate's code may learn of it: never the holder's name, only
    their initials."""

    verification_code: str
    title: str
    kind: str = Field(description="course or programme")
    issued_on: date
    valid_until: date | None
    status: CertificateStatus
    holder_initials: str = Field(description="The first letters of the holder's family and given names")
