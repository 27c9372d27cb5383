"""Response bodies of the partners service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from tsunagu_contracts.events.partners import (
    AgreementEndReason,
    ReferralDeclineReason,
    ReferralOutcome,
    ResourceKind,
    SupportKind,
    SupportTarget,
)

from ..domain.agreements import AgreementStatus, ApplicationStatus, AssessmentLevel
from ..domain.directory import KIND_JA, Listing, PrintItem
from ..domain.network import MeetingTopic, ParticipantKind, SupportBase
from ..domain.offerings import AccessibilityCode
from ..domain.partners import PartnerState
from ..domain.referrals import RecipientKind, ReferralState
from ..domain.resources import OutreachChannel, OutreachOutcome
from ..domain.sessions import ParticipationStatus
from ..domain.subsidy import SubsidyStatus


class PartnerView(BaseModel):
    """A partner organisation as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    municipality_code: str | None
    state: PartnerState
    resource_id: str | None
    registered_at: datetime


class ListingView(BaseModel):
    """One public listing of the directory: a partner organisation or a local resource."""

    id: str
    kind: str = Field(description="`partner`, or the kind of local resource")
    kind_label: str = Field(description="The kind in Japanese, as the page shows it")
    name: str
    municipality_code: str | None
    municipalities_served: list[str]
    support_kinds: list[SupportKind]
    targets: list[SupportTarget]
    phone: str | None
    url: str | None
    address: str | None
    hours: str | None = Field(description="Opening hours as Japanese notices state them")
    open_now: bool | None = Field(description="Whether it is open now; null where its hours are not known")
    places_available: int | None

    @classmethod
    def of(cls, item: Listing) -> ListingView:
        return cls(
            id=item.id,
            kind=item.kind,
            kind_label=KIND_JA.get(item.kind, item.kind),
            name=item.name,
            municipality_code=item.municipality_code,
            municipalities_served=list(item.municipalities_served),
            support_kinds=list(item.support_kinds),
            targets=list(item.targets),
            phone=item.phone,
            url=item.url,
            address=item.address,
            hours=item.hours,
            open_now=item.open_now,
            places_available=item.places_available,
        )


class SupportNetView(BaseModel):
    """The Support Net's line: its number and its hours in force today."""

    model_config = ConfigDict(from_attributes=True)

    phone: str
    phone_hours: str
    email_hours: str


class DirectoryView(BaseModel):
    """The public directory's answer to a search."""

    support_net: SupportNetView
    listings: list[ListingView]
    as_of: datetime


class PrintFileView(BaseModel):
    """One file of an edition: the leaflet of a municipality (or ``tokyo``), or the memo."""

    item: PrintItem
    area: str
    href: str


class EditionView(BaseModel):
    """A published edition of the directory's printed matter."""

    number: int
    published_at: datetime
    partner_count: int
    resource_count: int
    files: list[PrintFileView]


class DistributionView(BaseModel):
    """Copies of an edition's item handed out."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    edition: int
    item: PrintItem
    area: str
    recipient: str
    copies: int
    distributed_on: date
    recorded_at: datetime


# -- local resources, recruitment and the network with the municipalities ----------------------


class HoursRecordView(BaseModel):
    """One effective-dated weekly record, in the calendar library's data form."""

    channel: str
    effective_from: date
    effective_to: date | None
    weekly: dict[str, list[list[str]]]
    observe_closures: bool


class ContactWindowView(BaseModel):
    """The organisation's public contact window."""

    phone: str | None
    email: str | None
    url: str | None
    address: str | None


class ResourceView(BaseModel):
    """A local resource as staff see it; ``open_now`` is the calendar's answer at the time of the
    request (national holidays and the year-end closure included)."""

    id: str
    kind: ResourceKind
    name: str
    municipality_code: str
    support_kinds: list[SupportKind]
    targets: list[SupportTarget]
    contact: ContactWindowView
    opening_hours: list[HoursRecordView]
    open_now: bool
    publication_consented: bool
    publication_consented_on: date | None
    partner_id: str | None
    listed_at: datetime
    updated_at: datetime


