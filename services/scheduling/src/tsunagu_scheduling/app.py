"""Composition root of the scheduling service: the only place that builds adapters and wires them.

The infrastructure comes first, then the context from it, then the runtime, which takes the
service's subscriptions, routers, timers and migrations from where every service keeps them
(``ServiceRuntime.of_package``).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.http.auth import load_or_create_secret
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import Clock, utc_now

from .adapters import reference_data
from .adapters.mail import SchedulingRecipients
from .domain.agenda import ReviewPolicy
from .domain.visits import HomeVisitPolicy
from .handlers.context import SchedulingContext
from .settings import SchedulingSettings


def build_runtime(
    settings: SchedulingSettings, *, clock: Clock | None = None
) -> ServiceRuntime[SchedulingContext]:
    """The scheduling service: infrastructure, then its context, then what runs on them."""
    infra = Infrastructure(settings, clock=clock or utc_now)
    ctx = SchedulingContext(
        units=infra.units,
        calendar=ServiceCalendar(
            hours=reference_data.opening_hours(settings.opening_hours_file),
            business=reference_data.business_calendar(settings.business_calendar_file),
        ),
        meeting_rules=reference_data.meeting_rules(settings.meeting_rules_file),
        review_policy=review_policy(settings),
        visit_policy=HomeVisitPolicy(
            cap_per_fiscal_year=settings.home_visit_cap, max_minutes=settings.home_visit_max_minutes
        ),
        reminder_lead=timedelta(hours=settings.reminder_lead_hours),
        max_appointment_minutes=settings.max_appointment_minutes,
        feed_key=feed_key(settings),
    )
    return ServiceRuntime.of_package("tsunagu_scheduling", infra, ctx, mail_recipients=SchedulingRecipients())


def review_policy(settings: SchedulingSettings) -> ReviewPolicy:
    """How escalated cases are placed on the expert team's agendas (domain.agenda)."""
    return ReviewPolicy(
        routine_lead_business_days=settings.review_routine_lead_business_days,
        urgent_max_wait_days=settings.review_urgent_max_wait_days,
        immediate_max_wait_business_days=settings.review_immediate_max_wait_business_days,
        extra_lead_business_days=settings.review_extra_lead_business_days,
        extra_agenda_capacity=settings.review_extra_agenda_capacity,
    )


def feed_key(settings: SchedulingSettings) -> bytes | None:
    """Key of the private calendar links: configured, else derived from the local JWT secret."""
    if settings.calendar_feed_secret is not None:
        return settings.calendar_feed_secret.get_secret_value().encode()
    if settings.jwt_jwks_url:
        return None
    secret = (
        settings.jwt_secret.get_secret_value()
        if settings.jwt_secret is not None
        else load_or_create_secret(settings.data_dir)
    )
    return hmac.new(secret.encode(), b"tsunagu-scheduling-calendar-feeds", hashlib.sha256).digest()
