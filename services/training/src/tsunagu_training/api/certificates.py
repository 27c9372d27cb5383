"""Certificates over HTTP: issuing where one is missing, reading, the PDF, revocation and the bulk
download for the office. The public verification page is in :mod:`.verification`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from tsunagu_contracts import ID_PATTERN
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.http.openapi import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain import rules
from ..handlers import certificates
from ..handlers.commands import Revoke
from ..handlers.views import CertificateView
from .deps import Anyone, Ctx, EnrolmentId, LearnerId, Office, Trainer

router = APIRouter(tags=["certificates"])

PDF = "application/pdf"
ZIP = "application/zip"
CertificateId = Annotated[str, Path(pattern=ID_PATTERN, description="Certificate id")]
CompletionId = Annotated[str, Path(pattern=ID_PATTERN, description="Completion id")]
CourseCode = Annotated[
    str,
    Query(pattern=r"^[a-z][a-z0-9_-]{0,47}$", description="A course's or a programme's catalogue code"),
]
FiscalYear = Annotated[int, Query(ge=2000, le=2999, description="Fiscal year (2025 is 令和7年度)")]
_ISSUED: dict[int | str, dict[str, Any]] = {
    200: {"model": CertificateView, "description": "The certificate issued before, unchanged"},
    201: {"description": "The certificate, issued now"},
}


def _issued(response: Response, result: tuple[CertificateView, bool]) -> CertificateView:
    view, created = result
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return view


@router.post(
    f"/completions/{{completion_id:{ID}}}/certificate",
    status_code=status.HTTP_201_CREATED,
    responses={**_ISSUED, **refusals(rules.COMPLETION_NOT_FOUND, rules.CERTIFICATE_REVOKED)},
)
def issue_for_completion(
    ctx: Ctx, _: Office, completion_id: CompletionId, response: Response
) -> CertificateView:
    """Issue the certificate of a completion that has none; one issued before is returned as is."""
    return _issued(response, certificates.issue_for_completion(ctx, completion_id))


@router.post(
    f"/enrolments/{{enrolment_id:{ID}}}/certificate",
    status_code=status.HTTP_201_CREATED,
    responses={
        **_ISSUED,
        **refusals(rules.ENROLMENT_NOT_FOUND, rules.CERTIFICATE_FOR_INCOMPLETE, rules.CERTIFICATE_REVOKED),
    },
)
def issue_for_enrolment(
    ctx: Ctx, _: Office, enrolment_id: EnrolmentId, response: Response
) -> CertificateView:
    """Issue the certificate of a completed enrolment; refused while the course is not completed."""
    return _issued(response, certificates.issue_for_enrolment(ctx, enrolment_id))


@router.get(
    "/certificates.zip",
    response_class=Response,
    responses={
        200: {"content": {ZIP: {}}},
        **refusals(rules.NO_CERTIFICATES, rules.TOO_MANY_CERTIFICATES),
    },
)
def certificates_zip(
    ctx: Ctx,
    _: Office,
    course_code: CourseCode,
    fiscal_year: FiscalYear,
    municipality_code: Annotated[TokyoCode | None, Query(description="Its learners only")] = None,
    partner_id: Annotated[
        str | None, Query(pattern=ID_PATTERN, description="A partner organisation's learners only")
    ] = None,
) -> Response:
    """The certificates in force of a course's (or programme's) completions in a fiscal year, one
    PDF each in a ZIP, optionally of one municipality's or partner's learners."""
    content = certificates.course_zip(
        ctx, course_code, fiscal_year, municipality_code=municipality_code, partner_id=partner_id
    )
    name = f"certificates-{course_code}-{fiscal_year}.zip"
    return Response(
        content=content, media_type=ZIP, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    f"/certificates/{{certificate_id:{ID}}}",
    responses=refusals(rules.CERTIFICATE_NOT_FOUND, rules.OWN_ORGANISATION_ONLY),
)
def get_certificate(ctx: Ctx, actor: Anyone, certificate_id: CertificateId) -> CertificateView:
    """A certificate, to its holder, their coordinator and trainers."""
    return certificates.get_certificate(ctx, actor, certificate_id)


@router.get(
    f"/certificates/{{certificate_id:{ID}}}.pdf",
    response_class=Response,
    responses={
        200: {"content": {PDF: {}}},
        **refusals(rules.CERTIFICATE_NOT_FOUND, rules.OWN_ORGANISATION_ONLY, rules.CERTIFICATE_REVOKED),
    },
)
def certificate_pdf(ctx: Ctx, actor: Anyone, certificate_id: CertificateId) -> Response:
    """The certificate as an A4 PDF (the holder's name, the course, era dates, the verification
    code and its QR code), to its holder, their coordinator and trainers."""
    pdf, name = certificates.pdf_of(ctx, actor, certificate_id)
    return Response(
        content=pdf,
        media_type=PDF,
        headers={"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store"},
    )


@router.post(
    f"/certificates/{{certificate_id:{ID}}}/revocation",
    responses=refusals(rules.CERTIFICATE_NOT_FOUND, rules.ALREADY_REVOKED),
)
def revoke(body: Revoke, ctx: Ctx, _: Trainer, certificate_id: CertificateId) -> CertificateView:
    """Revoke a certificate at once; its completion's permissions are withdrawn."""
    return certificates.revoke(ctx, certificate_id, body)


@router.get(
    f"/learners/{{learner_id:{ID}}}/certificates",
    responses=refusals(rules.LEARNER_NOT_FOUND, rules.OWN_ORGANISATION_ONLY),
)
def certificates_of(ctx: Ctx, actor: Anyone, learner_id: LearnerId) -> list[CertificateView]:
    """A learner's certificates, to themselves, their coordinator and trainers."""
    return certificates.certificates_of(ctx, actor, learner_id)
