"""Test support of the partners service: its settings for tests, the service under test, tokens.

The settable clock and the service-under-test machinery come from the kit
(:mod:`tsunagu_servicekit.testing`)."""

from __future__ import annotations

import httpx
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


def scan_agreements(service: PartnersService) -> int:
    """One scan of the agreement timer, as the running service makes it: how many changes it made."""
    return service.runtime.timer(AGREEMENTS).scan_once(service.context)


SELF_ASSESSMENT: list[dict[str, object]] = [
    {"kind": "consultation", "provides": True, "level": "meets"},
    {"kind": "place_to_belong", "provides": True, "level": "partly"},
    {"kind": "social_participation", "provides": False},
]
"""A self-assessment against the Support Guidelines that passes review."""


def activation_steps(
    name: str, municipality_code: str, effective_on: str
) -> list[tuple[str, str, dict[str, object], int]]:
    """The office's steps that make an organisation a partner, as ``(method, path, body, status)``:
    register, apply, record the guideline training, sign an agreement in force from
    ``effective_on``. ``{partner}`` in a path stands for the id the first step answers. A sync or
    an async client, in-process or over the network, runs the same steps."""
    return [
        ("POST", "/partners", {"name": name, "municipality_code": municipality_code}, 201),
        ("POST", "/partners/{partner}/application", {"self_assessment": SELF_ASSESSMENT}, 201),
        (
            "POST",
            "/partners/{partner}/application/training",
            {"completed_on": effective_on, "staff_count": 2, "course_code": "SG-GUIDELINES"},
            200,
        ),
        ("POST", "/partners/{partner}/agreements", {"effective_on": effective_on}, 201),
    ]


async def active_partner(
    client: httpx.AsyncClient,
    *,
    name: str,
    municipality_code: str,
    effective_on: str,
    offering: dict[str, object] | None = None,
) -> str:
    """An organisation taken through :func:`activation_steps` to an agreement in force from
    ``effective_on`` (on or before the service's today), with ``offering`` published when given;
    its id."""
    partner = ""
    for method, path, body, status in activation_steps(name, municipality_code, effective_on):
        response = await client.request(method, path.format(partner=partner), json=body, headers=SUPERVISOR)
        assert response.status_code == status, response.text
        partner = partner or str(response.json()["id"])
    if offering is not None:
        response = await client.put(f"/partners/{partner}/offering", json=offering, headers=SUPERVISOR)
        assert response.status_code == 200, response.text
    return partner


def partner_staff_of(partner_id: str, subject: str = "partner-staff-1") -> dict[str, str]:
    """The ``Authorization`` header of a member of staff of the partner ``partner_id``."""
    return bearer("partner_staff", subject=subject, partner=partner_id)


def municipality_staff_of(code: str, subject: str = "municipality-staff-1") -> dict[str, str]:
    """The ``Authorization`` header of a municipality's staff member."""
    return bearer("municipality_staff", subject=subject, municipality=code)
