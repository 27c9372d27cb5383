"""Queries and writes of the public directory and its printed editions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from tsunagu_contracts.events.partners import SupportKind, SupportTarget
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.directory import PARTNER, Listing, hours_today
from ..domain.partners import PartnerState
from ..domain.resources import is_open, parse_hours
from .offerings import find_offering, municipalities_served
from .tables import DistributionRow, EditionRow, PartnerRow, ResourceRow


def public_listings(uow: UnitOfWork, at: datetime) -> list[Listing]:
    """Everything the public may see as of ``at``: active partners, and the local resources and
    municipal windows that consented to publication (a resource that became an active partner is
    listed once, as the partner)."""
    rows = uow.session.exec(select(PartnerRow).where(PartnerRow.state == PartnerState.ACTIVE)).all()
    listings = [_partner_listing(uow, row) for row in rows]
    active = {row.id for row in rows}
    consented = select(ResourceRow).where(col(ResourceRow.publication_consented).is_(True))
    for resource in uow.session.exec(consented).all():
        if resource.partner_id in active:
            continue
        records = parse_hours(resource.opening_hours) or ()
        listings.append(
            Listing(
                id=resource.id,
                kind=resource.kind,
                name=resource.name,
                municipality_code=resource.municipality_code,
                support_kinds=tuple(SupportKind(k) for k in resource.support_kinds),
                targets=tuple(SupportTarget(t) for t in resource.targets),
                phone=resource.contact_phone,
                url=resource.contact_url,
                address=resource.contact_address,
                hours=hours_today(records, at),
                open_now=is_open(records, at) if records else None,
            )
        )
    return listings


def _partner_listing(uow: UnitOfWork, row: PartnerRow) -> Listing:
    """A partner as the public sees it: what its published offering says it offers, and where."""
    offering = find_offering(uow, row.id)
    if offering is None:
        return Listing(id=row.id, kind=PARTNER, name=row.name, municipality_code=row.municipality_code)
    return Listing(
        id=row.id,
        kind=PARTNER,
        name=row.name,
        municipality_code=row.municipality_code,
        municipalities_served=tuple(municipalities_served(uow, row.id)),
        support_kinds=tuple(SupportKind(k) for k in offering.support_kinds),
        targets=tuple(SupportTarget(t) for t in offering.targets),
        places_available=offering.places_available,
    )


def latest_edition(uow: UnitOfWork) -> EditionRow | None:
    return uow.session.exec(select(EditionRow).order_by(col(EditionRow.number).desc()).limit(1)).first()


def editions(uow: UnitOfWork, limit: int) -> list[EditionRow]:
    return list(
        uow.session.exec(select(EditionRow).order_by(col(EditionRow.number).desc()).limit(limit)).all()
    )


def find_edition(uow: UnitOfWork, number: int) -> EditionRow | None:
    return uow.session.get(EditionRow, number)


def add_edition(uow: UnitOfWork, edition: EditionRow) -> None:
    uow.session.add(edition)


def add_distribution(uow: UnitOfWork, row: DistributionRow) -> None:
    uow.session.add(row)


def distributions(uow: UnitOfWork, edition: int) -> list[DistributionRow]:
    query = select(DistributionRow).where(DistributionRow.edition == edition)
    return list(uow.session.exec(query.order_by(col(DistributionRow.distributed_on))).all())
