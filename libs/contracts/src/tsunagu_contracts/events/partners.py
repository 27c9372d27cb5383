"""Events of the partners service: partner organisations and their agreements, local resources,
the municipal network, referrals and the public directory.

Every field is an id, a code, a count, a date or a time. Organisations, resources and windows are
ids of the partners service; cases and persons are the pseudonymous ids intake gives them. Names,
contact details, notes and the personal detail a partner needs never travel on the bus: the
partner reads that detail through intake's disclosure API (architecture §3).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from ..envelope import ID_PATTERN, EventData
from ..registry import event

__all__ = [
    "AgreementEndReason",
    "AgreementEnded",
    "AgreementExpired",
    "AgreementRenewalDue",
    "AgreementRenewed",
    "AgreementResumed",
    "AgreementSigned",
    "AgreementSuspended",
    "DirectoryPublished",
    "NetworkMeetingRecorded",
    "PartnerApplicationRefused",
    "PartnerApplied",
    "PartnerOfferingUpdated",
    "PartnerRegistered",
    "ReferralAccepted",
    "ReferralDeclineReason",
    "ReferralDeclined",
    "ReferralOffered",
    "ReferralOutcome",
    "ReferralOutcomeReported",
    "ReferralWithdrawn",
    "ResourceKind",
    "ResourceListed",
    "SessionParticipationRegistered",
    "SessionParticipationWithdrawn",
    "SupportKind",
    "SupportTarget",
]

Id = Annotated[str, Field(pattern=ID_PATTERN)]
MunicipalityCode = Annotated[str, Field(pattern=r"^13[0-9]{4}$")]


class SupportKind(StrEnum):
    """The three kinds of support the Support Guidelines (ひきこもり等のサポートガイドライン) name."""

    CONSULTATION = "consultation"
    PLACE_TO_BELONG = "place_to_belong"
    SOCIAL_PARTICIPATION = "social_participation"


class SupportTarget(StrEnum):
    """Whom an organisation or resource supports: the person, the family, or both (two codes)."""

    PERSON = "person"
    FAMILY = "family"


class ResourceKind(StrEnum):
    """Kinds of local resource (地域資源) in the directory."""

    PLACE_TO_BELONG = "place_to_belong"
    FAMILY_ASSOCIATION = "family_association"
    NPO = "npo"
    CLINIC = "clinic"
    MUNICIPAL_WINDOW = "municipal_window"
    OTHER = "other"


class AgreementEndReason(StrEnum):
    """Why an agreement ended before its term ran out."""

    PARTNER_REQUEST = "partner_request"
    GUIDELINE_BREACH = "guideline_breach"
    ORGANISATION_DISSOLVED = "organisation_dissolved"
    OTHER = "other"


class ReferralDeclineReason(StrEnum):
    """Why a partner or a municipal window declined a referral."""

    NO_CAPACITY = "no_capacity"
    OUTSIDE_AREA = "outside_area"
    OUTSIDE_TARGET = "outside_target"
    SUPPORT_NOT_OFFERED = "support_not_offered"
    PERSON_DECLINED = "person_declined"
    OTHER = "other"


class ReferralOutcome(StrEnum):
    """What came of an accepted referral, as the recipient reports it."""

    CONNECTED = "connected"
    NOT_CONNECTED = "not_connected"
    ONGOING = "ongoing"


@event("partners", "partner", "registered", 1)
class PartnerRegistered(EventData):
    """An organisation was registered as a candidate partner, recruited or found among the local
    resources (``resource_id``, when it came from there)."""

    partner_id: Id
    registered_at: AwareDatetime
    municipality_code: MunicipalityCode | None = None
    resource_id: Id | None = None


@event("partners", "partner", "applied", 1)
class PartnerApplied(EventData):
    """A candidate applied to become a partner, with a self-assessment against the Support
    Guidelines; ``support_kinds`` are the kinds it assesses itself as providing."""

    partner_id: Id
    application_id: Id
    support_kinds: list[SupportKind] = Field(min_length=1, max_length=len(SupportKind))
    applied_at: AwareDatetime


@event("partners", "partner", "application_refused", 1)
class PartnerApplicationRefused(EventData):
    """The programme office refused an application after review; the organisation is a candidate
    again and may apply once more."""

    partner_id: Id
    application_id: Id
    refused_at: AwareDatetime


@event("partners", "partner", "offering_updated", 1)
class PartnerOfferingUpdated(EventData):
    """A partner changed what it offers: support kinds, targets and the municipalities it serves.
    ``places_available`` is the live capacity of a place to belong, when it runs one."""

    partner_id: Id
    support_kinds: list[SupportKind] = Field(min_length=1, max_length=len(SupportKind))
    targets: list[SupportTarget] = Field(min_length=1, max_length=len(SupportTarget))
    municipality_codes: list[MunicipalityCode] = Field(max_length=62)
    places_available: int | None = Field(default=None, ge=0)
    updated_at: AwareDatetime


@event("partners", "agreement", "signed", 1)
class AgreementSigned(EventData):
    """Tokyo and an organisation signed an agreement (協定): from ``effective_on`` the organisation
    is an active partner, until ``ends_on`` (inclusive) unless renewed, suspended or ended.
    ``template_version`` is the version of the agreement template it was signed on."""

    agreement_id: Id
    partner_id: Id
    agreement_number: str = Field(pattern=r"^[A-Z0-9-]{1,32}$")
    template_version: str = Field(pattern=r"^[0-9A-Za-z.\-]{1,32}$")
    effective_on: date
    ends_on: date
    support_kinds: list[SupportKind] = Field(min_length=1, max_length=len(SupportKind))
    signed_at: AwareDatetime


@event("partners", "agreement", "renewed", 1)
class AgreementRenewed(EventData):
    """An agreement was renewed: ``agreement_id`` is the new agreement, which follows
    ``previous_agreement_id`` without a gap."""

    agreement_id: Id
    previous_agreement_id: Id
    partner_id: Id
    agreement_number: str = Field(pattern=r"^[A-Z0-9-]{1,32}$")
    template_version: str = Field(pattern=r"^[0-9A-Za-z.\-]{1,32}$")
    effective_on: date
    ends_on: date
    signed_at: AwareDatetime


@event("partners", "agreement", "renewal_due", 1)
class AgreementRenewalDue(EventData):
    """An agreement ends soon and has not been renewed: the configured number of business days
    before ``ends_on`` has been reached."""

    agreement_id: Id
    partner_id: Id
    ends_on: date
    due_on: date


@event("partners", "agreement", "suspended", 1)
class AgreementSuspended(EventData):
    """An agreement was suspended: the partner is not active (no referrals, no sessions) until it
    is resumed."""

    agreement_id: Id
    partner_id: Id
    suspended_at: AwareDatetime


@event("partners", "agreement", "resumed", 1)
class AgreementResumed(EventData):
    """A suspended agreement was resumed: the partner is active again."""

    agreement_id: Id
    partner_id: Id
    resumed_at: AwareDatetime


@event("partners", "agreement", "ended", 1)
class AgreementEnded(EventData):
    """An agreement was ended before its term ran out; the partner is no longer active."""

    agreement_id: Id
    partner_id: Id
    reason: AgreementEndReason
    ended_on: date
    ended_at: AwareDatetime


@event("partners", "agreement", "expired", 1)
class AgreementExpired(EventData):
    """An agreement's term ran out without renewal; the partner is no longer active."""

    agreement_id: Id
    partner_id: Id
    ends_on: date
    expired_at: AwareDatetime


