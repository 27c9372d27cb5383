"""What the use cases answer with, also the HTTP response bodies.

Views that hold personal data are answered only to reads made with a purpose (and logged); the rest
carry ids, codes, counts and times. Times are aware: UTC, or Asia/Tokyo where the view says so.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from tsunagu_contracts.events.intake import DisclosurePurpose, DisclosureWithdrawalReason, LegalBasis

from ..domain.codes import (
    AgeBand,
    CaseFlag,
    CaseStatus,
    Channel,
    Consulter,
    EscalationReason,
    HomeVisitStatus,
    ReplyDeadlineChange,
    RiskLevel,
    TaskDeclineReason,
    TaskKind,
    TaskStatus,
    Topic,
    Triage,
    Urgency,
)
from ..domain.home_visits import VisitState
from ..domain.sla import ReplyState


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


# -- cases ---------------------------------------------------------------------------------------


class FlagView(View):
    """A flag in force on a case."""

    flag: str
    set_at: datetime
    expires_at: datetime | None


class EscalationSummary(View):
    """An escalation of a case, as its summary lists it (codes only)."""

    escalation_id: str
    escalated_at: datetime
    trigger: str
    urgency: str
    reason_codes: list[str]
    status: str


class CaseSummary(View):
    """A case without personal data. ``flags`` and ``escalations`` are listed for one case, not
    in search results."""

    case_id: str
    person_id: str
    status: CaseStatus
    risk_level: RiskLevel
    municipality_code: str | None
    opened_channel: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    person_erased: bool
    consultations: int
    flags: list[FlagView] = Field(default_factory=list)
    escalations: list[EscalationSummary] = Field(default_factory=list)


class TimelineItem(View):
    """One entry of a case's timeline; its note decrypted, or ``note_erased`` once the person was."""

    entry_id: str
    at: datetime
    kind: str
    author: str
    codes: dict[str, Any]
    note: str | None
    note_erased: bool


class NoteAdded(View):
    entry_id: str


class RiskAssessed(View):
    """The case's risk and flags after an assessment, and the escalation it started, if any."""

    case_id: str
    risk_level: RiskLevel
    flags: list[str]
    escalation_id: str | None


class Escalated(View):
    escalation_id: str


class CaseClosure(View):
    closed_at: datetime


# -- consultations -------------------------------------------------------------------------------


class ConsultationRecorded(View):
    """A consultation recorded, the case it joined (or opened), and its reply deadline (web)."""

    consultation_id: str
    person_id: str
    case_id: str
    case_opened: bool
    returning: bool
    outside_hours: bool
    received_at: datetime
    reply_due_at: datetime | None
    triage: Triage = Triage.NONE


class ReplyDeadlineChangeView(View):
    """A pause or an extension of a consultation's reply deadline, with its reason."""

    change_id: str
    kind: ReplyDeadlineChange
    changed_at: datetime
    changed_by: str
    previous_due_at: datetime
    due_at: datetime
    business_days: int | None
    paused_from: datetime | None
    paused_until: datetime | None
    reason: str | None
    """``None`` once the person's data was erased."""


class ReplyDeadlineChanged(View):
    """A reply deadline moved (or, for a pause that held no business day's end, left as it was);
    times in Asia/Tokyo."""

    consultation_id: str
    change_id: str
    kind: ReplyDeadlineChange
    previous_due_at: datetime
    reply_due_at: datetime


class ConsultationView(View):
    """One consultation with its personal data (a logged read)."""

    consultation_id: str
    person_id: str
    case_id: str
    channel: Channel
    consulter: Consulter
    received_at: datetime
    municipality_code: str | None
    topics: list[str]
    outside_hours: bool
    triage: Triage
    returning: bool
    reply_due_at: datetime | None
    replied_at: datetime | None
    notes: str | None
    body: str | None
    consulter_name: str | None
    consulter_contact: str | None
    reply_deadline_changes: list[ReplyDeadlineChangeView] = []
    """Pauses and extensions of the reply deadline, oldest first."""


class ReplySent(View):
    reply_id: str


class QueueItem(View):
    """An unanswered web consultation and where it stands against its deadline (no text)."""

    consultation_id: str
    case_id: str
    received_at: datetime
    reply_due_at: datetime
    state: ReplyState
    triage: Triage
    flags: list[str]


