"""Events of the intake service: consultations, cases, escalation, e-mail replies, home visits, erasure.

Every field is an id, a code, a band, a flag, a count or a time: personal detail (names, contact
details, addresses, the text of consultations and notes) stays encrypted in the intake service's
vault and never travels (architecture §3). ``person_id`` and ``case_id`` are pseudonymous UUIDs
that mean nothing outside the programme.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from ..envelope import ID_PATTERN, EventData
from ..registry import event

__all__ = [
    "AgeBand",
    "CaseClosed",
    "CaseEscalated",
    "CaseFlag",
    "CaseOpened",
    "CaseRiskAssessed",
    "Channel",
    "CloseReason",
    "ConsultationReceived",
    "Consulter",
    "DisclosurePurpose",
    "DisclosureRecorded",
    "DisclosureRedeemed",
    "DisclosureWithdrawalReason",
    "DisclosureWithdrawn",
    "EmailReplied",
    "EmailReplyDeadlineExtended",
    "EmailReplyDueSoon",
    "EmailReplyOverdue",
    "ErasureBasis",
    "EscalationReason",
    "EscalationTrigger",
    "HomeVisitRequested",
    "LegalBasis",
    "PersonErased",
    "ReplyDeadlineChange",
    "RiskLevel",
    "Topic",
    "Triage",
    "Urgency",
]

Id = Annotated[str, Field(pattern=ID_PATTERN)]
"""A canonical lower-case UUID (pseudonymous ids of people, cases, consultations, requests)."""

MUNICIPALITY_CODE_PATTERN = r"^13[0-9]{4}$"
"""Six-digit local government code of a Tokyo municipality (全国地方公共団体コード, check digit included)."""

MunicipalityCode = Annotated[str, Field(pattern=MUNICIPALITY_CODE_PATTERN)]
FiscalYear = Annotated[
    int, Field(ge=2000, le=2099, description="Fiscal year (April-March) by its first year")
]


class Channel(StrEnum):
    """How the consultation reached the programme."""

    PHONE = "phone"
    EMAIL = "email"
    ONLINE = "online"
    PEER_ONLINE = "peer_online"
    IN_PERSON = "in_person"
    HOME_VISIT = "home_visit"


class Consulter(StrEnum):
    """Who consulted: the person themself, a family member, or someone else (statistics count them apart)."""

    PERSON = "person"
    FAMILY = "family"
    OTHER = "other"


class AgeBand(StrEnum):
    """Age of the person the consultation is about, as a band (never an exact age)."""

    UNDER_15 = "under_15"
    AGE_15_19 = "15_19"
    AGE_20_29 = "20_29"
    AGE_30_39 = "30_39"
    AGE_40_49 = "40_49"
    AGE_50_59 = "50_59"
    AGE_60_69 = "60_69"
    AGE_70_PLUS = "70_plus"
    UNKNOWN = "unknown"


class Topic(StrEnum):
    """What a consultation is about (codes chosen by staff or the web form)."""

    WITHDRAWAL = "withdrawal"
    FAMILY_RELATIONS = "family_relations"
    SCHOOL = "school"
    EMPLOYMENT = "employment"
    MENTAL_HEALTH = "mental_health"
    PHYSICAL_HEALTH = "physical_health"
    DEVELOPMENTAL = "developmental"
    DAILY_LIFE = "daily_life"
    FINANCES = "finances"
    VIOLENCE = "violence"
    SOCIAL_PARTICIPATION = "social_participation"
    OTHER = "other"


class Triage(StrEnum):
    """The web form's triage: a request for diagnosis or an emergency gets an immediate answer."""

    NONE = "none"
    DIAGNOSIS_REQUEST = "diagnosis_request"
    EMERGENCY = "emergency"


