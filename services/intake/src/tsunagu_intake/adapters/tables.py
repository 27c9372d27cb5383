"""The intake service's tables (SQLModel). The schema itself is made by the Alembic migrations
in ``adapters/migrations/versions``; these definitions must match them.

Personal data is only ever stored encrypted (``*_ct`` columns, sealed by :mod:`.vault` with the
person's own data key). Everything else is ids, codes, counts and times. Times are stored in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel
from tsunagu_servicekit.db import UTCDateTime


def _id(**kw: Any) -> Any:
    return Field(sa_type=sa.String(36), **kw)


def _when(**kw: Any) -> Any:
    return Field(sa_type=UTCDateTime(), **kw)


def _sealed() -> Any:
    return Field(default=None, sa_type=sa.LargeBinary())


class Person(SQLModel, table=True):
    """A pseudonymous person: the one consultations are about."""

    __tablename__ = "intake_person"

    id: str = _id(primary_key=True)
    user_number: str | None = Field(default=None, sa_type=sa.String(10), unique=True)
    password_hash: str | None = Field(default=None, sa_type=sa.String(200))
    recovery_hash: str | None = Field(default=None, sa_type=sa.String(200))
    nickname_digest: str | None = Field(default=None, sa_type=sa.String(64), index=True)
    phone_digest: str | None = Field(default=None, sa_type=sa.String(64), index=True)
    residence_code: str | None = Field(default=None, sa_type=sa.String(6))
    age_band: str = Field(sa_type=sa.String(16))
    created_at: datetime = _when()
    erased_at: datetime | None = _when(default=None)
    erasure_basis: str | None = Field(default=None, sa_type=sa.String(32))
    nickname_ct: bytes | None = _sealed()
    name_ct: bytes | None = _sealed()
    phone_ct: bytes | None = _sealed()
    email_ct: bytes | None = _sealed()
    address_ct: bytes | None = _sealed()


class VaultKek(SQLModel, table=True):
    """The key-encryption key of one calendar month (UTC), wrapped by a master key.

    Data keys are wrapped by the KEK of the month they were last (re-)wrapped in. Once the month
    plus the backup retention has passed and no data key uses it, the wrapped KEK is deleted
    (``wrapped_kek`` NULL, ``destroyed_at`` set): every older copy of a data key wrapped by it,
    in a backup or anywhere, can no longer be opened. The row stays as the record of when.
    """

    __tablename__ = "intake_vault_kek"

    id: str = Field(sa_type=sa.String(16), primary_key=True)
    master_key_id: str = Field(sa_type=sa.String(32))
    wrapped_kek: bytes | None = Field(default=None, sa_type=sa.LargeBinary())
    period_start: datetime = _when()
    period_end: datetime = _when()
    created_at: datetime = _when()
    destroyed_at: datetime | None = _when(default=None)


class PersonKey(SQLModel, table=True):
    """A person's data key, wrapped by the KEK ``kek_id`` (or, for a key not re-wrapped since KEKs
    came, by the master key ``key_id`` itself). Deleting the row erases the person.

    ``key_id`` names the master key in force when the key was last wrapped: the person's digests are
    keyed by it."""

    __tablename__ = "intake_person_key"

    person_id: str = _id(primary_key=True)
    key_id: str = Field(sa_type=sa.String(32))
    kek_id: str | None = Field(
        default=None, sa_type=sa.String(16), foreign_key="intake_vault_kek.id", index=True
    )
    wrapped_key: bytes = Field(sa_type=sa.LargeBinary())
    created_at: datetime = _when()


class LoginThrottle(SQLModel, table=True):
    """Failed web logins in a row for one user number, and the lock they led to.

    Keyed by a keyed digest of the normalised user number (never the number), so the table holds
    no identifier and numbers that do not exist are counted like those that do. A login attempt
    counts here before its password is checked; a successful one deletes the row.
    """

    __tablename__ = "intake_login_throttle"

    subject_digest: str = Field(sa_type=sa.String(64), primary_key=True)
    failures: int = Field(sa_type=sa.Integer())
    locked_until: datetime | None = _when(default=None)
    last_attempt_at: datetime = _when()


class Case(SQLModel, table=True):
    __tablename__ = "intake_case"

    id: str = _id(primary_key=True)
    person_id: str = _id(index=True)
    status: str = Field(sa_type=sa.String(16), index=True)
    risk_level: str = Field(sa_type=sa.String(16), index=True)
    municipality_code: str | None = Field(default=None, sa_type=sa.String(6), index=True)
    opened_channel: str = Field(sa_type=sa.String(16))
    opened_at: datetime = _when()
    updated_at: datetime = _when()
    closed_at: datetime | None = _when(default=None)
    close_reason: str | None = Field(default=None, sa_type=sa.String(32))


class CaseFlagRow(SQLModel, table=True):
    __tablename__ = "intake_case_flag"

    id: str = _id(primary_key=True)
    case_id: str = _id(index=True)
    flag: str = Field(sa_type=sa.String(32))
    set_at: datetime = _when()
    expires_at: datetime | None = _when(default=None)
    cleared_at: datetime | None = _when(default=None)
    set_by: str = Field(sa_type=sa.String(200))


class Consultation(SQLModel, table=True):
    __tablename__ = "intake_consultation"

    id: str = _id(primary_key=True)
    person_id: str = _id(index=True)
    case_id: str = _id(index=True)
    channel: str = Field(sa_type=sa.String(16))
    consulter: str = Field(sa_type=sa.String(16))
    received_at: datetime = _when()
    fiscal_year: int = Field(sa_type=sa.Integer(), index=True)
    received_month: str = Field(sa_type=sa.String(7))
    municipality_code: str | None = Field(default=None, sa_type=sa.String(6))
    age_band: str = Field(sa_type=sa.String(16))
    topics: list[str] = Field(default_factory=list, sa_type=sa.JSON())
    outside_hours: bool = Field(default=False, sa_type=sa.Boolean())
    triage: str = Field(default="none", sa_type=sa.String(32))
    is_returning: bool = Field(default=False, sa_type=sa.Boolean())
    recorded_by: str = Field(sa_type=sa.String(200))
    reply_due_at: datetime | None = _when(default=None, index=True)
    replied_at: datetime | None = _when(default=None)
    due_soon_announced_at: datetime | None = _when(default=None)
    overdue_announced_at: datetime | None = _when(default=None)
    notes_ct: bytes | None = _sealed()
    body_ct: bytes | None = _sealed()
    consulter_name_ct: bytes | None = _sealed()
    consulter_contact_ct: bytes | None = _sealed()


class EmailReply(SQLModel, table=True):
    __tablename__ = "intake_email_reply"

    id: str = _id(primary_key=True)
    consultation_id: str = _id(index=True)
    person_id: str = _id()
    case_id: str = _id()
    replied_at: datetime = _when()
    author: str = Field(sa_type=sa.String(200))
    sent_outside: bool = Field(default=False, sa_type=sa.Boolean())
    """Sent by the office's own mail (or told by phone) and recorded here: no reply-waiting mail."""
    body_ct: bytes | None = _sealed()


