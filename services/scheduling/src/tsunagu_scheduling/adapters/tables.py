"""The scheduling service's tables (SQLModel). The schema itself is made by the Alembic migrations
in ``adapters/migrations/versions``; these definitions must match them (a test compares them).

Double booking is prevented by constraints, not by checks in code:

* ``scheduling_slot_claim``: primary key ``(resource_kind, resource_id, slot_minute)`` — one holder per
  30-minute slot of each person, staff member and room;
* ``scheduling_registration``: ``UNIQUE (group_session_id, seat_no)`` — one person per seat; and one
  active registration per person and group session (partial unique index);
* ``scheduling_home_visit``: ``UNIQUE (person_id, fiscal_year, quota_no)`` — the yearly cap;
* ``scheduling_review``: ``UNIQUE (escalation_id)`` and ``UNIQUE (meeting_id, position)`` — one agenda
  item per escalation, no more items than places;
* ``scheduling_closed_case``: primary key ``case_id`` — a closure is recorded once;
* ``scheduling_erased_person``: primary key ``person_id`` — an erasure is recorded once;
* ``scheduling_qualification``: ``UNIQUE (completion_id, permission)`` — one qualification per
  completion and permission, whichever of training's events about it comes first;
* ``scheduling_known_case``: primary key ``case_id`` — a case (and its person) is learnt once,
  whichever of intake's events names it first.

The staff directory (``scheduling_staff_member``) is the one table that names anyone: staff, by the
``sub`` of their token, with the name and work address their mail goes to. It never reaches events
or logs; mail queued to staff names them ``staff:<sub>`` and the address is looked up when it goes.

Persons and cases are intake's pseudonymous ids; nothing here names anyone. Times are UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from tsunagu_servicekit.db import UTCDateTime


def _id(**kw: Any) -> Any:
    return Field(sa_type=sa.String(36), **kw)


def _code(length: int = 32, **kw: Any) -> Any:
    return Field(sa_type=sa.String(length), **kw)


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime(), **kw)


class Resource(SQLModel, table=True):
    """A counsellor, a peer supporter or a room. ``label`` is a room's name or a staff code."""

    __tablename__ = "scheduling_resource"

    id: str = _id(primary_key=True)
    kind: str = _code(16, index=True)
    label: str = Field(sa_type=sa.String(100))
    active: bool = Field(default=True, sa_type=sa.Boolean())
    capacity: int | None = Field(default=None, sa_type=sa.Integer())
    subject: str | None = Field(default=None, sa_type=sa.String(200), index=True)
    created_at: datetime = _when()


class StaffMember(SQLModel, table=True):
    """An entry of the staff directory: where the mail of the staff member whose token's ``sub`` is
    ``subject`` goes, and whether it goes at all (``active``)."""

    __tablename__ = "scheduling_staff_member"

    subject: str = Field(sa_type=sa.String(200), primary_key=True)
    display_name: str = Field(sa_type=sa.String(100))
    email: str = Field(sa_type=sa.String(254))
    active: bool = Field(default=True, sa_type=sa.Boolean())
    created_at: datetime = _when()
    updated_at: datetime = _when()


class WeeklyWindowRow(SQLModel, table=True):
    __tablename__ = "scheduling_weekly_window"

    id: str = _id(primary_key=True)
    resource_id: str = _id(index=True)
    weekday: int = Field(sa_type=sa.Integer())
    start_minute: int = Field(sa_type=sa.Integer())
    end_minute: int = Field(sa_type=sa.Integer())
    effective_from: date = Field(sa_type=sa.Date())
    effective_to: date | None = Field(default=None, sa_type=sa.Date())


class ExceptionRow(SQLModel, table=True):
    __tablename__ = "scheduling_availability_exception"

    id: str = _id(primary_key=True)
    resource_id: str = _id(index=True)
    day: date = Field(sa_type=sa.Date(), index=True)
    available: bool = Field(sa_type=sa.Boolean())
    start_minute: int | None = Field(default=None, sa_type=sa.Integer())
    end_minute: int | None = Field(default=None, sa_type=sa.Integer())
    created_at: datetime = _when()


