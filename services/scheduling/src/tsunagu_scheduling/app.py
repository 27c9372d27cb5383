"""Composition root of the scheduling service: the only place that builds adapters and wires them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.http.auth import load_or_create_secret
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import Clock, utc_now

from .adapters import reference_data
from .api import ROUTERS
from .consumers import SUBSCRIPTIONS
from .domain.agenda import ReviewPolicy
from .domain.visits import HomeVisitPolicy
from .handlers.context import SchedulingContext
from .settings import SchedulingSettings
from .timers import timers

MIGRATIONS = Path(__file__).parent / "adapters" / "migrations" / "versions"
TITLE = "Tsunagu scheduling"


def build_runtime(
    settings: SchedulingSettings, *, clock: Clock | None = None
) -> ServiceRuntime[SchedulingContext]:
    """The scheduling service: its calendar and policies, consumers, reminder timer and HTTP API."""
    infra = Infrastructure(settings, clock=clock or utc_now)
    ctx = SchedulingContext(
        units=infra.units,
        calendar=ServiceCalendar(hours=reference_data.opening_hours(settings.opening_hours_file)),
        meeting_rules=reference_data.meeting_rules(settings.meeting_rules_file),
        review_policy=review_policy(settings),
        visit_policy=HomeVisitPolicy(
            cap_per_fiscal_year=settings.home_visit_cap, max_minutes=settings.home_visit_max_minutes
        ),
        reminder_lead=timedelta(hours=settings.reminder_lead_hours),
        max_appointment_minutes=settings.max_appointment_minutes,
        feed_key=feed_key(settings),
    )
    return ServiceRuntime(
        infra,
        ctx,
        title=TITLE,
        migrations=MIGRATIONS,
        subscriptions=SUBSCRIPTIONS,
        routers=ROUTERS,
        timers=timers(settings),
    )


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
