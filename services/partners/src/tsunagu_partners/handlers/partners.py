"""Partner organisations: register a candidate, read one."""

from __future__ import annotations

from tsunagu_contracts.events.partners import PartnerRegistered
from tsunagu_servicekit.errors import refuse

from ..adapters import partners
from ..adapters.tables import PartnerRow
from ..domain import rules
from ..domain.partners import PartnerState, name_key
from .commands import RegisterPartner
from .context import PartnersContext
from .views import PartnerView


def register_partner(ctx: PartnersContext, command: RegisterPartner) -> PartnerView:
    """Register a candidate partner and announce it (its name stays here: events carry ids)."""
    key = name_key(command.name)
    with ctx.uow() as uow:
        if partners.name_taken(uow, key):
            refuse(rules.PARTNER_NAME_TAKEN)
        row = PartnerRow(
            id=ctx.new_id(),
            name=command.name,
            name_key=key,
            municipality_code=command.municipality_code,
            state=PartnerState.CANDIDATE,
            registered_at=ctx.now(),
        )
        partners.add_partner(uow, row)
        uow.emit(
            PartnerRegistered(
                partner_id=row.id, registered_at=row.registered_at, municipality_code=row.municipality_code
            ),
            subject=row.id,
        )
        uow.commit()
        return PartnerView.model_validate(row)


def get_partner(ctx: PartnersContext, partner_id: str) -> PartnerView:
    with ctx.reading() as uow:
        row = partners.find_partner(uow, partner_id)
        if row is None:
            refuse(rules.PARTNER_NOT_FOUND)
        return PartnerView.model_validate(row)
