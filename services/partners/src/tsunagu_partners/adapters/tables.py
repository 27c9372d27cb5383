"""The partners service's tables (SQLModel). The schema is made by the Alembic migrations in
``adapters/migrations/versions``; a test checks that they match these definitions."""

from __future__ import annotations

from datetime import date, datetime

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


class ReferralRow(SQLModel, table=True):
    """A referral of a case to a partner (``partner_id``) or to a municipal window (``resource_id``
    with its ``municipality_code``). Ids and codes only: the personal detail the recipient needs
    is disclosed through intake. ``person_id`` and ``case_id`` are forgotten (NULL) once intake
    erases the person; the row stays, so the counts still add up."""

    __tablename__ = "partners_referral"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    case_id: str | None = Field(default=None, sa_type=sa.String(36), index=True)
    person_id: str | None = Field(default=None, sa_type=sa.String(36), index=True)
    recipient_kind: str = Field(sa_type=sa.String(16))
    partner_id: str | None = Field(default=None, sa_type=sa.String(36), index=True)
    resource_id: str | None = Field(default=None, sa_type=sa.String(36))
    municipality_code: str | None = Field(default=None, sa_type=sa.String(6), index=True)
    support_kind: str = Field(sa_type=sa.String(32))
    state: str = Field(sa_type=sa.String(16), index=True)
    offered_at: datetime = Field(sa_type=UTCDateTime())
    offered_by: str = Field(sa_type=sa.String(200))
    accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    declined_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    decline_reason: str | None = Field(default=None, sa_type=sa.String(32))
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    outcome: str | None = Field(default=None, sa_type=sa.String(16))
    outcome_on: date | None = Field(default=None, sa_type=sa.Date())
    outcome_reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    person_erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    updated_at: datetime = Field(sa_type=UTCDateTime())


class ErasedPersonRow(SQLModel, table=True):
    """A person intake erased (``PersonErased``): a referral is not offered for them again. The
    pseudonymous id alone, kept so an offer racing the erasure is refused."""

    __tablename__ = "partners_erased_person"

    person_id: str = Field(sa_type=sa.String(36), primary_key=True)
    erased_at: datetime = Field(sa_type=UTCDateTime())
