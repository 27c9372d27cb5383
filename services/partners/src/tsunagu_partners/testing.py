"""Test support of the partners service: its settings for tests, the service under test, tokens.

The settable clock and the service-under-test machinery come from the kit
(:mod:`tsunagu_servicekit.testing`)."""

from __future__ import annotations

from tsunagu_servicekit.testing import ServiceRecipe, ServiceUnderTest, local_bearer, role_headers

from .app import build_runtime
from .handlers.context import PartnersContext
from .settings import PartnersSettings

JWT_SECRET = "partners-test-secret-" + "s" * 40
STAFF = role_headers(JWT_SECRET)
"""The ``Authorization`` header of a local token per role: ``STAFF["supervisor"]``."""
SUPERVISOR = STAFF["supervisor"]
COUNSELLOR = STAFF["counsellor"]


class PartnersService(ServiceUnderTest[PartnersContext]):
    """The partners service built by its composition root, with an HTTP client on its app."""


RECIPE = ServiceRecipe(PartnersService, PartnersSettings, build_runtime, defaults={"jwt_secret": JWT_SECRET})
make_settings, service_without_broker, running_service = RECIPE.parts


# -- referrals -------------------------------------------------------------------------------------

_bearer = local_bearer(JWT_SECRET)


def partner_staff_of(partner_id: str, subject: str = "partner-staff-1") -> dict[str, str]:
    """The ``Authorization`` header of a partner organisation's staff member."""
    return _bearer("partner_staff", subject=subject, partner=partner_id)


def municipality_staff_of(code: str, subject: str = "municipality-staff-1") -> dict[str, str]:
    """The ``Authorization`` header of a municipality's staff member."""
    return _bearer("municipality_staff", subject=subject, municipality=code)