class ReplyDeadlineChangeRow(SQLModel, table=True):
    """Staff moved a reply deadline later: a pause (``paused_from`` to ``paused_until``) or an
    extension (``business_days``), with the reason sealed (it is the person's data)."""

    __tablename__ = "intake_reply_deadline_change"

    id: str = _id(primary_key=True)
    consultation_id: str = _id(index=True)
    person_id: str = _id()
    case_id: str = _id()
    kind: str = Field(sa_type=sa.String(16))
    changed_at: datetime = _when()
    changed_by: str = Field(sa_type=sa.String(200))
    previous_due_at: datetime = _when()
    due_at: datetime = _when()
    business_days: int | None = Field(default=None, sa_type=sa.Integer())
    paused_from: datetime | None = _when(default=None)
    paused_until: datetime | None = _when(default=None)
    reason_ct: bytes | None = _sealed()


class TimelineEntry(SQLModel, table=True):
    __tablename__ = "intake_timeline"

    id: str = _id(primary_key=True)
    case_id: str = _id(index=True)
    person_id: str = _id()
    at: datetime = _when()
    kind: str = Field(sa_type=sa.String(32))
    author: str = Field(sa_type=sa.String(200))
    codes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON())
    note_ct: bytes | None = _sealed()


class Escalation(SQLModel, table=True):
    __tablename__ = "intake_escalation"

    id: str = _id(primary_key=True)
    case_id: str = _id(index=True)
    person_id: str = _id()
    escalated_at: datetime = _when()
    trigger: str = Field(sa_type=sa.String(16))
    urgency: str = Field(sa_type=sa.String(16))
    reason_codes: list[str] = Field(default_factory=list, sa_type=sa.JSON())
    risk_level: str = Field(sa_type=sa.String(16))
    status: str = Field(sa_type=sa.String(16), index=True)
    escalated_by: str = Field(sa_type=sa.String(200))
    review_id: str | None = _id(default=None)
    """The expert team's agenda item, once scheduling placed the case (``CaseReviewScheduled``)."""
    meeting_date: date | None = Field(default=None, sa_type=sa.Date())
    """The day of the meeting the case was placed on."""
    reviewed_at: datetime | None = _when(default=None)
    brief_completed_at: datetime | None = _when(default=None)
    """When staff last wrote the brief's narrative (at once for an escalation by hand); ``None``
    while an escalation a rule started has only the brief built from its codes."""
    brief_ct: bytes | None = _sealed()


