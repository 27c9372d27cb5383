"""The public verification of certificates, with no login: a page in Japanese and the same as
JSON. They say whether a certificate is valid, expired or revoked, and of its holder the initials
only; an unknown code answers 404 without repeating what was asked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from tsunagu_calendar import format_date_ja
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..domain.certificates import STATUS_JA
from ..handlers import certificates
from ..handlers.views import PublicCertificateView
from .deps import Ctx

router = APIRouter(prefix="/public", tags=["public"])

HTML = "text/html"
# Autoescaping on for every template: titles and initials come from the records.
_templates = Jinja2Templates(
    env=Environment(loader=PackageLoader("tsunagu_training.api", "templates"), autoescape=True)
)
# Revocation takes effect at once, so no cache keeps an old answer; nothing here is for indexing.
_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}

Code = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        description="The code printed on the certificate (ABCD-EFGH-JK; any case, hyphens optional)",
    ),
]


@router.get(
    "/certificates/{code}.json",
    responses=refusals(rules.CERTIFICATE_NOT_FOUND),
)
def verify_json(ctx: Ctx, code: Code) -> PublicCertificateView:
    """A certificate's validity by its code: course, dates, status and the holder's initials."""
    found = certificates.verify(ctx, code)
    if found is None:
        refuse(rules.CERTIFICATE_NOT_FOUND)
    return found


@router.get(
    "/certificates/{code}",
    response_class=HTMLResponse,
    responses={
        200: {"content": {HTML: {}}},
        404: {"description": "No certificate has this code", "content": {HTML: {}}},
    },
)
def verify_page(request: Request, ctx: Ctx, code: Code) -> HTMLResponse:
    """The verification page a certificate's QR code leads to, in Japanese."""
    found = certificates.verify(ctx, code)
    context: dict[str, Any] = {"issuer": ctx.certificates.issuer}
    if found is None:
        response: HTMLResponse = _templates.TemplateResponse(
            request, "certificate_not_found.html", context, status_code=404, headers=_HEADERS
        )
        return response
    context |= {
        "certificate": found,
        "status_label": STATUS_JA[found.status],
        "issued_on": format_date_ja(found.issued_on),
        "valid_until": format_date_ja(found.valid_until) if found.valid_until else None,
    }
    response = _templates.TemplateResponse(request, "certificate.html", context, headers=_HEADERS)
    return response
