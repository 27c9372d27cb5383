"""Events of the training service: courses for supporters, implementing organisations, related
agencies and welfare commissioners (民生委員・児童委員), their completion, certificates, and the
permissions completions grant.

Learners' names, contact details and organisations' names never travel. A learner is the training
service's pseudonymous ``learner_id``; where the learner is staff with an account, the event also
carries ``staff_subject``, the identity provider's opaque subject (the ``sub`` of their bearer
token), because that is how scheduling and partners know their own staff. A subject that looks
like an e-mail address is refused at enrolment and cannot be expressed here (no ``@``).

Permissions are codes (``home_visit``, ``partner_guideline``) so that a consumer acts on what a
completion grants, not on the catalogue's course codes, which change by fiscal year.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from ..envelope import ID_PATTERN, EventData
from ..registry import event

__all__ = [
    "Audience",
    "CertificateExpired",
    "CertificateExpiring",
    "CertificateIssued",
    "CertificateRevoked",
    "CourseScheduled",
    "EnrolmentAccepted",
    "LessonCompleted",
    "Permission",
    "RevocationReason",
    "TrainingCompleted",
]

Id = Annotated[str, Field(pattern=ID_PATTERN)]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,47}$", description="A catalogue code")]
StaffSubject = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9._:|-]{1,200}$",
        description="The identity provider's opaque subject of a staff account (never an e-mail address)",
    ),
]
MunicipalityCode = Annotated[str, Field(pattern=r"^13[0-9]{4}$", description="全国地方公共団体コード")]
FiscalYear = Annotated[int, Field(ge=2000, le=2999, description="Fiscal year from April: 2025 is 令和7年度")]


class Audience(StrEnum):
    """Whom a course is for (§4 of the programme)."""

    SUPPORTERS = "supporters"
    IMPLEMENTING_ORGANISATIONS = "implementing_organisations"
    RELATED_AGENCIES = "related_agencies"
    WELFARE_COMMISSIONERS = "welfare_commissioners"


class Permission(StrEnum):
    """What a valid completion allows elsewhere in the programme."""

    HOME_VISIT = "home_visit"
    """Scheduling may assign the staff member to home visits (訪問相談)."""
    PARTNER_GUIDELINE = "partner_guideline"
    """Partner staff trained in the Support Guidelines: the organisation may become active, and the
    staff member may accept referrals."""


class RevocationReason(StrEnum):
    """Why a certificate was revoked."""

    ISSUED_IN_ERROR = "issued_in_error"
    MISCONDUCT = "misconduct"
    LEARNER_REQUEST = "learner_request"
    OTHER = "other"


class _LearnerEvent(EventData):
    learner_id: Id
    staff_subject: StaffSubject | None = None
    municipality_code: MunicipalityCode | None = Field(
        default=None, description="The learner's municipality (its staff, or where a commissioner serves)"
    )
    partner_id: Id | None = Field(
        default=None, description="The learner's partner organisation, in partners' ids"
    )


@event("training", "session", "scheduled", 1)
class CourseScheduled(EventData):
    """An in-person session of a course was scheduled, with its seats."""

    session_id: Id
    course_code: Code
    fiscal_year: FiscalYear
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1, le=10_000)
    waitlist: bool


@event("training", "enrolment", "accepted", 1)
class EnrolmentAccepted(_LearnerEvent):
    """A learner was enrolled in a course or a programme, by themselves or their coordinator."""

    enrolment_id: Id
    audience: Audience
    course_code: Code | None = None
    programme_code: Code | None = None
    fiscal_year: FiscalYear
    by_coordinator: bool
    accepted_at: AwareDatetime


@event("training", "lesson", "completed", 1)
class LessonCompleted(_LearnerEvent):
    """A learner met a course's completion rule for one lesson (a video watched far enough, a check
    passed, a session attended)."""

    enrolment_id: Id
    course_code: Code
    lesson_code: Code
    completed_at: AwareDatetime


@event("training", "training", "completed", 1)
class TrainingCompleted(_LearnerEvent):
    """A learner completed a course, or every course of a programme; ``permissions`` are what the
    completion grants until ``valid_until`` (no end when it is null)."""

    completion_id: Id
    audience: Audience
    course_code: Code | None = None
    programme_code: Code | None = None
    fiscal_year: FiscalYear
    completed_on: date
    valid_until: date | None = None
    permissions: list[Permission] = Field(default_factory=list, max_length=8)
    completed_at: AwareDatetime


@event("training", "certificate", "issued", 1)
class CertificateIssued(_LearnerEvent):
    """A certificate of a completion was issued; anyone can verify it by its code."""

    certificate_id: Id
    completion_id: Id
    course_code: Code | None = None
    programme_code: Code | None = None
    issued_on: date
    valid_until: date | None = None
    issued_at: AwareDatetime


@event("training", "certificate", "revoked", 1)
class CertificateRevoked(_LearnerEvent):
    """A certificate was revoked: the permissions of its completion are withdrawn at once."""

    certificate_id: Id
    completion_id: Id
    reason: RevocationReason
    permissions: list[Permission] = Field(default_factory=list, max_length=8)
    revoked_at: AwareDatetime


@event("training", "certificate", "expiring", 1)
class CertificateExpiring(_LearnerEvent):
    """Notice ahead: a certificate expires on ``expires_on`` and its permissions with it, unless the
    learner completes the course again."""

    certificate_id: Id
    completion_id: Id
    expires_on: date
    permissions: list[Permission] = Field(default_factory=list, max_length=8)
    raised_at: AwareDatetime


@event("training", "certificate", "expired", 1)
class CertificateExpired(_LearnerEvent):
    """A certificate expired: the permissions of its completion are withdrawn."""

    certificate_id: Id
    completion_id: Id
    expired_on: date
    permissions: list[Permission] = Field(default_factory=list, max_length=8)
    raised_at: AwareDatetime
