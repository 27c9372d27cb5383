"""The public directory and its printed editions: search it, publish an edition when what it
prints changed, hand out its files, and keep the distribution record."""

from __future__ import annotations

import hashlib
from datetime import datetime

from tsunagu_calendar import EMAIL, PHONE, TOKYO, describe_hours_ja
from tsunagu_contracts.events.partners import DirectoryPublished
from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import directory, printing
from ..adapters.tables import DistributionRow, EditionRow, PrintRow
from ..domain import rules
from ..domain.directory import (
    LEAFLET,
    MEMO,
    PARTNER,
    TOKYO_AREA,
    Edition,
    PrintItem,
    Query,
    SupportNet,
    fingerprint,
    leaflet_document,
    memo_document,
    search,
)
from .commands import RecordDistribution
from .context import PartnersContext
from .views import DirectoryView, DistributionView, EditionView, ListingView, PrintFileView, SupportNetView


def support_net(ctx: PartnersContext, at: datetime) -> SupportNet:
    """The Support Net's line as of ``at``: its number and the hours in force that day."""
    day = at.astimezone(TOKYO).date()
    phone = ctx.calendar.opening_hours_on(PHONE, day)
    email = ctx.calendar.opening_hours_on(EMAIL, day)
    return SupportNet(
        phone=ctx.support_net_phone,
        phone_hours=describe_hours_ja(phone) if phone else "休止中",
        email_hours=describe_hours_ja(email) if email else "休止中",
    )


def search_directory(ctx: PartnersContext, query: Query) -> DirectoryView:
    """The public listings matching ``query``, with the Support Net's line as of now."""
    now = ctx.now()
    with ctx.reading() as uow:
        listings = directory.public_listings(uow, now)
    found = search(listings, query)
    return DirectoryView(
        support_net=SupportNetView.model_validate(support_net(ctx, now)),
        listings=[ListingView.of(item) for item in found],
        as_of=now,
    )


def publish_edition(ctx: PartnersContext, *, force: bool = False) -> tuple[EditionView, bool]:
    """Publish a new edition when what it prints changed since the last (or when ``force``d): the
    62 municipalities' leaflets, the all-Tokyo leaflet and the pocket memo. Returns the edition and
    whether it is new. The files are rendered outside any transaction; the edition is written in
    one, and its number's primary key settles a race between two publishers."""
    now = ctx.now()
    with ctx.reading() as uow:
        listings = directory.public_listings(uow, now)
        latest = directory.latest_edition(uow)
        net = support_net(ctx, now)
        digest = fingerprint(listings, net)
        if latest is not None and latest.fingerprint == digest and not force:
            return _edition_view(uow, latest), False
        number = 1 if latest is None else latest.number + 1
    edition = Edition(number, now.astimezone(TOKYO).date())
    municipalities = tokyo_municipalities()
    files: list[PrintRow] = []
    for area in [TOKYO_AREA, *(m.code for m in municipalities)]:
        document = leaflet_document(
            listings,
            municipality_code=None if area == TOKYO_AREA else area,
            municipalities=municipalities,
            support_net=net,
            edition=edition,
        )
        files.append(_file(number, LEAFLET, area, printing.leaflet_pdf(document, issued_at=now)))
    files.append(
        _file(number, MEMO, TOKYO_AREA, printing.memo_pdf(memo_document(net, edition), issued_at=now))
    )
    partner_count = sum(1 for item in listings if item.kind == PARTNER)
    row = EditionRow(
        number=number,
        id=ctx.new_id(),
        fingerprint=digest,
        published_at=now,
        partner_count=partner_count,
        resource_count=len(listings) - partner_count,
    )
    with ctx.uow() as uow:
        directory.add_edition(uow, row, files)
        uow.emit(
            DirectoryPublished(
                edition_id=row.id,
                edition=number,
                partner_count=row.partner_count,
                resource_count=row.resource_count,
                published_at=now,
            ),
            subject=row.id,
        )
        uow.commit()
        return _edition_view(uow, row), True


def publish_if_changed(ctx: PartnersContext) -> int:
    """The timer's scan: publish an edition when the directory changed; how many were published."""
    _, new = publish_edition(ctx)
    return 1 if new else 0


def _file(number: int, item: str, area: str, pdf: bytes) -> PrintRow:
    return PrintRow(edition=number, item=item, area=area, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest())


def _edition_view(uow: UnitOfWork, row: EditionRow) -> EditionView:
    files = [
        PrintFileView(item=PrintItem(item), area=area, size=size, href=print_href(row.number, item, area))
        for item, area, size in directory.print_areas(uow, row.number)
    ]
    return EditionView(
        number=row.number,
        published_at=row.published_at,
        partner_count=row.partner_count,
        resource_count=row.resource_count,
        files=files,
    )


def print_href(edition: int, item: str, area: str) -> str:
    """Where the public fetches a file of an edition."""
    if item == MEMO:
        return f"/public/editions/{edition}/memo.pdf"
    return f"/public/editions/{edition}/leaflets/{area}.pdf"


def list_editions(ctx: PartnersContext, limit: int) -> list[EditionView]:
    with ctx.reading() as uow:
        return [_edition_view(uow, row) for row in directory.editions(uow, limit)]


def latest_edition(ctx: PartnersContext) -> EditionView | None:
    with ctx.reading() as uow:
        row = directory.latest_edition(uow)
        return None if row is None else _edition_view(uow, row)


def print_file(ctx: PartnersContext, edition: int, item: str, area: str) -> bytes:
    """A file of an edition; 404 (``print_not_found``) when the edition or the file does not exist."""
    with ctx.reading() as uow:
        row = directory.find_print(uow, edition, item, area)
        if row is None:
            refuse(rules.PRINT_NOT_FOUND)
        return row.pdf


def record_distribution(ctx: PartnersContext, edition: int, command: RecordDistribution) -> DistributionView:
    """Record copies of an edition's item handed out to a recipient."""
    area = command.municipality_code or TOKYO_AREA
    with ctx.uow() as uow:
        if directory.find_edition(uow, edition) is None:
            refuse(rules.EDITION_NOT_FOUND)
        if command.item == MEMO and command.municipality_code is not None:
            refuse(rules.MEMO_HAS_NO_AREA)
        row = DistributionRow(
            id=ctx.new_id(),
            edition=edition,
            item=command.item,
            area=area,
            recipient=command.recipient,
            copies=command.copies,
            distributed_on=command.distributed_on,
            recorded_at=ctx.now(),
        )
        directory.add_distribution(uow, row)
        uow.commit()
        return DistributionView.model_validate(row)


def list_distributions(ctx: PartnersContext, edition: int) -> list[DistributionView]:
    with ctx.reading() as uow:
        if directory.find_edition(uow, edition) is None:
            refuse(rules.EDITION_NOT_FOUND)
        return [DistributionView.model_validate(row) for row in directory.distributions(uow, edition)]
