"""Local resources (地域資源): list one, change it, read them with "open now" from the calendar;
recruit one as a candidate partner; keep the outreach log.

Names and contact windows stay here; ``ResourceListed`` and ``PartnerRegistered`` carry ids and
codes. Outreach notes are internal: shown to staff, never in an event or a log line.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from tsunagu_calendar import JapaneseHolidays, load_opening_hours, tokyo_date
from tsunagu_contracts.events.partners import (
    PartnerRegistered,
    ResourceKind,
    ResourceListed,
    SupportKind,
    SupportTarget,
)
from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import partners, resources
from ..adapters.tables import OutreachRow, PartnerRow, ResourceRow
from ..domain import rules
from ..domain.partners import PartnerState, name_key
from ..domain.resources import (
    Actor,
    consent_refusal,
    hours_data,
    is_open,
    maintenance_refusal,
    municipality_refusal,
    parse_hours,
)
from .commands import ListResource, RecordOutreach
from .context import PartnersContext
from .views import ContactWindowView, HoursRecordView, OutreachView, PartnerView, ResourceView

# Holidays are reference data computed per year and cached: one source serves every resource.
_HOLIDAYS = JapaneseHolidays()

# Roles that see and keep the whole directory and network, whatever else the caller holds.
_PROGRAMME_ROLES = frozenset({"supervisor", "counsellor", "admin"})


def actor_of(principal: Principal) -> Actor:
    """Municipality staff without a programme-wide role act for their own municipality only."""
    if principal.has_role("municipality_staff") and not (_PROGRAMME_ROLES & principal.roles):
        return Actor(municipality=principal.municipality)
    return Actor()


def check(rule: Rule | None) -> None:
    if rule is not None:
        refuse(rule)


def tokyo_today(ctx: PartnersContext) -> date:
    return tokyo_date(ctx.now())


def resource_view(row: ResourceRow, at: datetime) -> ResourceView:
    """The resource as staff see it, open or not at ``at``."""
    records = load_opening_hours(row.opening_hours)
    return ResourceView(
        id=row.id,
        kind=ResourceKind(row.kind),
        name=row.name,
        municipality_code=row.municipality_code,
        support_kinds=[SupportKind(code) for code in row.support_kinds],
        targets=[SupportTarget(code) for code in row.targets],
        contact=ContactWindowView(
            phone=row.contact_phone, email=row.contact_email, url=row.contact_url, address=row.contact_address
        ),
        opening_hours=[HoursRecordView.model_validate(record) for record in row.opening_hours],
        open_now=is_open(records, at, _HOLIDAYS),
        publication_consented=row.publication_consented,
        publication_consented_on=row.publication_consented_on,
        partner_id=row.partner_id,
        listed_at=row.listed_at,
        updated_at=row.updated_at,
    )


def _unique(codes: Iterable[Any]) -> list[str]:
    return sorted({str(code) for code in codes})


def _validated_hours(command: ListResource) -> list[dict[str, Any]]:
    records = parse_hours(record.as_data() for record in command.opening_hours)
    if records is None:
        refuse(rules.OPENING_HOURS_INVALID)
    return hours_data(records)


def _fields(command: ListResource, hours: list[dict[str, Any]]) -> dict[str, Any]:
    """The columns a listing sets (all but the id and the times)."""
    return {
        "kind": command.kind.value,
        "name": command.name,
        "name_key": name_key(command.name),
        "municipality_code": command.municipality_code,
        "support_kinds": _unique(command.support_kinds),
        "targets": _unique(command.targets),
        "contact_phone": command.contact.phone,
        "contact_email": command.contact.email,
        "contact_url": command.contact.url,
        "contact_address": command.contact.address,
        "opening_hours": hours,
        "publication_consented": command.publication_consented,
        "publication_consented_on": command.publication_consented_on,
        "partner_id": command.partner_id,
    }


def _announce(row: ResourceRow) -> ResourceListed:
    return ResourceListed(
        resource_id=row.id,
        kind=ResourceKind(row.kind),
        municipality_code=row.municipality_code,
        support_kinds=[SupportKind(code) for code in row.support_kinds],
        listed_at=row.updated_at,
    )


def _check_command(ctx: PartnersContext, actor: Actor, command: ListResource) -> list[dict[str, Any]]:
    """Everything about a listing that needs no database, in the order a caller fixes it."""
    check(maintenance_refusal(actor, command.kind, command.municipality_code))
    hours = _validated_hours(command)
    check(consent_refusal(command.publication_consented, command.publication_consented_on, tokyo_today(ctx)))
    return hours


def list_resource(ctx: PartnersContext, principal: Principal, command: ListResource) -> ResourceView:
    """Add a resource to the directory and announce it."""
    hours = _check_command(ctx, actor_of(principal), command)
    with ctx.uow() as uow:
        if command.partner_id is not None and partners.find_partner(uow, command.partner_id) is None:
            refuse(rules.RESOURCE_PARTNER_UNKNOWN)
        now = ctx.now()
        row = ResourceRow(id=ctx.new_id(), listed_at=now, updated_at=now, **_fields(command, hours))
        resources.add_resource(uow, row)
        uow.emit(_announce(row), subject=row.id)
        uow.commit()
        return resource_view(row, now)


def _visible_resource(uow: UnitOfWork, actor: Actor, resource_id: str) -> ResourceRow:
    """The resource, or the refusal: municipality staff learn nothing of another municipality's
    entries, not even whether one exists."""
    row = resources.find_resource(uow, resource_id)
    if row is None:
        refuse(rules.OWN_MUNICIPALITY_ONLY if actor.restricted else rules.RESOURCE_NOT_FOUND)
    check(municipality_refusal(actor, row.municipality_code))
    return row


def update_resource(
    ctx: PartnersContext, principal: Principal, resource_id: str, command: ListResource
) -> ResourceView:
    """Replace a resource's entry and announce the change (a partner it is linked to stays linked
    when ``partner_id`` is left out). Municipality staff may change only their own municipality's
    windows, and may not make one into anything else."""
    actor = actor_of(principal)
    hours = _check_command(ctx, actor, command)
    with ctx.uow() as uow:
        row = _visible_resource(uow, actor, resource_id)
        check(maintenance_refusal(actor, ResourceKind(row.kind), row.municipality_code))
        if command.partner_id is not None and partners.find_partner(uow, command.partner_id) is None:
            refuse(rules.RESOURCE_PARTNER_UNKNOWN)
        fields = _fields(command, hours)
        if command.partner_id is None:
            # A link made by recruitment stays unless another partner is named: a client that
            # leaves the field out must not unlink a partner from its resource.
            del fields["partner_id"]
        for column, value in fields.items():
            setattr(row, column, value)
        row.updated_at = ctx.now()
        resources.add_resource(uow, row)
        uow.emit(_announce(row), subject=row.id)
        uow.commit()
        return resource_view(row, row.updated_at)


def get_resource(ctx: PartnersContext, principal: Principal, resource_id: str) -> ResourceView:
    with ctx.reading() as uow:
        row = _visible_resource(uow, actor_of(principal), resource_id)
        return resource_view(row, ctx.now())


def find_resources(
    ctx: PartnersContext,
    principal: Principal,
    *,
    municipality_code: str | None,
    kind: ResourceKind | None,
    support_kind: SupportKind | None,
    target: SupportTarget | None,
    open_now: bool | None,
    limit: int,
) -> list[ResourceView]:
    """Resources by municipality, kind, support kind, target and whether they are open now.
    Municipality staff see their own municipality's."""
    actor = actor_of(principal)
    if actor.restricted:
        check(municipality_refusal(actor, municipality_code or actor.municipality or ""))
        municipality_code = actor.municipality
    now = ctx.now()
    found: list[ResourceView] = []
    with ctx.reading() as uow:
        for row in resources.resources_where(uow, municipality_code=municipality_code, kind=kind):
            if support_kind is not None and support_kind not in row.support_kinds:
                continue
            if target is not None and target not in row.targets:
                continue
            view = resource_view(row, now)
            if open_now is not None and view.open_now != open_now:
                continue
            found.append(view)
            if len(found) >= limit:
                break
    return found