class Task(SQLModel, table=True):
    """Something the counsellor of a case is asked to decide (``domain.tasks``): ids, codes, times.

    ``review_id`` is unique: one task per expert-team review, however often its conclusion arrives.
    """

    __tablename__ = "intake_task"

    id: str = _id(primary_key=True)
    kind: str = Field(sa_type=sa.String(32))
    case_id: str = _id(index=True)
    person_id: str = _id()
    status: str = Field(sa_type=sa.String(16), index=True)
    assignee: str | None = Field(default=None, sa_type=sa.String(200), index=True)
    created_at: datetime = _when()
    review_id: str | None = _id(default=None, unique=True, index=True)
    escalation_id: str | None = _id(default=None)
    recommended_risk_level: str = Field(sa_type=sa.String(16))
    risk_level_then: str = Field(sa_type=sa.String(16))
    """The case's risk level when the task was made."""
    completed_at: datetime | None = _when(default=None)
    completed_by: str | None = Field(default=None, sa_type=sa.String(200))
    decline_reason: str | None = Field(default=None, sa_type=sa.String(32))


class HomeVisitRequest(SQLModel, table=True):
    __tablename__ = "intake_home_visit_request"

    id: str = _id(primary_key=True)
    person_id: str = _id(index=True)
    case_id: str = _id()
    municipality_code: str = Field(sa_type=sa.String(6), index=True)
    requested_at: datetime = _when()
    fiscal_year: int = Field(sa_type=sa.Integer())
    visits_requested: int = Field(sa_type=sa.Integer())
    status: str = Field(sa_type=sa.String(16))
    """Derived from what scheduling announced of the request's visits (``domain.home_visits``)."""
    rules_version: str = Field(sa_type=sa.String(7))
    age_band: str = Field(sa_type=sa.String(16))
    requested_by: str = Field(sa_type=sa.String(200))
    updated_at: datetime = _when()
    visits_under_cap: int | None = Field(default=None, sa_type=sa.Integer())
    """The visits scheduling made of the request when the person's yearly cap left fewer than
    requested (``HomeVisitCapReached``); ``None``: all of them."""
    notes_ct: bytes | None = _sealed()


class HomeVisitRow(SQLModel, table=True):
    """One visit of a home-visit request, as scheduling announced it (ids, codes, times): its last
    word only — scheduled (and when), took place, or cancelled."""

    __tablename__ = "intake_home_visit"

    id: str = _id(primary_key=True)
    request_id: str = _id(index=True)
    person_id: str = _id(index=True)
    case_id: str = _id()
    fiscal_year: int = Field(sa_type=sa.Integer())
    visit_number: int = Field(sa_type=sa.Integer())
    state: str = Field(sa_type=sa.String(16))
    appointment_id: str | None = _id(default=None)
    starts_at: datetime | None = _when(default=None)
    ends_at: datetime | None = _when(default=None)
    sequence: int | None = Field(default=None, sa_type=sa.Integer())
    """Of the scheduling whose time is kept: a move comes with a higher one."""
    outcome: str | None = Field(default=None, sa_type=sa.String(16))
    visited_at: datetime | None = _when(default=None)
    cancel_reason: str | None = Field(default=None, sa_type=sa.String(32))
    cancelled_at: datetime | None = _when(default=None)
    updated_at: datetime = _when()