class Appointment(SQLModel, table=True):
    """A booked time of a person with staff (and a room): consultation or home visit."""

    __tablename__ = "scheduling_appointment"

    id: str = _id(primary_key=True)
    kind: str = _code(16)
    status: str = _code(16, index=True)
    person_id: str = _id(index=True)
    case_id: str | None = _id(default=None, index=True)
    staff_id: str = _id(index=True)
    second_staff_id: str | None = _id(default=None, index=True)
    room_id: str | None = _id(default=None, index=True)
    visit_id: str | None = _id(default=None)
    starts_at: datetime = _when(index=True)
    ends_at: datetime = _when()
    requested_via: str = _code(16)
    sequence: int = Field(default=0, sa_type=sa.Integer())
    cancel_reason: str | None = _code(default=None)
    booked_by: str = Field(sa_type=sa.String(200))
    created_at: datetime = _when()
    updated_at: datetime = _when()


class SlotClaim(SQLModel, table=True):
    """One 30-minute slot of one resource, held by one appointment, group session or meeting."""

    __tablename__ = "scheduling_slot_claim"

    resource_kind: str = _code(16, primary_key=True)
    resource_id: str = _id(primary_key=True)
    slot_minute: int = Field(
        sa_type=sa.BigInteger(), primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    holder_kind: str = _code(16)
    holder_id: str = _id(index=True)


class Reminder(SQLModel, table=True):
    """The durable timer of an appointment's reminder (one per appointment)."""

    __tablename__ = "scheduling_reminder"

    appointment_id: str = _id(primary_key=True)
    due_at: datetime = _when(index=True)
    fired_at: datetime | None = _when(default=None)


class GroupSession(SQLModel, table=True):
    """A seminar, consultation day, briefing, lecture or peer session that people register for
    (called a "session" in the API; "group session" here, where a session is the database's)."""

    __tablename__ = "scheduling_group_session"

    id: str = _id(primary_key=True)
    kind: str = _code(32, index=True)
    status: str = _code(16)
    starts_at: datetime = _when(index=True)
    ends_at: datetime = _when()
    capacity: int = Field(sa_type=sa.Integer())
    waitlist: bool = Field(sa_type=sa.Boolean())
    room_id: str | None = _id(default=None)
    title: str = Field(sa_type=sa.Text())
    """Public, Japanese, NFKC: what the session is called on leaflets and pages. Its bound is on
    what is typed (``domain.texts``), so the column cuts nothing off."""
    venue: str | None = Field(default=None, sa_type=sa.Text())
    """Where it is held, as typed; without it, the room's label (if any) is the venue."""
    description: str | None = Field(default=None, sa_type=sa.Text())
    """Public text about the session (never about a person)."""
    created_at: datetime = _when()


class Registration(SQLModel, table=True):
    """A person's seat at (or waitlist place for) a group session. Ids are UUIDv7: they order the
    waitlist."""

    __tablename__ = "scheduling_registration"
    __table_args__ = (
        sa.UniqueConstraint("group_session_id", "seat_no", name="uq_scheduling_registration_seat"),
        sa.Index(
            "uq_scheduling_registration_active_person",
            "group_session_id",
            "person_id",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
    )

    id: str = _id(primary_key=True)
    group_session_id: str = _id(index=True)
    person_id: str = _id(index=True)
    case_id: str | None = _id(default=None)
    signup_id: str | None = _id(default=None)
    """The public sign-up (intake's) this registration answers, carried on its events."""
    status: str = _code(16)
    seat_no: int | None = Field(default=None, sa_type=sa.Integer())
    attendance: str | None = _code(16, default=None)
    """``present`` or ``absent``, recorded by staff once the session started (seated registrations)."""
    attendance_recorded_at: datetime | None = _when(default=None)
    attendance_recorded_by: str | None = Field(default=None, sa_type=sa.String(200))
    created_at: datetime = _when()
    updated_at: datetime = _when()


class HomeVisitRequest(SQLModel, table=True):
    """A municipality's request for home visits, as intake published it."""

    __tablename__ = "scheduling_home_visit_request"

    id: str = _id(primary_key=True)
    person_id: str = _id(index=True)
    case_id: str = _id()
    municipality_code: str = _code(6)
    fiscal_year: int = Field(sa_type=sa.Integer())
    visits_requested: int = Field(sa_type=sa.Integer())
    visits_granted: int = Field(sa_type=sa.Integer())
    age_band: str = _code(16)
    rules_version: str = _code(16)
    requested_at: datetime = _when()


class HomeVisit(SQLModel, table=True):
    """One visit of a request; ``quota_no`` is its place under the person's yearly cap."""

    __tablename__ = "scheduling_home_visit"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "fiscal_year", "quota_no", name="uq_scheduling_home_visit_quota"),
    )

    id: str = _id(primary_key=True)
    request_id: str = _id(index=True)
    person_id: str = _id(index=True)
    case_id: str = _id()
    municipality_code: str = _code(6, index=True)
    fiscal_year: int = Field(sa_type=sa.Integer())
    age_band: str = _code(16)
    visit_number: int = Field(sa_type=sa.Integer())
    quota_no: int | None = Field(default=None, sa_type=sa.Integer())
    status: str = _code(16, index=True)
    appointment_id: str | None = _id(default=None)
    sequence: int = Field(default=0, sa_type=sa.Integer())
    outcome: str | None = _code(default=None)
    visited_at: datetime | None = _when(default=None)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Meeting(SQLModel, table=True):
    """A case review meeting (regular or extra), a supporter exchange or a council meeting."""

    __tablename__ = "scheduling_meeting"
    __table_args__ = (sa.UniqueConstraint("kind", "extra", "meeting_date", name="uq_scheduling_meeting_day"),)

    id: str = _id(primary_key=True)
    kind: str = _code(32, index=True)
    extra: bool = Field(default=False, sa_type=sa.Boolean())
    fiscal_year: int = Field(sa_type=sa.Integer(), index=True)
    meeting_date: date = Field(sa_type=sa.Date(), index=True)
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    agenda_capacity: int | None = Field(default=None, sa_type=sa.Integer())
    room_id: str | None = _id(default=None)
    created_at: datetime = _when()


