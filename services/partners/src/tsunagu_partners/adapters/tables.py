"""The partners service's tables (SQLModel). The schema is made by the Alembic migrations in
``adapters/migrations/versions``; a test checks that they match these definitions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from tsunagu_servicekit.db import UTCDateTime


class PartnerRow(SQLModel, table=True):
    """An organisation, from candidate to partner. Its name is public information about an
    organisation; the people who work there are not kept here."""

    __tablename__ = "partners_partner"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    name: str = Field(sa_type=sa.String(200))
    name_key: str = Field(sa_type=sa.String(200), unique=True)
    municipality_code: str | None = Field(default=None, sa_type=sa.String(6), index=True)
    state: str = Field(sa_type=sa.String(16), index=True)
    resource_id: str | None = Field(default=None, sa_type=sa.String(36))
    registered_at: datetime = Field(sa_type=UTCDateTime())


# -- agreements (協定) and what partners offer --------------------------------------------------


class ApplicationRow(SQLModel, table=True):
    """An application to become a partner: the self-assessment against the Support Guidelines,
    the recorded completion of the guideline training, and the review's outcome."""

    __tablename__ = "partners_application"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    partner_id: str = Field(sa_type=sa.String(36), foreign_key="partners_partner.id", index=True)
    status: str = Field(sa_type=sa.String(16))
    self_assessment: list[dict[str, Any]] = Field(sa_type=sa.JSON())
    """``[{"kind", "provides", "level"}]``, one entry per kind of support."""
    submitted_at: datetime = Field(sa_type=UTCDateTime())
    training_completed_on: date | None = Field(default=None, sa_type=sa.Date())
    training_staff_count: int | None = Field(default=None)
    training_course_code: str | None = Field(default=None, sa_type=sa.String(32))
    training_recorded_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class AgreementRow(SQLModel, table=True):
    """An agreement signed with a partner. A renewal is a new agreement whose
    ``predecessor_id`` is the one it follows (and which names it as ``successor_id``)."""

    __tablename__ = "partners_agreement"
    __table_args__ = (sa.UniqueConstraint("fiscal_year", "sequence"),)

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    partner_id: str = Field(sa_type=sa.String(36), foreign_key="partners_partner.id", index=True)
    application_id: str = Field(sa_type=sa.String(36), foreign_key="partners_application.id")
    number: str = Field(sa_type=sa.String(32), unique=True)
    fiscal_year: int
    sequence: int
    template_version: str = Field(sa_type=sa.String(32))
    support_kinds: list[str] = Field(sa_type=sa.JSON())
    status: str = Field(sa_type=sa.String(16), index=True)
    effective_on: date = Field(sa_type=sa.Date())
    ends_on: date = Field(sa_type=sa.Date(), index=True)
    term_months: int | None = Field(default=None)
    renewal_due_on: date = Field(sa_type=sa.Date(), index=True)
    renewal_announced_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    predecessor_id: str | None = Field(default=None, sa_type=sa.String(36))
    successor_id: str | None = Field(default=None, sa_type=sa.String(36))
    signed_at: datetime = Field(sa_type=UTCDateTime())
    suspended_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    end_reason: str | None = Field(default=None, sa_type=sa.String(32))
    ended_on: date | None = Field(default=None, sa_type=sa.Date())
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    """When it ended, expired or was taken over by its successor."""


class AgreementCounterRow(SQLModel, table=True):
    """The last agreement sequence number given in a fiscal year (numbers are PA-<year>-<seq>)."""

    __tablename__ = "partners_agreement_counter"

    fiscal_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int


class OfferingRow(SQLModel, table=True):
    """What a partner offers, as it publishes it. The municipalities it serves are rows of
    ``partners_offering_municipality`` (so partners can be found by municipality)."""

    __tablename__ = "partners_offering"

    partner_id: str = Field(sa_type=sa.String(36), foreign_key="partners_partner.id", primary_key=True)
    support_kinds: list[str] = Field(sa_type=sa.JSON())
    targets: list[str] = Field(sa_type=sa.JSON())
    age_bands: list[str] = Field(sa_type=sa.JSON())
    fee_yen: int
    languages: list[str] = Field(sa_type=sa.JSON())
    accessibility: list[str] = Field(sa_type=sa.JSON())
    capacity: int | None = Field(default=None)
    places_available: int | None = Field(default=None)
    updated_at: datetime = Field(sa_type=UTCDateTime())
    places_updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime())


class OfferingMunicipalityRow(SQLModel, table=True):
    """A municipality a partner serves."""

    __tablename__ = "partners_offering_municipality"

    partner_id: str = Field(
        sa_type=sa.String(36), foreign_key="partners_offering.partner_id", primary_key=True
    )
    municipality_code: str = Field(sa_type=sa.String(6), primary_key=True, index=True)
