"""What every use case of the partners service needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.context import ServiceContext

from ..adapters.agreement_templates import agreement_templates
from ..domain.agreements import AgreementPolicy


@dataclass(kw_only=True)
class PartnersContext(ServiceContext):
    """The kit's context (clock, units of work, ids) with the programme's calendar: business days
    for agreement renewals, and the Support Net's opening hours for the directory and print."""

    calendar: ServiceCalendar
    agreements: AgreementPolicy = field(
        default_factory=lambda: AgreementPolicy(templates=agreement_templates())
    )
    """The agreement templates and when renewal is due (the composition root sets them from the settings)."""
    support_net_phone: str = "0120-529-528"
    """The Support Net's toll-free number, as everything printed and public shows it."""