# -- recruitment -------------------------------------------------------------------------------


def recruit(ctx: PartnersContext, resource_id: str) -> PartnerView:
    """Make a resource a candidate partner, linked both ways, and announce it with the resource's id.
    A resource is recruited once; a municipal window is referred to directly, never recruited."""
    with ctx.uow() as uow:
        resource = resources.find_resource(uow, resource_id)
        if resource is None:
            refuse(rules.RESOURCE_NOT_FOUND)
        if resource.kind == ResourceKind.MUNICIPAL_WINDOW:
            refuse(rules.MUNICIPAL_WINDOW_NOT_RECRUITED)
        if resource.partner_id is not None:
            refuse(rules.RESOURCE_ALREADY_LINKED)
        key = name_key(resource.name)
        if partners.name_taken(uow, key):
            refuse(rules.PARTNER_NAME_TAKEN)
        now = ctx.now()
        partner = PartnerRow(
            id=ctx.new_id(),
            name=resource.name,
            name_key=key,
            municipality_code=resource.municipality_code,
            state=PartnerState.CANDIDATE,
            resource_id=resource.id,
            registered_at=now,
        )
        partners.add_partner(uow, partner)
        resource.partner_id = partner.id
        resource.updated_at = now
        resources.add_resource(uow, resource)
        uow.emit(
            PartnerRegistered(
                partner_id=partner.id,
                registered_at=now,
                municipality_code=partner.municipality_code,
                resource_id=resource.id,
            ),
            subject=partner.id,
        )
        uow.commit()
        return PartnerView.model_validate(partner)


def record_outreach(ctx: PartnersContext, resource_id: str, command: RecordOutreach) -> OutreachView:
    """Add a contact to a resource's outreach log (no event: the log is the office's own)."""
    if command.contacted_on > tokyo_today(ctx):
        refuse(rules.DATE_IN_FUTURE)
    with ctx.uow() as uow:
        if resources.find_resource(uow, resource_id) is None:
            refuse(rules.RESOURCE_NOT_FOUND)
        row = OutreachRow(
            id=ctx.new_id(),
            resource_id=resource_id,
            contacted_on=command.contacted_on,
            channel=command.channel,
            outcome=command.outcome,
            note=command.note,
            recorded_at=ctx.now(),
        )
        resources.add_outreach(uow, row)
        uow.commit()
        return OutreachView.model_validate(row)


def outreach_log(ctx: PartnersContext, resource_id: str) -> list[OutreachView]:
    with ctx.reading() as uow:
        if resources.find_resource(uow, resource_id) is None:
            refuse(rules.RESOURCE_NOT_FOUND)
        return [OutreachView.model_validate(row) for row in resources.outreach_of(uow, resource_id)]
