"""Test support of the partners service: its settings for tests, the service under test, tokens.

The settable clock and the service-under-test machinery come from the kit
(:mod:`tsunagu_servicekit.testing`)."""

from __future__ import annotations

from tsunagu_servicekit.testing import ServiceRecipe, ServiceUnderTest, local_bearer, role_headers

from .app import build_runtime
from .handlers.context import PartnersContext
from .settings import PartnersSettings
from .timers import AGREEMENTS

JWT_SECRET = "partners-test-secret-" + "s" * 40
STAFF = role_headers(JWT_SECRET)
"""The ``Authorization`` header of a local token per role: ``STAFF["supervisor"]``."""
SUPERVISOR = STAFF["supervisor"]
COUNSELLOR = STAFF["counsellor"]


class PartnersService(ServiceUnderTest[PartnersContext]):
    """The partners service built by its composition root, with an HTTP client on its app."""


RECIPE = ServiceRecipe(PartnersService, PartnersSettings, build_runtime, defaults={"jwt_secret": JWT_SECRET})
make_settings, service_without_broker, running_service = RECIPE.parts


# -- agreements (協定) and what partners offer --------------------------------------------------

bearer = local_bearer(JWT_SECRET)
"""``bearer("partner_staff", partner=...)``: the ``Authorization`` header of a local token."""


def partner_staff_of(partner_id: str) -> dict[str, str]:
    """The ``Authorization`` header of a member of staff of the partner ``partner_id``."""
    return bearer("partner_staff", subject="partner-staff-1", partner=partner_id)


def scan_agreements(service: PartnersService) -> int:
    """One scan of the agreement timer, as the running service makes it: how many changes it made."""
    return service.runtime.timer(AGREEMENTS).scan_once(service.context)
