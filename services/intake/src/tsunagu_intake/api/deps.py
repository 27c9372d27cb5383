"""Dependencies shared by the routes: the intake context, staff roles, purposes, ids, web users."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from tsunagu_servicekit.errors import Refusal
from tsunagu_servicekit.http import AuthError, Principal, context_dependency, documents_refusals, require
from tsunagu_servicekit.logging import get_logger

from ..adapters.web_logins import WebUser
from ..domain.codes import Purpose
from ..domain.rules import WEB_LOGIN_EXPIRED, WEB_LOGIN_INVALID, WEB_LOGIN_REQUIRED, WEB_USER_RULES
from ..handlers.context import IntakeContext

_log = get_logger(__name__)

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UUID_PATTERN = f"^{_UUID}$"


Ctx = Annotated[IntakeContext, Depends(context_dependency(IntakeContext))]

Counsellor = Annotated[Principal, Depends(require("counsellor", "supervisor"))]
Supervisor = Annotated[Principal, Depends(require("supervisor"))]
Expert = Annotated[Principal, Depends(require("expert", "supervisor"))]
EscalationReader = Annotated[Principal, Depends(require("expert", "supervisor", "counsellor"))]
CaseReader = Annotated[
    Principal, Depends(require("counsellor", "supervisor", "expert", "municipality_staff"))
]
MunicipalityStaff = Annotated[Principal, Depends(require("municipality_staff"))]
HomeVisitReader = Annotated[Principal, Depends(require("municipality_staff", "counsellor", "supervisor"))]
StatisticsReader = Annotated[Principal, Depends(require("supervisor", "counsellor", "municipality_staff"))]
PublicationReader = Annotated[
    Principal,
    Depends(require("supervisor", "counsellor", "municipality_staff", "expert", "trainer")),
]
"""Suppressed statistics: statistics readers, the expert team (it advises on the programme) and trainers."""

PurposeQuery = Annotated[
    Purpose,
    Query(description="Why personal data is read; required, and written to the access log with the read"),
]


CaseId = Annotated[str, Path(pattern=UUID_PATTERN, description="Pseudonymous case id")]
PersonId = Annotated[str, Path(pattern=UUID_PATTERN, description="Pseudonymous person id")]
ConsultationId = Annotated[str, Path(pattern=UUID_PATTERN, description="Consultation id")]
EscalationId = Annotated[str, Path(pattern=UUID_PATTERN, description="Escalation id")]
TaskId = Annotated[str, Path(pattern=UUID_PATTERN, description="Task id")]
RequestId = Annotated[str, Path(pattern=UUID_PATTERN, description="Home-visit request id")]

# A scheme of its own: a web user's token is not a staff token, and OpenAPI says so.
_web_bearer = HTTPBearer(
    scheme_name="WebUserBearer",
    auto_error=False,
    description="Login token of a web user (POST /web/sessions)",
)


@documents_refusals(*WEB_USER_RULES)
def _web_user(
    ctx: Ctx, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_web_bearer)]
) -> WebUser:
    if credentials is None or not credentials.credentials:
        raise Refusal(WEB_LOGIN_REQUIRED, headers={"WWW-Authenticate": "Bearer"})
    try:
        return ctx.web_logins.verify(credentials.credentials)
    except AuthError as exc:
        _log.info("web.token_rejected", reason=exc.reason)
        rule = WEB_LOGIN_EXPIRED if exc.reason == "expired" else WEB_LOGIN_INVALID
        raise Refusal(rule, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None


WebUserDep = Annotated[WebUser, Depends(_web_user)]
