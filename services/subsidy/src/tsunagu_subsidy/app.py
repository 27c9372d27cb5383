"""Composition root of the subsidy service: the only place that builds adapters and wires them.

The infrastructure comes first, then the context from it, then the runtime, which takes the
service's subscriptions, routers, timers and migrations from where every service keeps them
(``ServiceRuntime.of_package``).
"""

from __future__ import annotations

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import Clock, utc_now

from .adapters.reference import budgets, grant_outlines
from .handlers.context import SubsidyContext
from .settings import SubsidySettings


def build_runtime(settings: SubsidySettings, *, clock: Clock | None = None) -> ServiceRuntime[SubsidyContext]:
    """The subsidy service: infrastructure, then its context, then what runs on them."""
    infra = Infrastructure(settings, clock=clock or utc_now)
    ctx = SubsidyContext(
        units=infra.units,
        outlines=grant_outlines(settings.grant_outline_file),
        budgets=budgets(settings.budget_file),
        calendar=ServiceCalendar(),
        reminder_lead_business_days=settings.reminder_lead_business_days,
    )
    return ServiceRuntime.of_package("tsunagu_subsidy", infra, ctx)
