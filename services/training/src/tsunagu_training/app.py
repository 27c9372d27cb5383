"""Composition root of the training service: the only place that builds adapters and wires them.

The infrastructure comes first, then the context from it, then the runtime, which takes the
service's subscriptions, routers, timers and migrations from where every service keeps them
(``ServiceRuntime.of_package``).
"""

from __future__ import annotations

from tsunagu_calendar import ServiceCalendar
from tsunagu_seating import NoShowPolicy
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.unit_of_work import Clock, utc_now

from .adapters.catalogue import catalogue_book
from .domain.certificates import CertificatePolicy
from .domain.video import LessonPlayer, Plausibility
from .handlers.context import TrainingContext
from .settings import TrainingSettings


def build_runtime(
    settings: TrainingSettings, *, clock: Clock | None = None
) -> ServiceRuntime[TrainingContext]:
    """The training service: infrastructure, then its context, then what runs on them."""
    infra = Infrastructure(settings, clock=clock or utc_now)
    ctx = TrainingContext(
        units=infra.units,
        catalogue=catalogue_book(settings.catalogue_file),
        calendar=ServiceCalendar(),
        no_shows=NoShowPolicy(settings.no_show_strikes, settings.no_show_window_days),
        player=LessonPlayer(
            video_base_url=settings.video_base_url,
            report_every_seconds=settings.progress_report_seconds,
            plausibility=Plausibility(tolerance_seconds=settings.progress_tolerance_seconds),
        ),
        certificates=CertificatePolicy(
            verify_base_url=settings.public_base_url or f"http://127.0.0.1:{settings.http_port}",
            notice_business_days=settings.expiry_notice_business_days,
            issuer=settings.certificate_issuer,
        ),
    )
    return ServiceRuntime.of_package("tsunagu_training", infra, ctx)