class RiskLevel(StrEnum):
    """Risk level of a case, set by staff."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class CaseFlag(StrEnum):
    """Flags on a case; each may carry an expiry."""

    SUICIDE_RISK = "suicide_risk"
    SELF_HARM = "self_harm"
    VIOLENCE_RISK = "violence_risk"
    ABUSE_SUSPECTED = "abuse_suspected"
    MEDICAL_URGENT = "medical_urgent"
    DIAGNOSIS_REQUEST = "diagnosis_request"
    EMERGENCY_CONTACT = "emergency_contact"
    FAMILY_CRISIS = "family_crisis"
    FINANCIAL_CRISIS = "financial_crisis"
    NO_CONTACT = "no_contact"


class EscalationReason(StrEnum):
    """Why a case goes to the multidisciplinary expert team."""

    SUICIDE_RISK = "suicide_risk"
    SELF_HARM = "self_harm"
    VIOLENCE_RISK = "violence_risk"
    ABUSE_SUSPECTED = "abuse_suspected"
    MEDICAL_QUESTION = "medical_question"
    PSYCHIATRIC_ASSESSMENT = "psychiatric_assessment"
    LEGAL_ISSUE = "legal_issue"
    WELFARE_BENEFITS = "welfare_benefits"
    FAMILY_CONFLICT = "family_conflict"
    LONG_TERM_WITHDRAWAL = "long_term_withdrawal"
    NO_PROGRESS = "no_progress"
    CRITICAL_RISK = "critical_risk"
    OTHER = "other"


class Urgency(StrEnum):
    """How soon the expert team should look at an escalated case."""

    ROUTINE = "routine"
    URGENT = "urgent"
    IMMEDIATE = "immediate"


class EscalationTrigger(StrEnum):
    """Whether a counsellor escalated the case or a rule did."""

    MANUAL = "manual"
    AUTOMATIC = "automatic"


class CloseReason(StrEnum):
    """Why a case was closed."""

    RESOLVED = "resolved"
    REFERRED = "referred"
    MOVED_AWAY = "moved_away"
    NO_CONTACT = "no_contact"
    PERSON_REQUEST = "person_request"
    OTHER = "other"


class ErasureBasis(StrEnum):
    """On what ground a person's data was erased."""

    PERSON_REQUEST = "person_request"
    RETENTION_EXPIRED = "retention_expired"
    LEGAL_OBLIGATION = "legal_obligation"


@event("intake", "consultation", "received", 1)
class ConsultationReceived(EventData):
    """A consultation was received on one of the programme's channels.

    Staff record phone, online, peer-online, in-person and home-visit consultations; people
    registered for web consultation submit e-mail consultations themselves. ``consulter`` says
    whether the person, a family member or someone else consulted; ``person_id`` is always the
    person the consultation is about. ``outside_hours`` marks a phone consultation logged while
    the line was closed (a call-back, say).
    """

    consultation_id: Id
    person_id: Id
    case_id: Id
    channel: Channel
    consulter: Consulter
    received_at: AwareDatetime
    fiscal_year: FiscalYear
    municipality_code: MunicipalityCode | None = None
    age_band: AgeBand = AgeBand.UNKNOWN
    topics: list[Topic] = Field(default_factory=list, max_length=12)
    outside_hours: bool = False
    triage: Triage = Triage.NONE
    returning: bool = Field(default=False, description="The person had consulted before")
    reply_due_at: AwareDatetime | None = Field(
        default=None, description="E-mail consultations: when the reply is due (3 business days)"
    )


@event("intake", "case", "opened", 1)
class CaseOpened(EventData):
    """A case was opened: the ongoing support of one person or household begins."""

    case_id: Id
    person_id: Id
    opened_at: AwareDatetime
    channel: Channel
    risk_level: RiskLevel = RiskLevel.LOW
    municipality_code: MunicipalityCode | None = None


