"""The training service's tables (SQLModel). The schema is made by the Alembic migrations in
``adapters/migrations/versions``; a test checks that they match these definitions.

A learner's name, kana, e-mail address and organisation name are personal data: they never leave
this service but through its API (and the initials on a public verification page).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from tsunagu_servicekit.db import UTCDateTime


def _id(**kw: Any) -> Any:
    return Field(sa_type=sa.String(36), **kw)


def _code(length: int = 48, **kw: Any) -> Any:
    return Field(sa_type=sa.String(length), **kw)


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime(), **kw)


class LearnerRow(SQLModel, table=True):
    """A learner: staff of a municipality, a partner organisation or an agency, or a welfare
    commissioner. ``subject`` is their account's opaque id, where they have one."""

    __tablename__ = "training_learner"

    id: str = _id(primary_key=True)
    subject: str | None = Field(default=None, sa_type=sa.String(200), unique=True)
    name: str = Field(sa_type=sa.String(100))
    name_kana: str | None = Field(default=None, sa_type=sa.String(100))
    email: str | None = Field(default=None, sa_type=sa.String(254))
    organisation_name: str | None = Field(default=None, sa_type=sa.String(200))
    audience: str = _code(32, index=True)
    municipality_code: str | None = _code(6, default=None, index=True)
    partner_id: str | None = _id(default=None, index=True)
    registered_by: str = Field(sa_type=sa.String(200))
    registered_at: datetime = _when()


class EnrolmentRow(SQLModel, table=True):
    """A learner's enrolment in a course or a programme for a fiscal year. A programme's enrolment
    has one course enrolment per course, pointing to it (``programme_enrolment_id``)."""

    __tablename__ = "training_enrolment"
    __table_args__ = (
        sa.UniqueConstraint(
            "learner_id", "fiscal_year", "code", name="uq_training_enrolment_learner_year_code"
        ),
    )

    id: str = _id(primary_key=True)
    learner_id: str = _id(foreign_key="training_learner.id", index=True)
    fiscal_year: int
    catalogue_version: str = _code(32)
    kind: str = _code(16)
    code: str = _code()
    programme_enrolment_id: str | None = _id(default=None, index=True)
    status: str = _code(16, index=True)
    by_coordinator: bool = Field(sa_type=sa.Boolean())
    enrolled_at: datetime = _when()
    completed_at: datetime | None = _when(default=None)


class LessonDoneRow(SQLModel, table=True):
    """A lesson of a course enrolment whose rule was met, once."""

    __tablename__ = "training_lesson_done"

    enrolment_id: str = _id(primary_key=True, foreign_key="training_enrolment.id")
    lesson_code: str = _code(primary_key=True)
    done_at: datetime = _when()


class CompletionRow(SQLModel, table=True):
    """A completed course or programme: what it grants and until when."""

    __tablename__ = "training_completion"

    id: str = _id(primary_key=True)
    learner_id: str = _id(foreign_key="training_learner.id", index=True)
    enrolment_id: str = _id(foreign_key="training_enrolment.id", unique=True)
    kind: str = _code(16)
    code: str = _code(index=True)
    audience: str = _code(32)
    fiscal_year: int = Field(index=True)
    completed_on: date
    valid_until: date | None = None
    permissions: list[str] = Field(sa_type=sa.JSON())
    completed_at: datetime = _when()


# -- sessions --


class SessionRow(SQLModel, table=True):
    """An in-person session of a course: when, where (for the people who come; never in an event),
    its seats and whether it keeps a waitlist."""

    __tablename__ = "training_session"

    id: str = _id(primary_key=True)
    course_code: str = _code(index=True)
    fiscal_year: int = Field(index=True)
    starts_at: datetime = _when(index=True)
    ends_at: datetime = _when()
    venue: str = Field(sa_type=sa.Text())
    capacity: int
    waitlist: bool = Field(sa_type=sa.Boolean())
    status: str = _code(16)
    scheduled_by: str = Field(sa_type=sa.String(200))
    created_at: datetime = _when()
    cancelled_at: datetime | None = _when(default=None)


