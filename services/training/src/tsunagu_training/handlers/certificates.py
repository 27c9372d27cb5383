"""Certificates of completions: issued with the completion (and by the office where one is
missing), printed as PDF with a QR code of the public verification page, verified by anyone with
the code (initials only), revoked by a trainer, downloaded in bulk, and announced ahead of their
expiry and on it by the certificate timer.

Every event carries the completion's permissions, so that scheduling and partners grant and
withdraw them without asking.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Collection
from datetime import datetime
from typing import Final

from tsunagu_calendar import TOKYO, tokyo_date
from tsunagu_contracts.events.training import (
    CertificateExpired,
    CertificateExpiring,
    CertificateIssued,
    CertificateRevoked,
    Permission,
    RevocationReason,
)
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import certificates as store
from ..adapters import learners as learner_store
from ..adapters.certificate_pdf import certificate_pdf
from ..adapters.certificates import REVOKED, VALID, Issued
from ..adapters.tables import CertificateRow, CompletionRow, LearnerRow
from ..domain import rules
from ..domain.certificates import (
    expires_on,
    grouped,
    initials,
    new_code,
    notice_window_end,
    printed,
    read_code,
    status_on,
)
from . import progress
from .access import learner_for
from .commands import Revoke
from .context import TrainingContext
from .views import CertificateView, PublicCertificateView

ZIP_LIMIT: Final = 300
"""Certificates in one download at most: each takes a tenth of a second or so to print."""
BATCH: Final = 100
"""Certificates of each kind per timer scan; the timer scans again at once while one handled any."""
_CODE_TRIES: Final = 5


def _fresh_code(uow: UnitOfWork) -> str:
    # 32^10 codes: a collision is all but impossible, and the unique index would catch one anyway.
    for _ in range(_CODE_TRIES):
        code = new_code()
        if not store.code_taken(uow, code):
            return code
    raise RuntimeError("no free certificate code after several tries")


def _permissions(completion: CompletionRow) -> list[Permission]:
    return [Permission(p) for p in completion.permissions]


def issue_for(
    ctx: TrainingContext, uow: UnitOfWork, completion: CompletionRow, learner: LearnerRow
) -> CertificateRow:
    """The certificate of ``completion``, issued in the caller's unit of work (the one that
    completes, or the office's) and announced with ``CertificateIssued``; the one it has if any."""
    existing = store.of_completion(uow, completion.id)
    if existing is not None:
        return existing
    now = ctx.now()
    row = CertificateRow(
        # Time-ordered: a learner's certificates, and a download's, list in the order of issue.
        id=ctx.ordered_id(),
        completion_id=completion.id,
        learner_id=learner.id,
        code=_fresh_code(uow),
        issued_on=tokyo_date(now),
        issued_at=now,
        valid_until=completion.valid_until,
        status=VALID,
    )
    store.add(uow, row)
    is_course = completion.kind == "course"
    uow.emit(
        CertificateIssued(
            **progress.learner_ids(learner),
            certificate_id=row.id,
            completion_id=completion.id,
            course_code=completion.code if is_course else None,
            programme_code=None if is_course else completion.code,
            issued_on=row.issued_on,
            valid_until=row.valid_until,
            issued_at=now,
        ),
        subject=row.id,
    )
    return row


def _title(ctx: TrainingContext, completion: CompletionRow) -> str:
    """The course's or programme's title in the catalogue of its fiscal year (the code when a later
    catalogue file dropped it)."""
    version = ctx.catalogue.in_force(completion.fiscal_year)
    versions = ([version] if version else []) + list(reversed(ctx.catalogue.versions))
    for catalogue in versions:
        offered = catalogue.courses.get(completion.code) or catalogue.programmes.get(completion.code)
        if offered is not None:
            return offered.title
    return completion.code


def _view(ctx: TrainingContext, certificate: CertificateRow, completion: CompletionRow) -> CertificateView:
    return CertificateView(
        id=certificate.id,
        completion_id=completion.id,
        learner_id=certificate.learner_id,
        kind=completion.kind,
        code=completion.code,
        title=_title(ctx, completion),
        verification_code=grouped(certificate.code),
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        status=status_on(certificate.status == REVOKED, certificate.valid_until, tokyo_date(ctx.now())),
        revoked_at=certificate.revoked_at,
        reason=RevocationReason(certificate.reason) if certificate.reason else None,
        verify_url=ctx.certificates.verify_url(certificate.code),
    )


# -- issuing by the office -------------------------------------------------------------------