# -- escalations ---------------------------------------------------------------------------------


class EscalationView(View):
    """An escalation as the expert team's list shows it: ids and codes."""

    escalation_id: str
    case_id: str
    escalated_at: datetime
    trigger: str
    urgency: str
    reason_codes: list[str]
    risk_level: str
    status: str
    has_brief: bool
    brief_completed_at: datetime | None = None
    """When staff last wrote the brief's narrative; ``None`` while an escalation a rule started has
    only the brief built from the case's codes."""
    review_id: str | None
    """The expert team's agenda item, as soon as scheduling placed the case on a meeting."""
    meeting_date: date | None
    """The day of that meeting."""


class BriefFactsView(View):
    """The part of a brief built from the case's codes, bands and counts (escalations a rule
    started): no name, contact detail, address or free text."""

    age_band: AgeBand
    consulters: list[Consulter]
    topics: list[Topic]
    triage: list[Triage]
    """The web form's triage of the case's consultations, other than ``none``."""
    flags: list[CaseFlag]
    risk_level: RiskLevel
    previous_risk_level: RiskLevel | None
    reason_codes: list[EscalationReason]
    urgency: Urgency
    days_since_first_contact: int
    """Tokyo days from the case's first contact to the escalation."""
    consultations: int
    other_contacts: int
    """Interviews people came to and home visits that took place."""
    municipality_code: str | None


class BriefView(View):
    """The de-identified brief of an escalation (a logged read). For an escalation a rule started,
    ``facts`` is built from the case's codes and ``summary`` is made of them until staff write the
    narrative (``completed_at``)."""

    escalation_id: str
    case_id: str
    reason_codes: list[str]
    urgency: str
    summary: str | None
    background: str | None
    question: str | None
    trigger: str | None = None
    facts: BriefFactsView | None = None
    completed_at: datetime | None = None
    """When staff last wrote the narrative; ``None`` while only the facts are there."""


class BriefCompleted(View):
    escalation_id: str
    completed_at: datetime


# -- home visits ---------------------------------------------------------------------------------


class HomeVisitItem(View):
    """One visit of a request, as scheduling announced it: ids, codes and times."""

    visit_id: str
    visit_number: int
    """Which of the person's visits of the fiscal year it is."""
    status: VisitState
    starts_at: datetime | None
    """When it is held (the latest time scheduling gave it)."""
    ends_at: datetime | None
    outcome: str | None
    """Whom the visit met (``met_person``, ``met_family``, ``no_contact``), once it took place."""
    visited_at: datetime | None
    cancel_reason: str | None


class HomeVisitView(View):
    """A request as the requesting municipality sees it: ids, codes, its status and its visits, as
    the scheduling service announces them (a visit still to schedule is listed once it has a time)."""

    request_id: str
    person_id: str
    case_id: str
    municipality_code: str
    requested_at: datetime
    fiscal_year: int
    visits_requested: int
    visits_granted: int
    """The visits scheduling made of the request: fewer than requested when the person's yearly cap
    left fewer."""
    status: HomeVisitStatus
    rules_version: str
    updated_at: datetime
    visits: list[HomeVisitItem]


# -- persons -------------------------------------------------------------------------------------


class PersonCandidate(View):
    """A possible returning person: ids and counts only."""

    person_id: str
    open_case_id: str | None
    consultations: int
    last_consulted_at: datetime | None


class PersonView(View):
    """A person's personal details (a logged read)."""

    person_id: str
    user_number: str | None
    residence_code: str | None
    age_band: AgeBand
    created_at: datetime
    nickname: str | None
    name: str | None
    phone: str | None
    email: str | None
    address: str | None


class ErasureRecorded(View):
    erased_at: datetime
    person_ids: list[str]
    """Every record erased: the person, then the linked records named with them, oldest first
    (the order of their ``PersonErased`` events)."""


class LinkedPerson(View):
    """Another record that shares a person's nickname or phone (keyed digests): ids and counts only."""

    person_id: str
    matched_on: list[Literal["nickname", "phone"]]
    case_ids: list[str]
    consultations: int
    last_consulted_at: datetime | None


class AccessRecord(View):
    """One read of a person's data: who, when, which record, for what purpose."""

    at: datetime
    subject: str
    record_type: str
    record_id: str
    purpose: str


