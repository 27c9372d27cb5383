"""What a partner offers: published (replaced whole) by the partner's staff or the office, with
the live count of places at a place to belong updated on its own, often. Partner staff act for
their own organisation only. ``PartnerOfferingUpdated`` carries codes and counts only."""

from __future__ import annotations

from tsunagu_contracts.events.partners import PartnerOfferingUpdated, SupportKind, SupportTarget
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import agreements as partner_store
from ..adapters import offerings as store
from ..adapters.tables import OfferingRow, PartnerRow
from ..domain import rules
from ..domain.offerings import AccessibilityCode, check_capacity, check_places, distinct
from ..domain.partners import PartnerState
from .commands import PublishOffering, UpdatePlaces
from .context import PartnersContext
from .views import OfferingView

CLOSED = (PartnerState.ENDED, PartnerState.EXPIRED)
OFFICE_ROLES = ("supervisor", "counsellor")


def check_acting_for(principal: Principal, partner_id: str) -> None:
    """Partner staff act for the organisation their token names, and no other; office staff for any."""
    if principal.is_admin or any(principal.has_role(role) for role in OFFICE_ROLES):
        return
    if principal.partner != partner_id:
        refuse(rules.OWN_PARTNER_ONLY)


def get_offering(ctx: PartnersContext, principal: Principal, partner_id: str) -> OfferingView:
    check_acting_for(principal, partner_id)
    with ctx.reading() as uow:
        _partner(uow, partner_id)
        offering = store.find_offering(uow, partner_id)
        if offering is None:
            refuse(rules.OFFERING_NOT_PUBLISHED)
        return _view(offering, store.municipalities_served(uow, partner_id))


def publish_offering(
    ctx: PartnersContext, principal: Principal, partner_id: str, command: PublishOffering
) -> OfferingView:
    """Replace what the partner offers. The places available are kept from before (at most the new
    capacity) unless given."""
    check_acting_for(principal, partner_id)
    kinds = distinct(command.support_kinds)
    municipalities = sorted(set(command.municipality_codes))
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id, lock=True)
        if partner.state in CLOSED:
            refuse(rules.PARTNER_CLOSED)
        check_capacity(kinds, command.capacity)
        previous = store.lock_offering(uow, partner_id)
        now = ctx.now()
        places = command.places_available
        places_updated_at = None if previous is None else previous.places_updated_at
        if places is not None:
            if command.capacity is None:
                refuse(rules.CAPACITY_WITHOUT_PLACE_TO_BELONG)
            check_places(command.capacity, places)
            places_updated_at = now
        elif previous is not None and previous.places_available is not None and command.capacity is not None:
            places = min(previous.places_available, command.capacity)
        row = OfferingRow(
            partner_id=partner_id,
            support_kinds=[k.value for k in kinds],
            targets=[t.value for t in distinct(command.targets)],
            age_bands=sorted(set(command.age_bands)),
            fee_yen=command.fee_yen,
            languages=distinct(command.languages),
            accessibility=[a.value for a in distinct(command.accessibility)],
            capacity=command.capacity,
            places_available=places,
            updated_at=now,
            places_updated_at=places_updated_at if places is not None else None,
        )
        store.save_offering(uow, row, municipalities)
        _announce(uow, row, municipalities)
        uow.commit()
        return _view(row, municipalities)


def update_places(
    ctx: PartnersContext, principal: Principal, partner_id: str, command: UpdatePlaces
) -> OfferingView:
    """The places available now at the partner's place to belong."""
    check_acting_for(principal, partner_id)
    with ctx.uow() as uow:
        partner = _partner(uow, partner_id)
        if partner.state in CLOSED:
            refuse(rules.PARTNER_CLOSED)
        offering = store.lock_offering(uow, partner_id)
        if offering is None:
            refuse(rules.OFFERING_NOT_PUBLISHED)
        check_places(offering.capacity, command.places_available)
        now = ctx.now()
        offering.places_available = command.places_available
        offering.places_updated_at = now
        offering.updated_at = now
        municipalities = store.municipalities_served(uow, partner_id)
        _announce(uow, offering, municipalities)
        uow.commit()
        return _view(offering, municipalities)


def _partner(uow: UnitOfWork, partner_id: str, *, lock: bool = False) -> PartnerRow:
    row = partner_store.lock_partner(uow, partner_id) if lock else uow.session.get(PartnerRow, partner_id)
    if row is None:
        refuse(rules.PARTNER_NOT_FOUND)
    return row


def _announce(uow: UnitOfWork, row: OfferingRow, municipalities: list[str]) -> None:
    uow.emit(
        PartnerOfferingUpdated(
            partner_id=row.partner_id,
            support_kinds=[SupportKind(k) for k in row.support_kinds],
            targets=[SupportTarget(t) for t in row.targets],
            municipality_codes=municipalities,
            places_available=row.places_available,
            updated_at=row.updated_at,
        ),
        subject=row.partner_id,
    )


def _view(row: OfferingRow, municipalities: list[str]) -> OfferingView:
    return OfferingView(
        partner_id=row.partner_id,
        support_kinds=[SupportKind(k) for k in row.support_kinds],
        targets=[SupportTarget(t) for t in row.targets],
        age_bands=list(row.age_bands),
        municipality_codes=municipalities,
        fee_yen=row.fee_yen,
        free=row.fee_yen == 0,
        languages=list(row.languages),
        accessibility=[AccessibilityCode(a) for a in row.accessibility],
        capacity=row.capacity,
        places_available=row.places_available,
        updated_at=row.updated_at,
        places_updated_at=row.places_updated_at,
    )
