"""Response bodies of the partners service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from tsunagu_contracts.events.partners import ResourceKind, SupportKind, SupportTarget

from ..domain.directory import KIND_JA, Listing, PrintItem
from ..domain.network import MeetingTopic, ParticipantKind, SupportBase
from ..domain.partners import PartnerState
from ..domain.resources import OutreachChannel, OutreachOutcome


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
    size: int = Field(description="Bytes")
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


class MunicipalityNetworkView(BaseModel):
    """One municipality in the network: its consultation windows, its status (none until it is
    first recorded), its latest meeting and the follow-ups still open."""

    municipality_code: str
    name_ja: str
    name_en: str
    windows: list[ResourceView]
    status: NetworkStatusView | None
    last_meeting_on: date | None
    open_follow_ups: int


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