# -- reference -----------------------------------------------------------------------------------


class LineStatus(View):
    """Whether the phone line is open; times in Asia/Tokyo."""

    open: bool
    now: datetime
    closes_at: datetime | None
    next_opening: datetime | None
    holiday_name: str | None
    closure_day: bool


# -- web consultation ----------------------------------------------------------------------------


class Registered(View):
    """The user number (利用者番号) the person logs in with, and the recovery code (復旧コード) that
    resets a forgotten password: shown this once, and stored only as a hash."""

    user_number: str
    recovery_code: str


class PasswordReset(View):
    """The password was changed; the recovery code used is spent and this new one replaces it."""

    recovery_code: str


class SignupRequested(View):
    """The sign-up was passed on to scheduling; its answer shows in ``GET /web/signups``."""

    signup_id: str


class OwnSignup(View):
    """One of the person's sign-ups and where it stands: ``requested`` (waiting for scheduling),
    ``registered`` (a seat), ``waitlisted`` (at ``position`` when it was made), ``refused`` (with
    ``reason``) or ``cancelled``."""

    signup_id: str
    session_id: str
    kind: str | None
    starts_at: datetime | None
    status: str
    seat_no: int | None
    position: int | None
    reason: str | None


class LoginToken(View):
    """A web user's login token and how many seconds it lasts."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ImmediateAnswerView(View):
    """The fixed answer an emergency or a request for diagnosis gets at once."""

    code: str
    message: str


class Submitted(View):
    """A web consultation received: when its reply is due, and an immediate answer where triage
    calls for one."""

    consultation_id: str
    received_at: datetime
    reply_due_at: datetime | None
    triage: Triage
    immediate_answer: ImmediateAnswerView | None = None


class ReplyView(View):
    reply_id: str
    replied_at: datetime
    body: str | None


class OwnConsultation(View):
    """One of the web user's own consultations with the replies to it."""

    consultation_id: str
    received_at: datetime
    reply_due_at: datetime | None
    triage: Triage
    body: str | None
    replies: list[ReplyView] = Field(default_factory=list)


# -- disclosures -----------------------------------------------------------------------------------


class DisclosureView(View):
    """A disclosure without the personal data it opens: its basis, purpose, profile, recipient and
    dates, and whether it can still be read (``unreadable_because`` names the rule when not)."""

    disclosure_id: str
    referral_id: str
    case_id: str
    legal_basis: LegalBasis
    purpose: DisclosurePurpose
    profile: str
    profile_version: str
    fields: list[str]
    partner_id: str | None
    resource_id: str | None
    municipality_code: str | None
    recorded_at: datetime
    expires_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: DisclosureWithdrawalReason | None
    first_redeemed_at: datetime | None
    unreadable_because: str | None


class DisclosedFields(View):
    """The fields of the redaction profile, and no other (absent when the profile does not name
    them; null when the person has no such detail recorded)."""

    nickname: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    age_band: AgeBand | None = None
    residence_code: str | None = None
    risk_level: RiskLevel | None = None
    flags: list[CaseFlag] | None = None


class RedeemedDisclosure(View):
    """What the recipient reads: the profile's fields of the person, decrypted; the read is logged."""

    disclosure_id: str
    referral_id: str
    case_id: str
    legal_basis: LegalBasis
    purpose: DisclosurePurpose
    profile: str
    profile_version: str
    expires_at: datetime
    fields: DisclosedFields


class RedactionProfilesView(View):
    """The redaction profiles in force today: each name with the fields it discloses."""

    version: str
    effective_from: date
    profiles: dict[str, list[str]]


# -- tasks ---------------------------------------------------------------------------------------


class TaskView(View):
    """A task for the counsellor of a case (ids, codes, times); ``title`` says it in Japanese."""

    task_id: str
    kind: TaskKind
    title: str
    case_id: str
    assignee: str | None
    """The counsellor who escalated the case; ``None``: anyone's to complete."""
    status: TaskStatus
    created_at: datetime
    review_id: str | None
    escalation_id: str | None
    recommended_risk_level: RiskLevel
    risk_level_then: RiskLevel
    """The case's risk level when the task was made."""
    completed_at: datetime | None
    completed_by: str | None
    decline_reason: TaskDeclineReason | None