class OutreachView(BaseModel):
    """One entry of a resource's outreach log (staff only)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    resource_id: str
    contacted_on: date
    channel: OutreachChannel
    outcome: OutreachOutcome
    note: str | None
    recorded_at: datetime


class NetworkContactView(BaseModel):
    """A named contact of a municipality."""

    name: str
    section: str | None
    phone: str | None
    email: str | None


class NetworkStatusView(BaseModel):
    """A municipality's place in the network as last recorded."""

    council_established: bool
    support_base: SupportBase
    contacts: list[NetworkContactView]
    updated_at: datetime


class SubsidyYearView(BaseModel):
    """The municipality's start-up subsidy (ひきこもり支援推進体制立ち上げ支援補助事業) in one fiscal
    year, as the subsidy service's events tell it. Where a year had more than one application, the
    one with a standing decision speaks for it, else the one still open, else the latest. Amounts
    are whole yen."""

    fiscal_year: int = Field(description="Fiscal year from April: 2025 is 令和7年度")
    fiscal_year_label: str = Field(description="The fiscal year in Japanese, e.g. 令和7年度")
    status: SubsidyStatus
    decided_amount: int | None = Field(description="The amount of the decision in force; null before one")
    confirmed_amount: int | None = Field(description="The amount confirmed (額の確定); null before then")
    paid_total: int = Field(description="Everything paid so far, advances (概算払) and balance (精算払)")
    refund_claimed: int = Field(description="The refund (返還) claimed back; 0 when none was")


class MunicipalityNetworkView(BaseModel):
    """One municipality in the network: its consultation windows, its status (none until it is
    first recorded), its latest meeting, the follow-ups still open, and its start-up subsidy by
    fiscal year."""

    municipality_code: str
    name_ja: str
    name_en: str
    windows: list[ResourceView]
    status: NetworkStatusView | None
    last_meeting_on: date | None
    open_follow_ups: int
    subsidy: list[SubsidyYearView] = Field(
        description="The start-up subsidy per fiscal year applied for, the earliest first (from the "
        "subsidy service's events)"
    )


class NetworkOverviewRow(BaseModel):
    """One of the 62 municipalities in the overview of the network."""

    municipality_code: str
    name_ja: str
    name_en: str
    council_established: bool | None
    support_base: SupportBase | None
    window_count: int
    last_meeting_on: date | None
    open_follow_ups: int
    subsidy_years_used: int = Field(
        description="Fiscal years with a standing start-up subsidy decision (what the limit of "
        "years counts: decided, change requested, reported, confirmed or closed)"
    )
    subsidy_status: SubsidyStatus | None = Field(
        description="The start-up subsidy's status in the latest fiscal year applied for; null "
        "when the municipality never applied"
    )


class ParticipantView(BaseModel):
    kind: ParticipantKind
    name: str


class TopicView(BaseModel):
    code: MeetingTopic
    text: str | None