@event("intake", "case", "risk_assessed", 1)
class CaseRiskAssessed(EventData):
    """Staff set a case's risk level and flags; ``flags`` lists the flags active afterwards."""

    case_id: Id
    person_id: Id
    assessed_at: AwareDatetime
    risk_level: RiskLevel
    previous_risk_level: RiskLevel
    flags: list[CaseFlag] = Field(default_factory=list, max_length=len(CaseFlag))


@event("intake", "case", "escalated", 1)
class CaseEscalated(EventData):
    """A case was escalated to the multidisciplinary expert team (medicine, psychology, law, welfare).

    The event carries ids and codes only; the de-identified brief stays in intake, where
    expert-team members read it through the API. ``trigger`` says whether a counsellor escalated
    the case or a rule did (high-risk flags, critical risk).
    """

    escalation_id: Id
    case_id: Id
    person_id: Id
    escalated_at: AwareDatetime
    trigger: EscalationTrigger
    urgency: Urgency
    reason_codes: list[EscalationReason] = Field(min_length=1, max_length=len(EscalationReason))
    risk_level: RiskLevel
    municipality_code: MunicipalityCode | None = None


@event("intake", "case", "closed", 1)
class CaseClosed(EventData):
    """A case was closed."""

    case_id: Id
    person_id: Id
    closed_at: AwareDatetime
    reason: CloseReason


@event("intake", "email_reply", "due_soon", 1)
class EmailReplyDueSoon(EventData):
    """The reply to an e-mail consultation is due soon and has not been sent yet (announced once)."""

    consultation_id: Id
    case_id: Id
    due_at: AwareDatetime
    triage: Triage = Triage.NONE


@event("intake", "email_reply", "overdue", 1)
class EmailReplyOverdue(EventData):
    """The reply to an e-mail consultation is past its due time (announced once)."""

    consultation_id: Id
    case_id: Id
    due_at: AwareDatetime
    triage: Triage = Triage.NONE


class ReplyDeadlineChange(StrEnum):
    """How staff moved a reply deadline later."""

    PAUSE = "pause"
    """Counting stopped for a time: business days whose cut-off fell inside it do not count."""
    EXTENSION = "extension"
    """Business days added after the deadline."""


@event("intake", "email_reply", "deadline_extended", 1)
class EmailReplyDeadlineExtended(EventData):
    """Staff moved the reply deadline of an e-mail consultation later: a pause or an extension.

    ``due_at`` replaces ``previous_due_at`` (and the ``reply_due_at`` the consultation was received
    with); later announcements of the reply carry it. The reason stays in intake. A pause that
    holds no business day's end before the deadline moves nothing and raises no event.
    """

    consultation_id: Id
    case_id: Id
    change_id: Id
    kind: ReplyDeadlineChange
    changed_at: AwareDatetime
    previous_due_at: AwareDatetime
    due_at: AwareDatetime
    business_days: int | None = Field(
        default=None, ge=1, le=20, description="Extensions: the business days added"
    )
    paused_from: AwareDatetime | None = Field(default=None, description="Pauses: when counting stopped")
    paused_until: AwareDatetime | None = Field(default=None, description="Pauses: when it went on")
    triage: Triage = Triage.NONE


@event("intake", "email", "replied", 1)
class EmailReplied(EventData):
    """Staff replied to an e-mail consultation; the person reads the reply after logging in."""

    consultation_id: Id
    case_id: Id
    reply_id: Id
    replied_at: AwareDatetime
    due_at: AwareDatetime
    within_due: bool


@event("intake", "home_visit", "requested", 1)
class HomeVisitRequested(EventData):
    """A municipality requested home visits for a person, and the request met the eligibility rules.

    ``rules_version`` names the version of the eligibility rules (data, not code) that admitted it.
    """

    request_id: Id
    person_id: Id
    case_id: Id
    municipality_code: MunicipalityCode
    requested_at: AwareDatetime
    fiscal_year: FiscalYear
    visits_requested: int = Field(ge=1, le=12)
    age_band: AgeBand
    rules_version: str = Field(pattern=r"^[0-9]{4}-[0-9]{2}$")


