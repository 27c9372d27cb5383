"""What the public reads, with no login: the directory as JSON and as a page, and the printed
editions as PDF. Only what organisations and windows consented to publish is here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool
from tsunagu_calendar import TOKYO, format_date_ja
from tsunagu_contracts.events.partners import SupportKind, SupportTarget
from tsunagu_contracts.municipalities import TokyoCode, tokyo_municipalities
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..domain.directory import LEAFLET, MEMO, SUPPORT_KIND_JA, TARGET_JA, TOKYO_AREA
from ..domain.directory import Query as DirectoryQuery
from ..handlers import directory
from ..handlers.views import DirectoryView
from .deps import Ctx

router = APIRouter(prefix="/public", tags=["public"])

PDF = "application/pdf"
# Autoescaping on for every template: names and addresses come from the records.
_templates = Jinja2Templates(
    env=Environment(loader=PackageLoader("tsunagu_partners.api", "templates"), autoescape=True)
)

Municipality = Annotated[TokyoCode | None, Query(description="Listings serving this municipality")]
Kind = Annotated[SupportKind | None, Query(description="Listings offering this kind of support")]
Target = Annotated[SupportTarget | None, Query(description="Listings for the person or the family")]
OpenNow = Annotated[bool | None, Query(description="Only listings open (true) or closed (false) now")]
# A form sends an empty value for "all" (すべて) and nothing for an unticked box: both mean no criterion.
_blank = BeforeValidator(lambda value: value or None)
FormMunicipality = Annotated[
    TokyoCode | None, _blank, Query(description="Listings serving this municipality")
]
FormKind = Annotated[SupportKind | None, _blank, Query(description="Listings offering this kind of support")]
FormTarget = Annotated[
    SupportTarget | None, _blank, Query(description="Listings for the person or the family")
]
FormOpenNow = Annotated[bool | None, _blank, Query(description="Only listings open now (true)")]
EditionNumber = Annotated[int, Path(ge=1, le=1_000_000, description="Edition number")]
AreaCode = Annotated[str, Path(pattern=r"^(tokyo|13[0-9]{4})$", description="A municipality code, or tokyo")]


@router.get("/directory.json")
def directory_json(
    ctx: Ctx,
    municipality_code: Municipality = None,
    support_kind: Kind = None,
    target: Target = None,
    open_now: OpenNow = None,
) -> DirectoryView:
    """The public directory: active partners and consenting windows and resources, searchable by
    municipality, support kind, target and whether they are open now."""
    return directory.search_directory(ctx, DirectoryQuery(municipality_code, support_kind, target, open_now))


@router.get("/directory", response_class=HTMLResponse, responses={200: {"content": {"text/html": {}}}})
def directory_page(
    request: Request,
    ctx: Ctx,
    municipality_code: FormMunicipality = None,
    support_kind: FormKind = None,
    target: FormTarget = None,
    open_now: FormOpenNow = None,
) -> HTMLResponse:
    """The public directory as a page, in Japanese: a search form and the listings, rendered on
    the server (no script needed), with whether each is open now and the Support Net's line."""
    found = directory.search_directory(ctx, DirectoryQuery(municipality_code, support_kind, target, open_now))
    latest = directory.latest_edition(ctx)
    context: dict[str, Any] = {
        "found": found,
        "as_of": _as_of(found.as_of),
        "municipalities": list(tokyo_municipalities()),
        "names": {m.code: m.name_ja for m in tokyo_municipalities()},
        "support_kinds": [(k.value, SUPPORT_KIND_JA[k]) for k in SupportKind],
        "targets": [(t.value, TARGET_JA[t]) for t in SupportTarget],
        "selected": {
            "municipality_code": municipality_code,
            "support_kind": support_kind.value if support_kind else None,
            "target": target.value if target else None,
            "open_now": open_now,
        },
        "support_labels": {k.value: v for k, v in SUPPORT_KIND_JA.items()},
        "target_labels": {t.value: v for t, v in TARGET_JA.items()},
        "edition": latest,
        "leaflet_area": municipality_code or TOKYO_AREA,
    }
    response: HTMLResponse = _templates.TemplateResponse(request, "directory.html", context)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _as_of(moment: datetime) -> str:
    local = moment.astimezone(TOKYO)
    return f"{format_date_ja(local.date())} {local.hour}:{local.minute:02d}"


@router.get(
    "/editions/{number}/leaflets/{area}.pdf",
    response_class=Response,
    responses={200: {"content": {PDF: {}}}, **refusals(rules.PRINT_NOT_FOUND)},
)
async def leaflet(ctx: Ctx, number: EditionNumber, area: AreaCode) -> Response:
    """An edition's leaflet of one municipality, or of all Tokyo (``tokyo``), as an A4 PDF."""
    pdf = await run_in_threadpool(directory.print_file, ctx, number, LEAFLET, area)
    return Response(content=pdf, media_type=PDF, headers={"Cache-Control": "public, max-age=86400"})


@router.get(
    "/editions/{number}/memo.pdf",
    response_class=Response,
    responses={200: {"content": {PDF: {}}}, **refusals(rules.PRINT_NOT_FOUND)},
)
async def memo(ctx: Ctx, number: EditionNumber) -> Response:
    """An edition's pocket consultation memo, as a card-sized PDF (front and back)."""
    pdf = await run_in_threadpool(directory.print_file, ctx, number, MEMO, TOKYO_AREA)
    return Response(content=pdf, media_type=PDF, headers={"Cache-Control": "public, max-age=86400"})
