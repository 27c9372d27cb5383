"""Response bodies of the partners service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field
from tsunagu_contracts.events.partners import SupportKind, SupportTarget

from ..domain.directory import KIND_JA, Listing, PrintItem
from ..domain.partners import PartnerState


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
