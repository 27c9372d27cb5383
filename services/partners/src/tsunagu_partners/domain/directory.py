"""The public directory: what a listing holds, how it is searched, and the content of each printed
edition (the leaflets and the pocket memo), as plain data. Rendering is at the edge.

Only what an organisation or a window has consented to publish reaches a :class:`Listing`; the
adapters that build listings leave out everything else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tsunagu_calendar import OpeningHours, describe_hours_ja, format_date_ja, tokyo_date
from tsunagu_contracts.events.partners import SupportKind, SupportTarget
from tsunagu_contracts.municipalities import Municipalities

PARTNER = "partner"
"""The kind of a listing that is a partner organisation (the other kinds are resource kinds)."""


class PrintItem(StrEnum):
    """What an edition prints: a leaflet (per municipality, and one for all Tokyo) and the memo."""

    LEAFLET = "leaflet"
    MEMO = "memo"


LEAFLET = PrintItem.LEAFLET
MEMO = PrintItem.MEMO
TOKYO_AREA = "tokyo"
"""The area of the all-Tokyo leaflet and of the memo (the other areas are municipality codes)."""

SUPPORT_KIND_JA = {
    SupportKind.CONSULTATION: "相談",
    SupportKind.PLACE_TO_BELONG: "居場所",
    SupportKind.SOCIAL_PARTICIPATION: "社会参加に向けた支援",
}
TARGET_JA = {SupportTarget.PERSON: "ご本人", SupportTarget.FAMILY: "ご家族"}
KIND_JA = {
    PARTNER: "連携団体",
    "place_to_belong": "居場所",
    "family_association": "家族会",
    "npo": "NPO",
    "clinic": "医療機関",
    "municipal_window": "区市町村の相談窓口",
    "other": "その他",
}


@dataclass(frozen=True, slots=True)
class Listing:
    """One entry of the public directory: a partner organisation or a local resource."""

    id: str
    kind: str
    name: str
    municipality_code: str | None
    municipalities_served: tuple[str, ...] = ()
    support_kinds: tuple[SupportKind, ...] = ()
    targets: tuple[SupportTarget, ...] = ()
    phone: str | None = None
    url: str | None = None
    address: str | None = None
    hours: str | None = None
    open_now: bool | None = None
    places_available: int | None = None

    def serves(self, municipality_code: str) -> bool:
        return municipality_code == self.municipality_code or municipality_code in self.municipalities_served


@dataclass(frozen=True, slots=True)
class Query:
    """A search of the directory; every criterion given must hold."""

    municipality_code: str | None = None
    support_kind: SupportKind | None = None
    target: SupportTarget | None = None
    open_now: bool | None = None

    def matches(self, listing: Listing) -> bool:
        return (
            (self.municipality_code is None or listing.serves(self.municipality_code))
            and (self.support_kind is None or self.support_kind in listing.support_kinds)
            and (self.target is None or self.target in listing.targets)
            and (self.open_now is None or listing.open_now is self.open_now)
        )


def _order(listing: Listing) -> tuple[int, str, str]:
    # Municipal windows first (they are where most people start), then partners, then the rest.
    rank = {"municipal_window": 0, PARTNER: 1}.get(listing.kind, 2)
    return (rank, listing.municipality_code or "", listing.name)


def search(listings: Iterable[Listing], query: Query) -> list[Listing]:
    """The listings matching ``query``, windows first, then partners, then other resources."""
    return sorted((item for item in listings if query.matches(item)), key=_order)


@dataclass(frozen=True, slots=True)
class SupportNet:
    """The Tokyo line everything printed shows: its phone number and its hours as of the edition."""

    phone: str
    phone_hours: str
    email_hours: str


@dataclass(frozen=True, slots=True)
class Edition:
    """A printed edition: its number and the day it was issued (Asia/Tokyo)."""

    number: int
    issued_on: date

    @property
    def label(self) -> str:
        return f"第{self.number}版 {format_date_ja(self.issued_on)}発行"


def fingerprint(listings: Iterable[Listing], support_net: SupportNet) -> str:
    """What an edition prints, as a digest: a new edition is due when it changes. ``open_now`` is
    left out, because it changes by the hour and is not printed."""
    rows = sorted(
        ({**_printable(item), "open_now": None} for item in listings), key=lambda r: (r["kind"], r["id"])
    )
    document = json.dumps({"listings": rows, "support_net": asdict(support_net)}, ensure_ascii=False)
    return hashlib.sha256(document.encode()).hexdigest()


def _printable(item: Listing) -> dict[str, Any]:
    row = asdict(item)
    row["kind_label"] = KIND_JA.get(item.kind, item.kind)
    row["support_labels"] = [SUPPORT_KIND_JA[k] for k in item.support_kinds]
    row["target_labels"] = [TARGET_JA[t] for t in item.targets]
    return row


def leaflet_document(
    listings: Sequence[Listing],
    *,
    municipality_code: str | None,
    municipalities: Municipalities,
    support_net: SupportNet,
    edition: Edition,
) -> dict[str, Any]:
    """The data of one leaflet, one municipality's or (``None``) all of Tokyo's.

    A municipality's leaflet lists its windows, the partners that serve it and the other resources
    located there. The all-Tokyo leaflet has a section per municipality that has a window or a
    resource (in code order), and lists each partner once.
    """
    if municipality_code is not None:
        municipality = municipalities.get(municipality_code)
        if municipality is None:
            raise ValueError("not one of Tokyo's municipalities")
        codes = [municipality_code]
        title = f"{municipality.name_ja} ひきこもりに関する相談窓口のご案内"
        partners = [item for item in listings if item.kind == PARTNER and item.serves(municipality_code)]
    else:
        codes = [m.code for m in municipalities]
        title = "東京都 ひきこもりに関する相談窓口のご案内"
        partners = [item for item in listings if item.kind == PARTNER]
    areas = []
    for code in codes:
        here = sorted(
            (item for item in listings if item.kind != PARTNER and item.municipality_code == code), key=_order
        )
        if here or municipality_code is not None:
            name = municipalities.get(code)
            areas.append(
                {
                    "code": code,
                    "name": name.name_ja if name else code,
                    "windows": [_printable(i) for i in here if i.kind == "municipal_window"],
                    "others": [_printable(i) for i in here if i.kind != "municipal_window"],
                }
            )
    return {
        "title": title,
        "edition": edition.label,
        "support_net": asdict(support_net),
        "areas": areas,
        "partners": [_printable(item) for item in sorted(partners, key=_order)],
    }


def memo_document(support_net: SupportNet, edition: Edition) -> dict[str, Any]:
    """The data of the pocket consultation memo: the Support Net's line, and room to write one's
    own window and notes (nothing about anyone is printed on it)."""
    return {
        "title": "ひきこもり相談 ポケットメモ",
        "edition": edition.label,
        "support_net": asdict(support_net),
    }


def hours_today(records: Sequence[OpeningHours], at: datetime) -> str | None:
    """A listing's hours as printed: each of its channels' record in force on ``at``'s Tokyo date,
    described in Japanese; ``None`` where it keeps no hours."""
    day = tokyo_date(at)
    texts = [describe_hours_ja(record) for record in records if record.applies_on(day)]
    return "、".join(texts) if texts else None


def snapshot(listings: Sequence[Listing], support_net: SupportNet) -> dict[str, Any]:
    """What an edition prints, as JSON data to keep with it."""
    return {"listings": [asdict(item) for item in listings], "support_net": asdict(support_net)}


def from_snapshot(data: dict[str, Any]) -> tuple[list[Listing], SupportNet]:
    """The listings and the line an edition printed, back from its snapshot."""
    listings = []
    for row in data["listings"]:
        listings.append(
            Listing(
                **{
                    **row,
                    "municipalities_served": tuple(row["municipalities_served"]),
                    "support_kinds": tuple(SupportKind(k) for k in row["support_kinds"]),
                    "targets": tuple(SupportTarget(t) for t in row["targets"]),
                }
            )
        )
    return listings, SupportNet(**data["support_net"])


def edition_files(municipalities: Municipalities) -> list[tuple[PrintItem, str]]:
    """Every file an edition has: the all-Tokyo leaflet, one leaflet per municipality, the memo."""
    areas = [TOKYO_AREA, *(m.code for m in municipalities)]
    return [(LEAFLET, area) for area in areas] + [(MEMO, TOKYO_AREA)]