class SessionSeatRow(SQLModel, table=True):
    """An enrolment's seat (``seat_no``) or waitlist place (no seat) at a session. Ids are UUIDv7:
    they order the waitlist. The database holds each seat once, and each enrolment at most once
    per session while its place is active."""

    __tablename__ = "training_session_seat"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "seat_no", name="uq_training_session_seat_seat"),
        sa.Index(
            "uq_training_session_seat_active_enrolment",
            "session_id",
            "enrolment_id",
            unique=True,
            sqlite_where=sa.text("status IN ('seated', 'waitlisted')"),
            postgresql_where=sa.text("status IN ('seated', 'waitlisted')"),
        ),
    )

    id: str = _id(primary_key=True)
    session_id: str = _id(foreign_key="training_session.id", index=True)
    enrolment_id: str = _id(foreign_key="training_enrolment.id", index=True)
    seat_no: int | None = Field(default=None, sa_type=sa.Integer())
    status: str = _code(16)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class SessionOfferRow(SQLModel, table=True):
    """The offer of a place in the next session to someone whose session was cancelled: they move
    only by accepting it. ``rank`` is the order they had in the cancelled session."""

    __tablename__ = "training_session_offer"

    id: str = _id(primary_key=True)
    from_session_id: str = _id(foreign_key="training_session.id", index=True)
    to_session_id: str = _id(foreign_key="training_session.id", index=True)
    seat_id: str = _id(foreign_key="training_session_seat.id", unique=True)
    enrolment_id: str = _id(foreign_key="training_enrolment.id", index=True)
    rank: int
    status: str = _code(16)
    new_seat_id: str | None = _id(default=None, foreign_key="training_session_seat.id")
    created_at: datetime = _when()
    answered_at: datetime | None = _when(default=None)


# -- video --
class ProgressReportRow(SQLModel, table=True):
    """A progress report from the lesson page, kept once under the id the page made for it, so a
    report sent twice counts once. Only accepted reports are here: an implausible one is not."""

    __tablename__ = "training_progress_report"

    enrolment_id: str = _id(primary_key=True, foreign_key="training_enrolment.id")
    report_id: str = _id(primary_key=True)
    lesson_code: str = _code()
    event: str = _code(16)
    position_seconds: int
    received_at: datetime = _when()


class VideoProgressRow(SQLModel, table=True):
    """How far a learner has watched a video lesson: the playhead after the last accepted report
    (position, the server's time, the unspent tolerance) and the watched intervals, merged."""

    __tablename__ = "training_video_progress"

    enrolment_id: str = _id(primary_key=True, foreign_key="training_enrolment.id")
    lesson_code: str = _code(primary_key=True)
    position_seconds: int
    reported_at: datetime = _when()
    slack_ms: int
    intervals: list[list[int]] = Field(sa_type=sa.JSON())
    watched_seconds: int


class CheckAttemptRow(SQLModel, table=True):
    """One set of answers to a check and how many were right."""

    __tablename__ = "training_check_attempt"

    id: str = _id(primary_key=True)
    enrolment_id: str = _id(foreign_key="training_enrolment.id", index=True)
    lesson_code: str = _code()
    answers: list[int] = Field(sa_type=sa.JSON())
    correct: int
    passed: bool = Field(sa_type=sa.Boolean())
    answered_at: datetime = _when()


# -- certificates --


class CertificateRow(SQLModel, table=True):
    """The certificate of a completion, verifiable by its ``code``. ``status`` is ``valid`` or
    ``revoked``; expiry is read from ``valid_until``. The timer notes when it gave notice of the
    expiry and announced it, each once."""

    __tablename__ = "training_certificate"

    id: str = _id(primary_key=True)
    completion_id: str = _id(foreign_key="training_completion.id", unique=True)
    learner_id: str = _id(foreign_key="training_learner.id", index=True)
    code: str = Field(sa_type=sa.String(10), unique=True)
    issued_on: date
    issued_at: datetime = _when()
    valid_until: date | None = Field(default=None, index=True)
    status: str = _code(16, index=True)
    revoked_at: datetime | None = _when(default=None)
    reason: str | None = _code(32, default=None)
    expiring_noticed_at: datetime | None = _when(default=None)
    expired_noticed_at: datetime | None = _when(default=None)
