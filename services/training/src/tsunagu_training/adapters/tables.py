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