def _issue_by_office(
    ctx: TrainingContext, uow: UnitOfWork, completion: CompletionRow
) -> tuple[CertificateView, bool]:
    # The enrolment's lock serialises this with another office request for the same completion.
    store.enrolment_of(uow, completion, lock=True)
    existing = store.of_completion(uow, completion.id)
    if existing is not None:
        if existing.status == REVOKED:
            refuse(rules.CERTIFICATE_REVOKED)
        return _view(ctx, existing, completion), False
    learner = learner_store.find_learner(uow, completion.learner_id)
    assert learner is not None  # the completion's foreign key holds
    row = issue_for(ctx, uow, completion, learner)
    uow.commit()
    return _view(ctx, row, completion), True


def issue_for_completion(ctx: TrainingContext, completion_id: str) -> tuple[CertificateView, bool]:
    """The office issues the certificate of a completion that has none (one issued before is
    returned as it is); whether it was issued now comes second."""
    with ctx.uow() as uow:
        completion = learner_store.find_completion(uow, completion_id)
        if completion is None:
            refuse(rules.COMPLETION_NOT_FOUND)
        return _issue_by_office(ctx, uow, completion)


def issue_for_enrolment(ctx: TrainingContext, enrolment_id: str) -> tuple[CertificateView, bool]:
    """The same by the enrolment: refused with ``certificate_for_incomplete`` until the course or
    programme is completed."""
    with ctx.uow() as uow:
        enrolment = learner_store.find_enrolment(uow, enrolment_id)
        if enrolment is None:
            refuse(rules.ENROLMENT_NOT_FOUND)
        completion = learner_store.completion_of(uow, enrolment.id)
        if enrolment.status != progress.COMPLETED or completion is None:
            refuse(rules.CERTIFICATE_FOR_INCOMPLETE)
        return _issue_by_office(ctx, uow, completion)


# -- reading ---------------------------------------------------------------------------------


def _issued_for(uow: UnitOfWork, actor: Principal, certificate_id: str) -> Issued:
    found = store.issued(uow, certificate_id)
    if found is None:
        refuse(rules.CERTIFICATE_NOT_FOUND)
    learner_for(uow, actor, found[0].learner_id)
    return found


def get_certificate(ctx: TrainingContext, actor: Principal, certificate_id: str) -> CertificateView:
    """A certificate, to its holder, their coordinator and trainers."""
    with ctx.reading() as uow:
        certificate, completion, _ = _issued_for(uow, actor, certificate_id)
        return _view(ctx, certificate, completion)


def certificates_of(ctx: TrainingContext, actor: Principal, learner_id: str) -> list[CertificateView]:
    """A learner's certificates, in order of issue."""
    with ctx.reading() as uow:
        learner_for(uow, actor, learner_id)
        return [_view(ctx, c, p) for c, p, _ in store.issued_of_learner(uow, learner_id)]


def _pdf(ctx: TrainingContext, found: Issued) -> bytes:
    certificate, completion, learner = found
    document = printed(
        holder=learner.name,
        title=_title(ctx, completion),
        programme=completion.kind != "course",
        completed_on=completion.completed_on,
        valid_until=certificate.valid_until,
        issued_on=certificate.issued_on,
        code=certificate.code,
        issuer=ctx.certificates.issuer,
    )
    return certificate_pdf(
        document, ctx.certificates.verify_url(certificate.code), issued_at=certificate.issued_at
    )


def pdf_of(ctx: TrainingContext, actor: Principal, certificate_id: str) -> tuple[bytes, str]:
    """The certificate as an A4 PDF with its file name, to its holder, their coordinator and
    trainers. A revoked certificate is not printed: a copy would look valid."""
    with ctx.reading() as uow:
        found = _issued_for(uow, actor, certificate_id)
    if found[0].status == REVOKED:
        refuse(rules.CERTIFICATE_REVOKED)
    return _pdf(ctx, found), _file_name(found)


def _file_name(found: Issued) -> str:
    # The code, not the holder's name: file names end up in mail and on shared drives.
    return f"certificate-{found[1].code}-{grouped(found[0].code)}.pdf"


# -- verifying, for anyone -------------------------------------------------------------------


def verify(ctx: TrainingContext, typed_code: str) -> PublicCertificateView | None:
    """What the public verification page shows of the certificate with this code: course, dates,
    status and the holder's initials; None when there is no such certificate."""
    code = read_code(typed_code)
    if code is None:
        return None
    with ctx.reading() as uow:
        found = store.issued_by_code(uow, code)
    if found is None:
        return None
    certificate, completion, learner = found
    return PublicCertificateView(
        verification_code=grouped(certificate.code),
        title=_title(ctx, completion),
        kind=completion.kind,
        issued_on=certificate.issued_on,
        valid_until=certificate.valid_until,
        status=status_on(certificate.status == REVOKED, certificate.valid_until, tokyo_date(ctx.now())),
        holder_initials=initials(learner.name),
    )


