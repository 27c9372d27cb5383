"""iCalendar feeds per staff member and per room, for the calendar programs staff already use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import StringConstraints, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import current_principal, require
from tsunagu_servicekit.http.auth import AUTHENTICATION_RULES, ROLE_REQUIRED, STAFF_BEARER
from tsunagu_servicekit.http.openapi import documents_refusals, refusals

from ..domain import rules
from ..handlers import calendars
from ..handlers.commands import Uuid
from ..handlers.views import FeedLinkView
from .deps import READERS, Ctx, Reader

ICS = "text/calendar; charset=utf-8"

_TOKEN_FORMAT: TypeAdapter[str] = TypeAdapter(
    Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
)


class FeedTokenQuery(APIKeyQuery):
    """The private link's ``token`` query parameter, documented as a security scheme. A security
    scheme has no schema, so every string is a token by the document: one that is not a link's
    token's shape is refused as any wrong token is (``feed_token_invalid``, the value never echoed)."""

    async def __call__(self, request: HTTPConnection) -> str | None:
        token = request.query_params.get(self.model.name)
        if token is None:
            return None
        try:
            return _TOKEN_FORMAT.validate_python(token)
        except ValidationError:
            refuse(rules.FEED_TOKEN_INVALID)


_feed_token = FeedTokenQuery(
    name="token",
    scheme_name="CalendarFeedToken",
    description="The token of a resource's private feed link (`GET /calendars/{resource_id}/link`).",
    auto_error=False,
)
# The kit's staff scheme (the same name and words), optional here: a private link carries no token.
_optional_bearer = HTTPBearer(
    auto_error=False,
    scheme_name=STAFF_BEARER,
    description="A staff member's JWT: roles and scopes as claims (see ADR 0004).",
)
_readers = require(*READERS)


@documents_refusals(*AUTHENTICATION_RULES, ROLE_REQUIRED, rules.FEEDS_DISABLED, rules.FEED_TOKEN_INVALID)
async def feed_reader(
    ctx: Ctx,
    resource_id: Uuid,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
    token: Annotated[str | None, Security(_feed_token)],
) -> None:
    """A reader of the feed: the private link's ``token`` of this resource, else a reader's bearer
    token (401 without one, 403 without a reader's role)."""
    if token is not None:
        calendars.check_token(ctx, resource_id, token)
    else:
        await _readers(await current_principal(request, credentials))


router = APIRouter(prefix="/calendars", tags=["calendars"])


@router.get(
    "/{resource_id}.ics",
    response_class=Response,
    responses={200: {"content": {ICS: {}}}, **refusals(rules.STAFF_NOT_FOUND)},
    dependencies=[Depends(feed_reader)],
)
async def feed(ctx: Ctx, resource_id: Uuid) -> Response:
    """The bookings of a staff member or room as ``text/calendar``: with a bearer token, or with
    the private link's ``token`` (calendar programs cannot send bearer tokens)."""
    body = await run_in_threadpool(calendars.feed, ctx, resource_id)
    return Response(content=body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})


@router.get("/{resource_id}/link", responses=refusals(rules.FEEDS_DISABLED))
def link(ctx: Ctx, resource_id: Uuid, _: Reader) -> FeedLinkView:
    """The private feed link of a staff member or room, to paste into a calendar program."""
    return calendars.link(ctx, resource_id)
