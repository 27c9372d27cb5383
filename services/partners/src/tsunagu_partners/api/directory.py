"""The directory's printed editions over HTTP, for the programme office: publish, list, and keep
the distribution record."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from starlette.concurrency import run_in_threadpool
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import directory
from ..handlers.commands import RecordDistribution
from ..handlers.views import DistributionView, EditionView
from .deps import Ctx, Manager, Reader

router = APIRouter(prefix="/directory/editions", tags=["directory"])

EditionNumber = Annotated[int, Path(ge=1, le=1_000_000, description="Edition number")]


@router.post("", status_code=status.HTTP_201_CREATED, responses={200: {"model": EditionView}})
async def publish(
    ctx: Ctx,
    _: Manager,
    response: Response,
    force: Annotated[bool, Query(description="Publish even if nothing printed changed")] = False,
) -> EditionView:
    """Publish a new edition of the leaflets (each municipality's and all Tokyo's) and the pocket
    memo: 201 with the new edition, or 200 with the latest when nothing it prints has changed
    since (unless ``force``). The timer does the same when the directory changes."""
    edition, new = await run_in_threadpool(lambda: directory.publish_edition(ctx, force=force))
    if not new:
        response.status_code = status.HTTP_200_OK
    return edition


@router.get("")
def list_editions(ctx: Ctx, _: Reader, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[EditionView]:
    """The latest editions, newest first, with their files."""
    return directory.list_editions(ctx, limit)


@router.post(
    "/{number}/distributions",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(rules.EDITION_NOT_FOUND, rules.MEMO_HAS_NO_AREA),
)
def record_distribution(
    body: RecordDistribution, ctx: Ctx, _: Manager, number: EditionNumber
) -> DistributionView:
    """Record copies of an edition's leaflet or memo handed out; 404 (``edition_not_found``),
    422 (``memo_has_no_area``) when a municipality is given for the memo."""
    return directory.record_distribution(ctx, number, body)


@router.get("/{number}/distributions", responses=refusals(rules.EDITION_NOT_FOUND))
def list_distributions(ctx: Ctx, _: Reader, number: EditionNumber) -> list[DistributionView]:
    """Where an edition went, in what numbers; 404 (``edition_not_found``)."""
    return directory.list_distributions(ctx, number)
