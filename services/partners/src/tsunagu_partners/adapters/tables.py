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
    """A published edition of the directory's printed matter. ``snapshot`` holds what it prints
    (the public listings and the Support Net's line as of publication), so every file of the
    edition renders the same whenever it is asked for; ``fingerprint`` is its digest."""

    __tablename__ = "partners_edition"

    number: int = Field(sa_type=sa.Integer(), primary_key=True, sa_column_kwargs={"autoincrement": False})
    id: str = Field(sa_type=sa.String(36), unique=True)
    fingerprint: str = Field(sa_type=sa.String(64))
    snapshot: dict[str, Any] = Field(sa_type=sa.JSON())
    published_at: datetime = Field(sa_type=UTCDateTime())
    partner_count: int = Field(sa_type=sa.Integer())
    resource_count: int = Field(sa_type=sa.Integer())


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


# -- agreements (協定) and what partners offer --------------------------------------------------


class ApplicationRow(SQLModel, table=True):
    """An application to become a partner: the self-assessment against the Support Guidelines and
    the review's outcome. The guideline training is the organisation's, from the training service's
    events (``QualificationRow``), not the application's."""

    __tablename__ = "partners_application"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    partner_id: str = Field(sa_type=sa.String(36), foreign_key="partners_partner.id", index=True)
    status: str = Field(sa_type=sa.String(16))
    self_assessment: list[dict[str, Any]] = Field(sa_type=sa.JSON())
    """``[{"kind", "provides", "level"}]``, one entry per kind of support."""
    submitted_at: datetime = Field(sa_type=UTCDateTime())
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


# -- joint briefing and consultation sessions (合同説明相談会) ------------------------------------


class JointSessionRow(SQLModel, table=True):
    """A joint briefing and consultation session, as scheduling announced it (``SessionScheduled``
    of kind ``joint_briefing``): only what partners need to take part in it."""

    __tablename__ = "partners_joint_session"

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    starts_at: datetime = Field(sa_type=UTCDateTime(), index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime())
    announced_at: datetime = Field(sa_type=UTCDateTime())


class ParticipationRow(SQLModel, table=True):
    """A partner's registration for a joint session. At most one registered row per session and
    partner (a partial unique index); a withdrawn or removed one stays as history."""

    __tablename__ = "partners_session_participation"
    __table_args__ = (
        sa.Index(
            "uq_partners_session_participation_registered",
            "session_id",
            "partner_id",
            unique=True,
            sqlite_where=sa.text("status = 'registered'"),
            postgresql_where=sa.text("status = 'registered'"),
        ),
    )

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    session_id: str = Field(sa_type=sa.String(36), foreign_key="partners_joint_session.id", index=True)
    partner_id: str = Field(sa_type=sa.String(36), foreign_key="partners_partner.id", index=True)
    status: str = Field(sa_type=sa.String(16))
    registered_at: datetime = Field(sa_type=UTCDateTime())
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    removal_reason: str | None = Field(default=None, sa_type=sa.String(32))


# -- the municipal start-up subsidy, from the subsidy service's events -----------------------------


class SubsidyApplicationRow(SQLModel, table=True):
    """A municipality's application for the start-up subsidy, as the subsidy service's events tell
    it (no call to that service). Every value is merged by the events' own times, so the row is the
    same whatever order the events came in (``domain/subsidy.py``). Amounts are whole yen."""

    __tablename__ = "partners_subsidy_application"

    application_id: str = Field(sa_type=sa.String(36), primary_key=True)
    municipality_code: str = Field(sa_type=sa.String(6), index=True)
    fiscal_year: int = Field(sa_type=sa.Integer())
    status: str = Field(sa_type=sa.String(16))
    """What the network view shows: the latest step, a confirmation with nothing left to pay closed."""
    step: str | None = Field(default=None, sa_type=sa.String(16))
    """The status the latest event (by its own time) put the application in; none while only
    advance payments are known."""
    step_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    decided_amount: int | None = Field(default=None, sa_type=sa.BigInteger())
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    confirmed_amount: int | None = Field(default=None, sa_type=sa.BigInteger())
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    paid_total: int = Field(default=0, sa_type=sa.BigInteger())
    refund_claimed: int = Field(default=0, sa_type=sa.BigInteger())
    refund_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    """When the latest application event says it applied; none until that event has arrived."""


# -- the Support Guidelines training, from the training service's events ----------------------------


class QualificationRow(SQLModel, table=True):
    """One completion of the Support Guidelines training (permission ``partner_guideline``) as the
    training service announced it, no call to that service: it counts for the organisation
    (``partner_id``: it may be signed) and for the member of staff (``staff_subject``, the identity
    provider's ``sub``: they may accept referrals) while it is valid. Made by whichever of the
    completion's events arrives first; ``valid_from`` is null until the completion itself is known
    (``domain/qualifications.py``). A ``legacy`` row is a training the office recorded by hand
    before the training service existed: the organisation's, for ``staff_count`` staff, no subject."""

    __tablename__ = "partners_qualification"
    __table_args__ = (
        sa.UniqueConstraint("completion_id", "permission", name="uq_partners_qualification_completion"),
    )

    id: str = Field(sa_type=sa.String(36), primary_key=True)
    permission: str = Field(sa_type=sa.String(32))
    source: str = Field(sa_type=sa.String(16))
    completion_id: str | None = Field(default=None, sa_type=sa.String(36))
    partner_id: str | None = Field(default=None, sa_type=sa.String(36), index=True)
    staff_subject: str | None = Field(default=None, sa_type=sa.String(200), index=True)
    learner_id: str | None = Field(default=None, sa_type=sa.String(36))
    course_code: str | None = Field(default=None, sa_type=sa.String(48))
    staff_count: int = Field(default=1, sa_type=sa.Integer())
    valid_from: date | None = Field(default=None, sa_type=sa.Date())
    valid_until: date | None = Field(default=None, sa_type=sa.Date())
    expires_on: date | None = Field(default=None, sa_type=sa.Date())
    """The notice ahead (``CertificateExpiring``): the day it is due to expire."""
    expired_on: date | None = Field(default=None, sa_type=sa.Date())
    """The first day without it (``CertificateExpired``)."""
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime())
    recorded_at: datetime = Field(sa_type=UTCDateTime())
    updated_at: datetime = Field(sa_type=UTCDateTime())
