"""The HTTP API keeps its documented contract: every answer to generated requests, valid and not,
is one the OpenAPI document allows (statuses, problem details, schemas).

Schemathesis runs all its checks in-process over ASGI, bounded and with a fixed seed, through the
kit's :func:`~tsunagu_servicekit.testing.contract.check_http_contract`. Staff authenticate with a
local token per role the operations admit; web users with a real login token, obtained through the
service's own registration and login.
"""

from __future__ import annotations

from tsunagu_intake.testing import JWT_SECRET, IntakeService
from tsunagu_servicekit.testing import role_headers
from tsunagu_servicekit.testing.contract import DEFAULT_SEED, check_http_contract

# The same figures in every service (the scheduling service runs with them too).
MAX_EXAMPLES = 15
SEED = DEFAULT_SEED

# Every role an intake operation admits; each operation is called as the first of them it admits.
STAFF_ROLES = ("counsellor", "supervisor", "municipality_staff", "expert", "trainer")
WEB_USER_SCHEME = "WebUserBearer"
PASSWORD = "contract test password"


async def _web_user(service: IntakeService) -> dict[str, str]:
    """The Authorization header of a registered web user, logged in through the API."""
    registered = await service.client.post("/web/registrations", json={"password": PASSWORD})
    assert registered.status_code == 201, registered.status_code
    number = registered.json()["user_number"]
    login = await service.client.post("/web/sessions", json={"user_number": number, "password": PASSWORD})
    assert login.status_code == 200, login.status_code
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_every_operation_answers_as_documented(service: IntakeService) -> None:
    staff = role_headers(JWT_SECRET)
    auth = {role: staff[role] for role in STAFF_ROLES}
    auth[WEB_USER_SCHEME] = await _web_user(service)

    report = await check_http_contract(service.client, auth=auth, max_examples=MAX_EXAMPLES, seed=SEED)

    print(report.summary())
    assert report.failures == []
    assert report.errors == []
    assert report.untested == []
    assert report.ok
