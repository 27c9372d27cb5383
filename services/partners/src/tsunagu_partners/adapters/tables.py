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


# -- local resources, recruitment and the network with the municipalities ----------------------


class ResourceRow(SQLModel, table=True):
    """A local resource (地域資源) in the directory. Its name and contact window are an
    organisation's public ones; no person is kept here. ``support_kinds``, ``targets`` and
    ``opening_hours`` (the calendar library's data form) are JSON: a directory of this size is
    filtered on them after the municipality and the kind have narrowed it in SQL."""

    __tablename__ = "partners_resource"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    kind: str = Field(sa_type=sa.String(24), index=True)
    name: str = Field(sa_type=sa.String(200))
    name_key: str = Field(sa_type=sa.String(200))
    municipality_code: str = Field(sa_type=sa.String(6), index=True)
    support_kinds: list[str] = Field(default_factory=list, sa_type=sa.JSON())
    targets: list[str] = Field(default_factory=list, sa_type=sa.JSON())
    contact_phone: str | None = Field(default=None, sa_type=sa.String(32))
    contact_email: str | None = Field(default=None, sa_type=sa.String(254))
    contact_url: str | None = Field(default=None, sa_type=sa.String(500))
    contact_address: str | None = Field(default=None, sa_type=sa.String(200))
    opening_hours: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON())
    publication_consented: bool = Field(sa_type=sa.Boolean())
    publication_consented_on: date | None = Field(default=None, sa_type=sa.Date())
    partner_id: str | None = Field(default=None, sa_type=sa.String(36), index=True)
    listed_at: datetime = Field(sa_type=UTCDateTime())
    updated_at: datetime = Field(sa_type=UTCDateTime())


class OutreachRow(SQLModel, table=True):
    """One contact with a resource the programme office hopes to recruit. ``note`` is internal: it
    is shown to staff and never leaves the service."""

    __tablename__ = "partners_outreach"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    resource_id: str = Field(sa_type=sa.String(36), foreign_key="partners_resource.id", index=True)
    contacted_on: date = Field(sa_type=sa.Date())
    channel: str = Field(sa_type=sa.String(16))
    outcome: str = Field(sa_type=sa.String(24))
    note: str | None = Field(default=None, sa_type=sa.String(500))
    recorded_at: datetime = Field(sa_type=UTCDateTime())


class NetworkStatusRow(SQLModel, table=True):
    """A municipality's place in the network: its council, its support base, and its named
    contacts (municipal staff: personal data, kept here only)."""

    __tablename__ = "partners_network_status"

    municipality_code: str = Field(sa_type=sa.String(6), primary_key=True)
    council_established: bool = Field(sa_type=sa.Boolean())
    support_base: str = Field(sa_type=sa.String(32))
    contacts: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON())
    updated_at: datetime = Field(sa_type=UTCDateTime())


class NetworkMeetingRow(SQLModel, table=True):
    """An information-exchange meeting between the Support Net and a municipality. Participants
    and the topics' texts are internal."""

    __tablename__ = "partners_network_meeting"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    municipality_code: str = Field(sa_type=sa.String(6), index=True)
    held_on: date = Field(sa_type=sa.Date())
    participants: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON())
    topics: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON())
    recorded_at: datetime = Field(sa_type=UTCDateTime())


class FollowUpRow(SQLModel, table=True):
    """Something agreed at a network meeting: what, who owns it, when it is due, when it was done."""

    __tablename__ = "partners_network_follow_up"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    meeting_id: str = Field(sa_type=sa.String(36), foreign_key="partners_network_meeting.id", index=True)
    position: int = Field(sa_type=sa.Integer())
    action: str = Field(sa_type=sa.String(300))
    owner: str = Field(sa_type=sa.String(100))
    due_on: date = Field(sa_type=sa.Date())
    done_on: date | None = Field(default=None, sa_type=sa.Date())
