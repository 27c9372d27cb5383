"""The HTTP API keeps its documented contract: every answer to generated requests, valid and not,
is one the OpenAPI document allows (statuses, problem details, schemas)."""

from __future__ import annotations

from tsunagu_scheduling.api.deps import READERS, REVIEWERS, STAFF
from tsunagu_scheduling.testing import JWT_SECRET, Service
from tsunagu_servicekit.testing import role_headers
from tsunagu_servicekit.testing.contract import DEFAULT_SEED, check_http_contract

ROLES = (*STAFF, *READERS, *REVIEWERS, "municipality_staff")


async def test_every_operation_answers_as_documented(service: Service) -> None:
    tokens = role_headers(JWT_SECRET)
    auth = {role: tokens[role] for role in dict.fromkeys(ROLES)}
    report = await check_http_contract(service.client, auth=auth, max_examples=15, seed=DEFAULT_SEED)
    print(report.summary())
    assert report.failures == []
    assert report.errors == []
    assert report.untested == []
    assert report.ok
