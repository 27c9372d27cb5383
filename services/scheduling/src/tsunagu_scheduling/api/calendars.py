"""iCalendar feeds per staff member and per room, for the calendar programs staff already use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import StringConstraints, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from tsunagu_servicekit.http import current_principal, require

from ..handlers import calendars
from ..handlers.commands import Uuid
from ..handlers.views import FeedLinkView
from .deps import READERS, Ctx, Reader

ICS = "text/calendar; charset=utf-8"

_TOKEN_FORMAT: TypeAdapter[str] = TypeAdapter(
    Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
)


class FeedTokenQuery(APIKeyQuery):
    """The private link's ``token`` query parameter, documented as a security scheme. Given but
    malformed, it is refused like any malformed query parameter (422, the value never echoed)."""

    async def __call__(self, request: HTTPConnection) -> str | None:
        token = request.query_params.get(self.model.name)
        if token is None:
            return None
        try:
            return _TOKEN_FORMAT.validate_python(token)
        except ValidationError as exc:
            problems = [
                {"type": e["type"], "loc": ("query", self.model.name), "msg": e["msg"]} for e in exc.errors()
            ]
            raise RequestValidationError(problems) from None


_feed_token = FeedTokenQuery(
    name="token",
    scheme_name="CalendarFeedToken",
    description="The token of a resource's private feed link (`GET /calendars/{resource_id}/link`).",
    auto_error=False,
)
_optional_bearer = HTTPBearer(auto_error=False)
_readers = require(*READERS)

router = APIRouter(prefix="/calendars", tags=["calendars"])


@router.get("/{resource_id}.ics", response_class=Response, responses={200: {"content": {ICS: {}}}})
async def feed(
    ctx: Ctx,
    resource_id: Uuid,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
    token: Annotated[str | None, Security(_feed_token)],
) -> Response:
    """The bookings of a staff member or room as ``text/calendar``: with a bearer token, or with
    the private link's ``token`` (calendar programs cannot send bearer tokens)."""
    if token is not None:
        calendars.check_token(ctx, resource_id, token)
    else:
        await _readers(await current_principal(request, credentials))
    body = await run_in_threadpool(calendars.feed, ctx, resource_id)
    return Response(content=body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})


@router.get("/{resource_id}/link")
def link(ctx: Ctx, resource_id: Uuid, _: Reader) -> FeedLinkView:
    """The private feed link of a staff member or room, to paste into a calendar program."""
    return calendars.link(ctx, resource_id)