# -- revoking --------------------------------------------------------------------------------


def revoke(ctx: TrainingContext, certificate_id: str, command: Revoke) -> CertificateView:
    """Revoke a certificate at once: ``CertificateRevoked`` withdraws its completion's permissions,
    and the verification page says revoked from now on."""
    now = ctx.now()
    with ctx.uow() as uow:
        found = store.issued(uow, certificate_id)
        if found is None:
            refuse(rules.CERTIFICATE_NOT_FOUND)
        certificate, completion, learner = found
        if not store.take_revocation(uow, certificate.id, command.reason.value, now):
            refuse(rules.ALREADY_REVOKED)
        uow.emit(
            CertificateRevoked(
                **progress.learner_ids(learner),
                certificate_id=certificate.id,
                completion_id=completion.id,
                reason=command.reason,
                permissions=_permissions(completion),
                revoked_at=now,
            ),
            subject=certificate.id,
        )
        uow.commit()
        uow.session.refresh(certificate)
        return _view(ctx, certificate, completion)


# -- bulk download ---------------------------------------------------------------------------


def certificates_zip(ctx: TrainingContext, completion_ids: Collection[str]) -> bytes:
    """The certificates in force (not revoked) of these completions as one ZIP of PDFs, for the
    office to print: a course's in a year, or an in-person session's attendees'. Refused when none
    is in force (``no_certificates``) or when there are more than :data:`ZIP_LIMIT`."""
    if len(completion_ids) > ZIP_LIMIT:
        refuse(rules.TOO_MANY_CERTIFICATES)
    with ctx.reading() as uow:
        found = store.issued_for_completions(uow, completion_ids)
    if not found:
        refuse(rules.NO_CERTIFICATES)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for issued in found:
            entry = zipfile.ZipInfo(_file_name(issued), date_time=_zip_time(issued[0].issued_at))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, _pdf(ctx, issued))
    return out.getvalue()


def _zip_time(at: datetime) -> tuple[int, int, int, int, int, int]:
    local = at.astimezone(TOKYO)
    return (local.year, local.month, local.day, local.hour, local.minute, local.second)


def course_zip(
    ctx: TrainingContext,
    code: str,
    fiscal_year: int,
    *,
    municipality_code: str | None = None,
    partner_id: str | None = None,
) -> bytes:
    """The certificates of a course's or programme's completions in a fiscal year, of one
    organisation's learners or all, as one ZIP."""
    with ctx.reading() as uow:
        completion_ids = store.completions_of_course(uow, code, fiscal_year, municipality_code, partner_id)
    return certificates_zip(ctx, completion_ids)


# -- the certificate timer -------------------------------------------------------------------


def scan(ctx: TrainingContext, *, limit: int = BATCH) -> int:
    """One scan of the certificate timer, by today's date in Tokyo, in one transaction:

    * a certificate whose last valid day has passed is announced expired once
      (``CertificateExpired``, on any day: its permissions end with it);
    * on a business day, a certificate within the notice period of its last valid day is given
      notice once (``CertificateExpiring``, the recertification reminder), unless its holder has
      recertified already (a later certificate of the same course lasts longer).

    Returns how many certificates it handled."""
    now = ctx.now()
    today = tokyo_date(now)
    handled = 0
    with ctx.uow() as uow:
        for certificate, completion, learner in store.run_out(uow, today, limit):
            if not store.take_notice(uow, certificate.id, "expired_noticed_at", now):
                continue
            handled += 1
            assert certificate.valid_until is not None  # the query selects certificates with an end
            uow.emit(
                CertificateExpired(
                    **progress.learner_ids(learner),
                    certificate_id=certificate.id,
                    completion_id=completion.id,
                    expired_on=expires_on(certificate.valid_until),
                    permissions=_permissions(completion),
                    raised_at=now,
                ),
                subject=certificate.id,
            )
        if ctx.calendar.is_business_day(today):
            window_end = notice_window_end(today, ctx.certificates.notice_business_days, ctx.calendar)
            for certificate, completion, learner in store.notice_candidates(uow, today, window_end, limit):
                if not store.take_notice(uow, certificate.id, "expiring_noticed_at", now):
                    continue
                handled += 1
                if store.renewed(uow, certificate, completion.code):
                    continue
                assert certificate.valid_until is not None  # the query selects certificates with an end
                uow.emit(
                    CertificateExpiring(
                        **progress.learner_ids(learner),
                        certificate_id=certificate.id,
                        completion_id=completion.id,
                        expires_on=expires_on(certificate.valid_until),
                        permissions=_permissions(completion),
                        raised_at=now,
                    ),
                    subject=certificate.id,
                )
        uow.commit()
    return handled
