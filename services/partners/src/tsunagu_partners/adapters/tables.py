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


class EditionRow(SQLModel, table=True):
    """A published edition of the directory's printed matter: what it printed, as a digest."""

    __tablename__ = "partners_edition"

    number: int = Field(sa_type=sa.Integer(), primary_key=True, sa_column_kwargs={"autoincrement": False})
    id: str = Field(sa_type=sa.String(36), unique=True)
    fingerprint: str = Field(sa_type=sa.String(64))
    published_at: datetime = Field(sa_type=UTCDateTime())
    partner_count: int = Field(sa_type=sa.Integer())
    resource_count: int = Field(sa_type=sa.Integer())


class PrintRow(SQLModel, table=True):
    """One file of an edition: a leaflet (``area`` a municipality code, or ``tokyo``) or the memo."""

    __tablename__ = "partners_print"

    edition: int = Field(sa_type=sa.Integer(), primary_key=True, sa_column_kwargs={"autoincrement": False})
    item: str = Field(sa_type=sa.String(16), primary_key=True)
    area: str = Field(sa_type=sa.String(6), primary_key=True)
    pdf: bytes = Field(sa_type=sa.LargeBinary())
    sha256: str = Field(sa_type=sa.String(64))


class DistributionRow(SQLModel, table=True):
    """Copies of an edition's item handed out: to which recipient, how many, when."""

    __tablename__ = "partners_distribution"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    edition: int = Field(sa_type=sa.Integer(), index=True)
    item: str = Field(sa_type=sa.String(16))
    area: str = Field(sa_type=sa.String(6))
    recipient: str = Field(sa_type=sa.String(200))
    copies: int = Field(sa_type=sa.Integer())
    distributed_on: date = Field(sa_type=sa.Date())
    recorded_at: datetime = Field(sa_type=UTCDateTime())