@event("intake", "person", "erased", 1)
class PersonErased(EventData):
    """A person's personal data was erased (their data key destroyed); delete what you hold for these ids."""

    person_id: Id
    erased_at: AwareDatetime
    basis: ErasureBasis
    case_ids: list[Id] = Field(default_factory=list, max_length=1000)


# -- disclosures: the personal detail a referral's recipient needs, read through intake's API ---


class LegalBasis(StrEnum):
    """On what ground personal data is disclosed to a referral's recipient (APPI art. 27): the
    person's consent, the family's consent (when the person cannot be asked), a statutory support
    meeting (支援会議, Social Welfare Act art. 106-6, whose members share information under a duty of
    confidentiality), or the vital interest of the person (life, body or property at risk)."""

    PERSON_CONSENT = "person_consent"
    FAMILY_CONSENT = "family_consent"
    SUPPORT_MEETING = "support_meeting"
    VITAL_INTEREST = "vital_interest"


class DisclosurePurpose(StrEnum):
    """What the recipient may use the disclosed detail for."""

    CONNECT_SUPPORT = "connect_support"
    """To contact the person or family and start the support the referral asks for."""
    CONTINUE_SUPPORT = "continue_support"
    """To go on supporting them together with the programme."""
    SUPPORT_MEETING = "support_meeting"
    """To discuss the case in a support meeting (支援会議)."""
    SAFETY = "safety"
    """To protect the person's life or safety."""


class DisclosureWithdrawalReason(StrEnum):
    """Why a counsellor withdrew a disclosure before it expired."""

    CONSENT_WITHDRAWN = "consent_withdrawn"
    NO_LONGER_NEEDED = "no_longer_needed"
    RECORDED_IN_ERROR = "recorded_in_error"


RedactionProfile = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
"""The name of a redaction profile: a named set of fields, versioned data of intake."""
ProfileVersion = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$")]


@event("intake", "disclosure", "recorded", 1)
class DisclosureRecorded(EventData):
    """A counsellor recorded a disclosure for a referral: its recipient (the referral's: a partner,
    or a municipal window with its municipality) may read the fields of ``profile`` (as of
    ``profile_version``) through intake's API until ``expires_at``, on ``legal_basis`` and for
    ``purpose``. The detail itself never travels on the bus."""

    disclosure_id: Id
    referral_id: Id
    case_id: Id
    person_id: Id
    legal_basis: LegalBasis
    purpose: DisclosurePurpose
    profile: RedactionProfile
    profile_version: ProfileVersion
    partner_id: Id | None = None
    resource_id: Id | None = None
    municipality_code: MunicipalityCode | None = None
    expires_at: AwareDatetime
    recorded_at: AwareDatetime


@event("intake", "disclosure", "redeemed", 1)
class DisclosureRedeemed(EventData):
    """The recipient read a disclosure for the first time (every read is in intake's access log)."""

    disclosure_id: Id
    referral_id: Id
    case_id: Id
    redeemed_at: AwareDatetime


@event("intake", "disclosure", "withdrawn", 1)
class DisclosureWithdrawn(EventData):
    """A counsellor withdrew a disclosure: its recipient can no longer read it."""

    disclosure_id: Id
    referral_id: Id
    case_id: Id
    reason: DisclosureWithdrawalReason
    withdrawn_at: AwareDatetime


@event("intake", "session_signup", "requested", 1)
class SessionSignupRequested(EventData):
    """A person signed up on the public pages for a session scheduling announced (a family seminar
    or an individual consultation day). Scheduling registers them, a seat or the waitlist, and
    says so with the registration's event carrying this ``signup_id``; or it refuses
    (``scheduling.session.signup_refused``). Intake vouches for the person: they registered with it."""

    signup_id: Id
    person_id: Id
    session_id: Id
    requested_at: AwareDatetime