class MeetingMinutes(SQLModel, table=True):
    """The minutes of a meeting: free text that may name people, so it stays in this table and the
    API's answers to those who may read it (never in events, logs, spans or error bodies).
    Editable as a ``draft``; ``approved`` freezes it. ``revision`` counts the saves."""

    __tablename__ = "scheduling_meeting_minutes"

    meeting_id: str = _id(primary_key=True)
    text: str = Field(sa_type=sa.Text())
    status: str = _code(16)
    revision: int = Field(sa_type=sa.Integer())
    recorded_by: str = Field(sa_type=sa.String(200))
    recorded_at: datetime = _when()
    updated_by: str = Field(sa_type=sa.String(200))
    updated_at: datetime = _when()
    approved_by: str | None = Field(default=None, sa_type=sa.String(200))
    approved_at: datetime | None = _when(default=None)


class MeetingParticipant(SQLModel, table=True):
    """An organisation taking part in a meeting, with how many attend."""

    __tablename__ = "scheduling_meeting_participant"

    meeting_id: str = _id(primary_key=True)
    organisation_type: str = _code(32, primary_key=True)
    organisation_code: str = _code(36, primary_key=True)
    attendees: int = Field(sa_type=sa.Integer())


class Review(SQLModel, table=True):
    """A case on an expert-team agenda, from escalation to the team's advice."""

    __tablename__ = "scheduling_review"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "position", name="uq_scheduling_review_position"),)

    id: str = _id(primary_key=True)
    escalation_id: str = _id(unique=True)
    case_id: str = _id(index=True)
    person_id: str = _id()
    meeting_id: str = _id(index=True)
    position: int = Field(sa_type=sa.Integer())
    urgency: str = _code(16)
    placement: str = _code(16)
    status: str = _code(16, index=True)
    reason_codes: list[str] = Field(default_factory=list, sa_type=sa.JSON())
    risk_level: str = _code(16)
    municipality_code: str | None = _code(6, default=None)
    escalated_at: datetime = _when()
    escalation_event_id: str = _id()
    correlation_id: str = _id()
    traceparent: str | None = Field(default=None, sa_type=sa.String(64))
    tracestate: str | None = Field(default=None, sa_type=sa.String(512))
    advice: list[dict[str, Any]] | None = Field(default=None, sa_type=sa.JSON())
    recommended_risk: str | None = _code(16, default=None)
    advice_reference_id: str | None = _id(default=None)
    concluded_at: datetime | None = _when(default=None)
    concluded_by: str | None = Field(default=None, sa_type=sa.String(200))
    withdrawn_reason: str | None = _code(default=None)
    """Why the review left its agenda (``case_closed``, ``person_erased``); it no longer takes a place."""
    withdrawn_at: datetime | None = _when(default=None)
    created_at: datetime = _when()