class Contact(SQLModel, table=True):
    """A contact with a person that scheduling recorded, for the statistics: a consultation the
    person came to (``interview``) or a home visit that took place (``home_visit``). ``id`` is the
    appointment's or the visit's, so each counts once. Phone contacts are intake's consultations."""

    __tablename__ = "intake_contact"

    id: str = _id(primary_key=True)
    modality: str = Field(sa_type=sa.String(16))
    person_id: str = _id(index=True)
    case_id: str | None = _id(default=None)
    occurred_at: datetime = _when()
    fiscal_year: int = Field(sa_type=sa.Integer(), index=True)
    occurred_month: str = Field(sa_type=sa.String(7))
    municipality_code: str | None = Field(default=None, sa_type=sa.String(6))
    recorded_at: datetime = _when()


class ReferralRecord(SQLModel, table=True):
    """A referral of a case as intake learnt it from the partners service's events (ids, codes,
    times). The recipient is known once the offer has arrived (``offered_at``); answers may arrive
    before it, as each event type has its own consumer."""

    __tablename__ = "intake_referral"

    id: str = _id(primary_key=True)
    case_id: str = _id(index=True)
    person_id: str | None = _id(default=None)
    partner_id: str | None = _id(default=None)
    resource_id: str | None = _id(default=None)
    municipality_code: str | None = Field(default=None, sa_type=sa.String(6))
    support_kind: str | None = Field(default=None, sa_type=sa.String(32))
    offered_at: datetime | None = _when(default=None)
    accepted_at: datetime | None = _when(default=None)
    declined_at: datetime | None = _when(default=None)
    decline_reason: str | None = Field(default=None, sa_type=sa.String(32))
    withdrawn_at: datetime | None = _when(default=None)
    outcome: str | None = Field(default=None, sa_type=sa.String(16))
    outcome_on: date | None = Field(default=None, sa_type=sa.Date())
    outcome_reported_at: datetime | None = _when(default=None)


class Disclosure(SQLModel, table=True):
    """What a referral's recipient may read of a person: the fields of a redaction profile (as of
    its version), on a legal basis, for a purpose, until ``expires_at``. The fields are read from
    the vault when the recipient redeems it, so the person's erasure closes it at once."""

    __tablename__ = "intake_disclosure"

    id: str = _id(primary_key=True)
    referral_id: str = _id(index=True)
    case_id: str = _id(index=True)
    person_id: str = _id(index=True)
    legal_basis: str = Field(sa_type=sa.String(32))
    purpose: str = Field(sa_type=sa.String(32))
    profile: str = Field(sa_type=sa.String(32))
    profile_version: str = Field(sa_type=sa.String(7))
    partner_id: str | None = _id(default=None, index=True)
    resource_id: str | None = _id(default=None)
    municipality_code: str | None = Field(default=None, sa_type=sa.String(6), index=True)
    recorded_at: datetime = _when()
    recorded_by: str = Field(sa_type=sa.String(200))
    expires_at: datetime = _when()
    withdrawn_at: datetime | None = _when(default=None)
    withdrawal_reason: str | None = Field(default=None, sa_type=sa.String(32))
    first_redeemed_at: datetime | None = _when(default=None)


class PublicSession(SQLModel, table=True):
    """A session the public may sign up for, as scheduling announced it (``session.scheduled``),
    with the seats its registration events took: written by the consumers alone."""

    __tablename__ = "intake_public_session"

    id: str = _id(primary_key=True)
    kind: str = Field(sa_type=sa.String(32))
    starts_at: datetime = _when(index=True)
    ends_at: datetime = _when()
    capacity: int = Field(sa_type=sa.Integer())
    waitlist: bool = Field(sa_type=sa.Boolean())
    seats_taken: int = Field(default=0, sa_type=sa.Integer())
    recorded_at: datetime = _when()


class SessionSignup(SQLModel, table=True):
    """A person's sign-up on the public pages, and what scheduling answered: requested, then a
    seat (``registered``), the waitlist (``waitlisted``, at ``position``), ``refused`` with a
    ``reason``, or ``cancelled``."""

    __tablename__ = "intake_session_signup"

    id: str = _id(primary_key=True)
    person_id: str = _id(index=True)
    session_id: str = _id(index=True)
    status: str = Field(sa_type=sa.String(16))
    registration_id: str | None = _id(default=None)
    seat_no: int | None = Field(default=None, sa_type=sa.Integer())
    position: int | None = Field(default=None, sa_type=sa.Integer())
    reason: str | None = Field(default=None, sa_type=sa.String(32))
    requested_at: datetime = _when()
    updated_at: datetime = _when()
