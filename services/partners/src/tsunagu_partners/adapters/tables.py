"""The partners service's tables (SQLModel). The schema is made by the Alembic migrations in
``adapters/migrations/versions``; a test checks that they match these definitions."""

from __future__ import annotations

from datetime import datetime

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