@event("partners", "resource", "listed", 1)
class ResourceListed(EventData):
    """A local resource (a place to belong, a family association, an NPO, a clinic, a municipal
    consultation window) was added to the directory or changed."""

    resource_id: Id
    kind: ResourceKind
    municipality_code: MunicipalityCode
    support_kinds: list[SupportKind] = Field(max_length=len(SupportKind))
    listed_at: AwareDatetime


@event("partners", "network_meeting", "recorded", 1)
class NetworkMeetingRecorded(EventData):
    """An information-exchange meeting between the Support Net and a municipality was recorded.
    Participants, topics and follow-ups stay in the partners service."""

    meeting_id: Id
    municipality_code: MunicipalityCode
    held_on: date
    follow_up_count: int = Field(ge=0)
    recorded_at: AwareDatetime


@event("partners", "referral", "offered", 1)
class ReferralOffered(EventData):
    """A counsellor referred a case to a partner (``partner_id``) or to a municipal consultation
    window (``resource_id`` with its ``municipality_code``). Exactly one recipient is given. The
    personal detail the recipient needs is disclosed through intake, never here."""

    referral_id: Id
    case_id: Id
    person_id: Id | None = None
    partner_id: Id | None = None
    resource_id: Id | None = None
    municipality_code: MunicipalityCode | None = None
    support_kind: SupportKind
    offered_at: AwareDatetime


@event("partners", "referral", "accepted", 1)
class ReferralAccepted(EventData):
    """The recipient accepted a referral."""

    referral_id: Id
    case_id: Id
    accepted_at: AwareDatetime


@event("partners", "referral", "declined", 1)
class ReferralDeclined(EventData):
    """The recipient declined a referral; a disclosure made for it can no longer be read."""

    referral_id: Id
    case_id: Id
    reason: ReferralDeclineReason
    declined_at: AwareDatetime


@event("partners", "referral", "withdrawn", 1)
class ReferralWithdrawn(EventData):
    """The referring counsellor withdrew a referral; a disclosure made for it can no longer be read."""

    referral_id: Id
    case_id: Id
    withdrawn_at: AwareDatetime


@event("partners", "referral", "outcome_reported", 1)
class ReferralOutcomeReported(EventData):
    """The recipient reported what came of an accepted referral, as of ``outcome_on``."""

    referral_id: Id
    case_id: Id
    outcome: ReferralOutcome
    outcome_on: date
    reported_at: AwareDatetime


@event("partners", "directory", "published", 1)
class DirectoryPublished(EventData):
    """A new edition of the public directory and its printed matter (the leaflets and the pocket
    memo) was generated. ``edition`` counts up from 1; ``edition_id`` is the event's subject."""

    edition_id: Id
    edition: int = Field(ge=1)
    partner_count: int = Field(ge=0)
    resource_count: int = Field(ge=0)
    published_at: AwareDatetime


@event("partners", "session_participation", "registered", 1)
class SessionParticipationRegistered(EventData):
    """A partner registered to take part in one of scheduling's joint briefing and consultation
    sessions (合同説明相談会). ``starts_at`` is the session's start as scheduling announced it, so a
    consumer can place the participation in time without the session itself."""

    participation_id: Id
    session_id: Id
    partner_id: Id
    starts_at: AwareDatetime
    registered_at: AwareDatetime


@event("partners", "session_participation", "withdrawn", 1)
class SessionParticipationWithdrawn(EventData):
    """A partner withdrew from a joint session it had registered for. It carries what the
    registration carried, so it can be applied before the registration has been seen."""

    participation_id: Id
    session_id: Id
    partner_id: Id
    starts_at: AwareDatetime
    registered_at: AwareDatetime
    withdrawn_at: AwareDatetime
