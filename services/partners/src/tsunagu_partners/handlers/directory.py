"""The public directory and its printed editions: search it, publish an edition when what it
prints changed, hand out its files, and keep the distribution record."""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from sqlalchemy.exc import IntegrityError
from tsunagu_calendar import EMAIL, PHONE, describe_hours_ja, tokyo_date
from tsunagu_contracts.events.partners import DirectoryPublished
from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_servicekit.errors import refuse

from ..adapters import directory, printing
from ..adapters.tables import DistributionRow, EditionRow
from ..domain import rules
from ..domain.directory import (
    MEMO,
    PARTNER,
    TOKYO_AREA,
    Edition,
    PrintItem,
    Query,
    SupportNet,
    edition_files,
    fingerprint,
    from_snapshot,
    leaflet_document,
    memo_document,
    search,
    snapshot,
)
from .commands import RecordDistribution
from .context import PartnersContext
from .views import DirectoryView, DistributionView, EditionView, ListingView, PrintFileView, SupportNetView


def support_net(ctx: PartnersContext, at: datetime) -> SupportNet:
    """The Support Net's line as of ``at``: its number and the hours in force that day."""
    day = tokyo_date(at)
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
    """Publish a new edition when what it prints changed since the last (or when ``force``d):
    the 62 municipalities' leaflets, the all-Tokyo leaflet and the pocket memo. Returns the
    edition and whether it is new. The edition keeps a snapshot of what it prints; its files are
    rendered from that snapshot when asked for, so publishing is quick and every copy of a file
    is the same. The number's primary key settles a race between two publishers."""
    now = ctx.now()
    try:
        return _publish(ctx, now, force=force)
    except IntegrityError:
        # Another replica's timer published the same number first: that edition stands.
        with ctx.reading() as uow:
            latest = directory.latest_edition(uow)
            assert latest is not None
            return _edition_view(latest), False


def _publish(ctx: PartnersContext, now: datetime, *, force: bool) -> tuple[EditionView, bool]:
    with ctx.uow() as uow:
        listings = directory.public_listings(uow, now)
        latest = directory.latest_edition(uow)
        net = support_net(ctx, now)
        digest = fingerprint(listings, net)
        if latest is not None and latest.fingerprint == digest and not force:
            return _edition_view(latest), False
        partner_count = sum(1 for item in listings if item.kind == PARTNER)
        row = EditionRow(
            number=1 if latest is None else latest.number + 1,
            id=ctx.new_id(),
            fingerprint=digest,
            snapshot=snapshot(listings, net),
            published_at=now,
            partner_count=partner_count,
            resource_count=len(listings) - partner_count,
        )
        directory.add_edition(uow, row)
        uow.emit(
            DirectoryPublished(
                edition_id=row.id,
                edition=row.number,
                partner_count=row.partner_count,
                resource_count=row.resource_count,
                published_at=now,
            ),
            subject=row.id,
        )
        uow.commit()
        return _edition_view(row), True


def publish_if_changed(ctx: PartnersContext) -> int:
    """The timer's scan: publish an edition when the directory changed; how many were published."""
    _, new = publish_edition(ctx)
    return 1 if new else 0


def _edition_view(row: EditionRow) -> EditionView:
    files = [
        PrintFileView(item=item, area=area, href=print_href(row.number, item, area))
        for item, area in edition_files(tokyo_municipalities())
    ]
    return EditionView(
        number=row.number,
        published_at=row.published_at,
        partner_count=row.partner_count,
        resource_count=row.resource_count,
        files=files,
    )


def print_href(edition: int, item: PrintItem, area: str) -> str:
    """Where the public fetches a file of an edition."""
    if item == MEMO:
        return f"/public/editions/{edition}/memo.pdf"
    return f"/public/editions/{edition}/leaflets/{area}.pdf"


def list_editions(ctx: PartnersContext, limit: int) -> list[EditionView]:
    with ctx.reading() as uow:
        return [_edition_view(row) for row in directory.editions(uow, limit)]


def latest_edition(ctx: PartnersContext) -> EditionView | None:
    with ctx.reading() as uow:
        row = directory.latest_edition(uow)
        return None if row is None else _edition_view(row)


def print_file(ctx: PartnersContext, edition: int, item: PrintItem, area: str) -> bytes:
    """A file of an edition, rendered from what the edition printed; 404 (``print_not_found``)
    when the edition or the file does not exist."""
    municipalities = tokyo_municipalities()
    if (item, area) not in edition_files(municipalities):
        refuse(rules.PRINT_NOT_FOUND)
    with ctx.reading() as uow:
        row = directory.find_edition(uow, edition)
        if row is None:
            refuse(rules.PRINT_NOT_FOUND)
        number, published_at, printed = row.number, row.published_at, row.snapshot
    return _render(number, published_at, item, area, json.dumps(printed, sort_keys=True))


@lru_cache(maxsize=128)
def _render(number: int, published_at: datetime, item: PrintItem, area: str, printed: str) -> bytes:
    # An edition's files never change, so the last ones asked for are kept: a leaflet takes about
    # a tenth of a second to typeset, and the public asks for the same few again and again.
    listings, net = from_snapshot(json.loads(printed))
    edition = Edition(number, tokyo_date(published_at))
    if item == MEMO:
        return printing.memo_pdf(memo_document(net, edition), issued_at=published_at)
    document = leaflet_document(
        listings,
        municipality_code=None if area == TOKYO_AREA else area,
        municipalities=tokyo_municipalities(),
        support_net=net,
        edition=edition,
    )
    return printing.leaflet_pdf(document, issued_at=published_at)


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
