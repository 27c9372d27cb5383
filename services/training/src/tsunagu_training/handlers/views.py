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


# -- sessions --


class SessionView(BaseModel):
    """An in-person session and how many hold a seat or wait for one."""

    id: str
    course_code: str
    fiscal_year: int
    fiscal_year_label: str = Field(description="令和7年度")
    starts_at: datetime
    ends_at: datetime
    date_label: str = Field(description="The day in Tokyo, as people read it: 令和7年5月20日")
    venue: str
    capacity: int
    waitlist: bool
    status: str = Field(description="scheduled, cancelled or held")
    seats_taken: int
    waitlisted: int


class SeatView(BaseModel):
    """A seat or waitlist place. Who holds it is shown to its learner, their coordinator and
    trainers; on a session's roll, only trainers see the learner."""

    id: str
    session_id: str
    enrolment_id: str | None
    learner_id: str | None = None
    learner_name: str | None = None
    seat_no: int | None
    status: str = Field(description="seated, waitlisted, cancelled, attended, no_show or moved")
    waitlist_position: int | None = Field(description="1 is next in line; none with a seat")


class SessionDetailView(SessionView):
    """A session with its roll: seats in the order they were taken, then the waitlist."""

    seats: list[SeatView]


class OfferView(BaseModel):
    """A place offered in the next session after a cancellation: nothing moves until it is accepted."""

    id: str
    from_session_id: str
    to_session_id: str
    enrolment_id: str
    rank: int = Field(description="The order the learner had in the cancelled session (1 first)")
    status: str = Field(description="offered, accepted, declined or withdrawn")
    starts_at: datetime = Field(description="When the offered session starts")
    new_seat_id: str | None
    created_at: datetime
    answered_at: datetime | None


class SessionCancelledView(BaseModel):
    """A cancelled session and the offers made to its people, in the order they had."""

    session: SessionView
    next_session_id: str | None
    offers: list[OfferView]


class EnrolmentPlaceView(SeatView):
    """One of an enrolment's places, with its session's times and venue."""

    starts_at: datetime
    ends_at: datetime
    venue: str
    session_status: str


class EnrolmentSessionsView(BaseModel):
    """An enrolment's seats and waitlist places at sessions, and the offers made to it."""

    places: list[EnrolmentPlaceView]
    offers: list[OfferView]


# -- video --
class VideoProgressView(BaseModel):
    """How far a learner has watched a video lesson, and whether its rule is met."""

    enrolment_id: str
    lesson_code: str
    duration_seconds: int
    watched_seconds: int = Field(description="Seconds of the video watched, each second once")
    watched_share: int = Field(description="The watched share in whole percent, rounded down")
    required_share: int = Field(description="The share in percent that completes the lesson")
    done: bool = Field(description="The lesson's rule is met")
    course_status: str = Field(description="The course enrolment's status: enrolled, completed")


class CheckQuestionView(BaseModel):
    """A question of a check, without its answer."""

    number: int = Field(description="From 1, in the order the answers are given")
    text: str
    choices: list[str] = Field(description="Answer with the index (from 0) of the choice")


class CheckView(BaseModel):
    """A check's questions (never their answers) and whether it has been passed."""

    enrolment_id: str
    lesson_code: str
    title: str
    pass_mark: int
    questions: list[CheckQuestionView]
    done: bool
    course_status: str


class CheckResultView(BaseModel):
    """How a set of answers scored; for a check passed before, the passing result, unchanged."""

    enrolment_id: str
    lesson_code: str
    questions: int
    pass_mark: int
    correct: int | None = Field(description="Right answers; null for a check passed by other means")
    passed: bool
    done: bool
    course_status: str


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