class ClosedCase(SQLModel, table=True):
    """A case intake closed, kept so that an escalation or a home-visit request of the case that
    arrives after the closure (another consumer, another order) is let go of as well."""

    __tablename__ = "scheduling_closed_case"

    case_id: str = _id(primary_key=True)
    closed_at: datetime = _when()
    reason: str = _code()
    recorded_at: datetime = _when()


class ErasedPerson(SQLModel, table=True):
    """A person intake erased, kept so that an escalation or a home-visit request of theirs that
    arrives after the erasure (another consumer, another order) is let go of as well. The id and
    the time only: the pseudonymous id is all scheduling ever had of them."""

    __tablename__ = "scheduling_erased_person"

    person_id: str = _id(primary_key=True)
    erased_at: datetime = _when()


class KnownCase(SQLModel, table=True):
    """A case intake announced, and its person: what scheduling may book for (``domain.known``).

    Learnt from intake's events alone (a case opened, a consultation, a home-visit request, an
    escalation, a closure), whichever names the case first; a person is known when one of their
    cases is. ``recorded_at`` is when scheduling learnt it (incidental to a replay)."""

    __tablename__ = "scheduling_known_case"

    case_id: str = _id(primary_key=True)
    person_id: str = _id(index=True)
    recorded_at: datetime = _when()


class PartnerChangeRow(SQLModel, table=True):
    """A change of a partner organisation's agreement, as the partners service announced it
    (signed, renewed, resumed, suspended, ended, expired). The log is all scheduling knows of
    partners: who is active, and which endings take partners off joint sessions, are read from it
    (``domain.partners``). One row per partner, time and change: a repeated event adds nothing."""

    __tablename__ = "scheduling_partner_change"

    partner_id: str = _id(primary_key=True)
    changed_at: datetime = _when(primary_key=True)
    change: str = _code(16, primary_key=True)
    agreement_id: str = _id()
    effective_on: date | None = Field(default=None, sa_type=sa.Date())
    ends_on: date | None = Field(default=None, sa_type=sa.Date())


class SessionPartner(SQLModel, table=True):
    """A partner's participation in a joint session, from the partners service's events alone
    (no reference to ``scheduling_group_session``: a replay of partners' stream rebuilds it in an
    instance that does not hold the session). ``starts_at`` is the session's start as the event
    carried it, which is what endings are measured against."""

    __tablename__ = "scheduling_session_partner"

    participation_id: str = _id(primary_key=True)
    session_id: str = _id(index=True)
    partner_id: str = _id(index=True)
    starts_at: datetime = _when()
    registered_at: datetime = _when()
    withdrawn_at: datetime | None = _when(default=None)
    removed_at: datetime | None = _when(default=None)
    """When the agreement that took the partner off the session stopped."""
    removal_reason: str | None = _code(default=None)


class QualificationRow(SQLModel, table=True):
    """What a staff member (the identity provider's ``staff_subject``) may do, from one training
    completion and one permission (``home_visit``), or a ``legacy`` one carried over from the
    hand-set flag (no completion). Made by whichever of the completion's events arrives first:
    ``valid_from`` is null until the completion itself is known. See ``domain.qualifications``."""

    __tablename__ = "scheduling_qualification"
    __table_args__ = (
        sa.UniqueConstraint("completion_id", "permission", name="uq_scheduling_qualification_completion"),
    )

    id: str = _id(primary_key=True)
    staff_subject: str | None = Field(default=None, sa_type=sa.String(200), index=True)
    permission: str = _code()
    source: str = _code(16)
    completion_id: str | None = _id(default=None)
    valid_from: date | None = Field(default=None, sa_type=sa.Date())
    valid_until: date | None = Field(default=None, sa_type=sa.Date())
    expires_on: date | None = Field(default=None, sa_type=sa.Date())
    """The notice ahead (``CertificateExpiring``): the day the qualification is due to expire."""
    expired_on: date | None = Field(default=None, sa_type=sa.Date())
    """The first day without it (``CertificateExpired``)."""
    revoked_at: datetime | None = _when(default=None)
    recorded_at: datetime = _when()
    updated_at: datetime = _when()