class FollowUpView(BaseModel):
    """Something agreed at a meeting."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    action: str
    owner: str
    due_on: date
    done_on: date | None


class MeetingView(BaseModel):
    """An information-exchange meeting between the Support Net and a municipality (internal)."""

    id: str
    municipality_code: str
    held_on: date
    participants: list[ParticipantView]
    topics: list[TopicView]
    follow_ups: list[FollowUpView]
    recorded_at: datetime


# -- agreements (協定) and what partners offer --------------------------------------------------


class KindAssessmentView(BaseModel):
    kind: SupportKind
    provides: bool
    level: AssessmentLevel | None


class TrainingView(BaseModel):
    """The organisation's Support Guidelines training valid today (Tokyo), as the training service
    announced it: what signing an agreement requires."""

    staff_count: int = Field(description="Its staff holding a valid completion")
    completed_on: date = Field(description="The latest of those completions")
    valid_until: date | None = Field(
        description="The last day the longest-lasting of them counts; none: no end"
    )


class GuidelineCompletionView(BaseModel):
    """One completion of the guideline training by a member of the organisation's staff (or, with
    ``source`` ``legacy``, a training the office recorded by hand before the training service)."""

    completion_id: str | None
    source: str
    staff_subject: str | None = Field(description="The identity provider's subject of the member of staff")
    staff_count: int
    course_code: str | None
    completed_on: date
    valid_until: date | None = Field(description="The last day it counts (inclusive); none: no end")
    expires_on: date | None = Field(description="Notice ahead: the day it is due to expire")
    expired_on: date | None
    revoked_on: date | None
    status: str = Field(description="valid, not_yet_valid, ended, expired or revoked (today, Tokyo)")


class GuidelineTrainingView(BaseModel):
    """An organisation's guideline training: whether it counts today, and every completion."""

    partner_id: str
    training: TrainingView | None
    completions: list[GuidelineCompletionView]


class ApplicationView(BaseModel):
    """An application to become a partner, and where its review stands."""

    id: str
    partner_id: str
    status: ApplicationStatus
    self_assessment: list[KindAssessmentView]
    submitted_at: datetime
    training: TrainingView | None
    """The organisation's guideline training valid today (none: signing is refused)."""
    decided_at: datetime | None


class AgreementView(BaseModel):
    """An agreement (協定) with a partner."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    partner_id: str
    number: str
    template_version: str
    support_kinds: list[SupportKind]
    status: AgreementStatus
    effective_on: date
    ends_on: date
    term_months: int | None
    renewal_due_on: date
    renewal_announced_at: datetime | None
    predecessor_id: str | None
    successor_id: str | None
    signed_at: datetime
    suspended_at: datetime | None
    end_reason: AgreementEndReason | None
    ended_on: date | None


class PartnerAgreementView(BaseModel):
    """A partner with its current agreement: the one in force, else the one signed and waiting to
    take effect, else none."""

    partner: PartnerView
    current_agreement: AgreementView | None


class AgreementTemplateView(BaseModel):
    """A version of the agreement template."""

    model_config = ConfigDict(from_attributes=True)

    version: str
    effective_from: date
    effective_to: date | None
    title: str
    default_term_months: int


class OfferingView(BaseModel):
    """What a partner offers, as it published it."""

    partner_id: str
    support_kinds: list[SupportKind]
    targets: list[SupportTarget]
    age_bands: list[str]
    municipality_codes: list[str]
    fee_yen: int
    free: bool
    languages: list[str]
    accessibility: list[AccessibilityCode]
    capacity: int | None
    places_available: int | None
    updated_at: datetime
    places_updated_at: datetime | None


class ReferralView(BaseModel):
    """A referral as the API shows it: ids, codes and dates. ``case_id`` and ``person_id`` are null
    once the person was erased (``person_erased``)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    case_id: str | None
    person_id: str | None
    recipient_kind: RecipientKind
    partner_id: str | None
    resource_id: str | None
    municipality_code: str | None
    support_kind: SupportKind
    state: ReferralState
    offered_at: datetime
    accepted_at: datetime | None
    declined_at: datetime | None
    decline_reason: ReferralDeclineReason | None
    withdrawn_at: datetime | None
    outcome: ReferralOutcome | None
    outcome_on: date | None
    outcome_reported_at: datetime | None
    person_erased: bool


# -- joint briefing and consultation sessions (合同説明相談会) ------------------------------------


class ParticipationView(BaseModel):
    """A partner's participation in a joint session."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    session_id: str
    partner_id: str
    status: ParticipationStatus
    registered_at: datetime
    withdrawn_at: datetime | None
    removed_at: datetime | None
    removal_reason: str | None


class JointSessionView(BaseModel):
    """A joint briefing and consultation session with the partners registered for it."""

    id: str
    starts_at: datetime
    ends_at: datetime
    partners: list[str] = Field(description="Ids of the partners registered, in the order they registered")
