"""Composition root of the partners service: the only place that builds adapters and wires them.

The infrastructure comes first, then the context from it, then the runtime, which takes the
service's subscriptions, routers, timers and migrations from where every service keeps them
(``ServiceRuntime.of_package``).
"""

from __future__ import annotations

import json

from tsunagu_calendar import DEFAULT_OPENING_HOURS, OpeningHours, ServiceCalendar, load_opening_hours
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import Clock, utc_now

from .adapters.agreement_templates import agreement_templates
from .domain.agreements import AgreementPolicy
from .handlers.context import PartnersContext
from .settings import PartnersSettings


def build_runtime(
    settings: PartnersSettings, *, clock: Clock | None = None
) -> ServiceRuntime[PartnersContext]:
    """The partners service: infrastructure, then its context, then what runs on them."""
    infra = Infrastructure(settings, clock=clock or utc_now)
    ctx = PartnersContext(
        units=infra.units,
        calendar=ServiceCalendar(hours=opening_hours(settings)),
        support_net_phone=settings.support_net_phone,
        agreements=AgreementPolicy(
            templates=agreement_templates(settings.agreement_templates_file),
            renewal_lead_business_days=settings.renewal_lead_business_days,
        ),
    )
    return ServiceRuntime.of_package("tsunagu_partners", infra, ctx)


def opening_hours(settings: PartnersSettings) -> tuple[OpeningHours, ...]:
    """The Support Net's opening hours: the settings' file where one is given (effective-dated
    records, the calendar library's format), else the calendar library's published defaults."""
    if settings.opening_hours_file is None:
        return DEFAULT_OPENING_HOURS
    return load_opening_hours(json.loads(settings.opening_hours_file.read_text(encoding="utf-8")))
