"""iCalendar feeds per staff member and per room, for the calendar programs staff already use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from tsunagu_servicekit.http import current_principal, require

from ..handlers import calendars
from ..handlers.commands import Uuid
from ..handlers.context import SchedulingContext
from .deps import READERS, Reader
from .views import FeedLinkView

ICS = "text/calendar; charset=utf-8"
_optional_bearer = HTTPBearer(auto_error=False)


def router(ctx: SchedulingContext) -> APIRouter:
    api = APIRouter(prefix="/calendars", tags=["calendars"])
    allowed = require(*READERS)

    @api.get("/{resource_id}.ics", response_class=Response, responses={200: {"content": {ICS: {}}}})
    async def feed(
        resource_id: Uuid,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_optional_bearer)],
        token: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] = None,
    ) -> Response:
        """The bookings of a staff member or room as ``text/calendar``: with a bearer token, or with
        the private link's ``token`` (calendar programs cannot send bearer tokens)."""
        if token is not None:
            calendars.check_token(ctx, resource_id, token)
        else:
            await allowed(await current_principal(request, credentials))
        body = await run_in_threadpool(calendars.feed, ctx, resource_id)
        return Response(content=body, media_type=ICS, headers={"Cache-Control": "private, max-age=300"})

    @api.get("/{resource_id}/link")
    def link(resource_id: Uuid, _: Reader) -> FeedLinkView:
        """The private feed link of a staff member or room, to paste into a calendar program."""
        return FeedLinkView(
            path=f"/calendars/{resource_id}.ics?token={calendars.token_for(ctx, resource_id)}"
        )

    return api
