"""Test support of the subsidy service: its settings for tests, the service under test, tokens, and
the bodies of a complete application, change and report under the shipped grant outline.

The settable clock and the service-under-test machinery come from the kit
(:mod:`tsunagu_servicekit.testing`)."""

from __future__ import annotations

from typing import Any

import httpx
from tsunagu_servicekit.testing import ServiceRecipe, ServiceUnderTest, auth_headers, role_headers
from tsunagu_servicekit.testing.service import SHINJUKU, local_authenticator

from .app import build_runtime
from .handlers.context import SubsidyContext
from .settings import SubsidySettings

JWT_SECRET = "subsidy-test-secret-" + "s" * 40
STAFF = role_headers(JWT_SECRET)
"""The ``Authorization`` header of a local token per role: ``STAFF["subsidy_reviewer"]``."""
MUNICIPAL = STAFF["municipality_staff"]
"""Staff of Shinjuku (``SHINJUKU``)."""
REVIEWER = STAFF["subsidy_reviewer"]
APPROVER = STAFF["subsidy_approver"]

APPLICATION_DOCUMENTS = ["application_form", "project_plan", "budget_statement"]
CHANGE_DOCUMENTS = ["change_request_form", "project_plan", "budget_statement"]
REPORT_DOCUMENTS = ["results_report_form", "project_report", "settlement_statement"]


def staff(*roles: str, subject: str, municipality: str | None = None) -> dict[str, str]:
    """A token for ``roles`` under its own subject: a second reviewer, another municipality's staff."""
    return auth_headers(local_authenticator(JWT_SECRET), *roles, subject=subject, municipality=municipality)


def municipal(code: str) -> dict[str, str]:
    """Staff of the municipality ``code``."""
    return staff("municipality_staff", subject=f"staff-{code}", municipality=code)


def application_body(
    code: str = SHINJUKU, fiscal_year: int = 2025, *, personnel: int = 3_000_000, travel: int = 400_000
) -> dict[str, Any]:
    """A complete application under the shipped outline: two cost categories, every document."""
    return {
        "municipality_code": code,
        "fiscal_year": fiscal_year,
        "planned": {"personnel": personnel, "travel": travel},
        "documents": APPLICATION_DOCUMENTS,
    }


async def post_ok(
    client: httpx.AsyncClient, path: str, body: dict[str, Any] | None, headers: dict[str, str]
) -> Any:
    """POST ``body`` and return the answer's JSON, failing loudly on anything but 200 or 201."""
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def record_start(client: httpx.AsyncClient, code: str = SHINJUKU, on: str = "2025-04-01") -> None:
    """The office records that ``code`` started the national programme on ``on``."""
    body = {"started_on": on, "source_document": "ひきこもり地域支援センター設置要綱"}
    await post_ok(client, f"/municipalities/{code}/implementation", body, REVIEWER)


async def granted_application(
    client: httpx.AsyncClient, code: str = SHINJUKU, fiscal_year: int = 2025, **plan: int
) -> dict[str, Any]:
    """An application of ``code`` for ``fiscal_year``, reviewed and granted at the most its plan allows."""
    created = await post_ok(
        client, "/applications", application_body(code, fiscal_year, **plan), municipal(code)
    )
    path = f"/applications/{created['id']}"
    await post_ok(client, f"{path}/review", {"eligible": True}, REVIEWER)
    granted: dict[str, Any] = await post_ok(
        client, f"{path}/decision", {"conditions": "四半期ごとに報告"}, APPROVER
    )
    return granted


class SubsidyService(ServiceUnderTest[SubsidyContext]):
    """The subsidy service built by its composition root, with an HTTP client on its app."""


RECIPE = ServiceRecipe(SubsidyService, SubsidySettings, build_runtime, defaults={"jwt_secret": JWT_SECRET})
make_settings, service_without_broker, running_service = RECIPE.parts
