"""The Support Guidelines training of partners' staff, from the training service's events with no
call to it (ADR 0013): a completion with the ``partner_guideline`` permission counts for the
organisation (which may then be signed and become active) and for the member of staff (who may then
accept referrals) while it is valid; an expiry or a revocation withdraws it; an expiry announced
ahead is kept as notice. See :mod:`..domain.qualifications` for how the events merge whatever their
order.
"""

from __future__ import annotations

from datetime import date

from tsunagu_calendar import tokyo_date
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.training import (
    CertificateExpired,
    CertificateExpiring,
    CertificateRevoked,
    Permission,
    TrainingCompleted,
)
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import qualifications as store
from ..adapters.tables import PartnerRow, QualificationRow
from ..domain import rules
from ..domain.qualifications import (
    QualificationSource,
    earliest,
    earliest_time,
    organisation_training,
    revoked_on,
    status_on,
    valid_on,
)
from .context import PartnersContext
from .offerings import check_acting_for
from .views import GuidelineCompletionView, GuidelineTrainingView, TrainingView

GUIDELINE = Permission.PARTNER_GUIDELINE
"""The one permission partners acts on."""


def _row(ctx: PartnersContext, uow: UnitOfWork, completion_id: str) -> QualificationRow:
    return store.lock(
        uow,
        new_id=ctx.new_id(),
        completion_id=completion_id,
        permission=GUIDELINE.value,
        source=QualificationSource.TRAINING.value,
        now=ctx.now(),
    )


def _concerned(
    ctx: PartnersContext,
    uow: UnitOfWork,
    withdrawal: CertificateExpiring | CertificateExpired | CertificateRevoked,
) -> list[QualificationRow]:
    """The rows a withdrawal of its completion concerns: those on record for it, whatever the
    event lists, and, when the withdrawal comes before its completion and lists the guideline
    permission, one to hold it until the completion arrives."""
    rows = list(store.of_completion(uow, withdrawal.completion_id))
    if (
        not rows
        and GUIDELINE in withdrawal.permissions
        and (withdrawal.staff_subject or withdrawal.partner_id)
    ):
        rows = [_row(ctx, uow, withdrawal.completion_id)]
    for row in rows:
        row.learner_id = row.learner_id or withdrawal.learner_id
        row.staff_subject = row.staff_subject or withdrawal.staff_subject
        row.partner_id = row.partner_id or withdrawal.partner_id
    return rows


def on_training_completed(
    ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[TrainingCompleted]
) -> None:
    """A completion of the guideline training by a member of a partner's staff: valid from the
    day of completion to ``valid_until``. Its own dates are written as it gives them (the same every
    time it is seen); a withdrawal that came first stays."""
    data = event.data
    if GUIDELINE not in data.permissions or not (data.staff_subject or data.partner_id):
        return
    row = _row(ctx, uow, data.completion_id)
    row.learner_id = data.learner_id
    row.staff_subject = data.staff_subject
    row.partner_id = data.partner_id
    row.course_code = data.course_code or data.programme_code
    row.valid_from = data.completed_on
    row.valid_until = data.valid_until
    row.updated_at = ctx.now()
    store.save(uow, row)


def on_certificate_expiring(
    ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[CertificateExpiring]
) -> None:
    """Notice ahead: the day the completion is due to expire, for the organisation's view."""
    data = event.data
    for row in _concerned(ctx, uow, data):
        row.expires_on = earliest(row.expires_on, data.expires_on)
        row.updated_at = ctx.now()
        store.save(uow, row)


def on_certificate_expired(
    ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[CertificateExpired]
) -> None:
    """The completion stops counting: ``expired_on`` is the first day without it."""
    data = event.data
    for row in _concerned(ctx, uow, data):
        row.expired_on = earliest(row.expired_on, data.expired_on)
        row.updated_at = ctx.now()
        store.save(uow, row)


def on_certificate_revoked(
    ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[CertificateRevoked]
) -> None:
    """The completion stops counting at once: from the day of the revocation (Tokyo)."""
    data = event.data
    for row in _concerned(ctx, uow, data):
        row.revoked_at = earliest_time(row.revoked_at, data.revoked_at)
        row.updated_at = ctx.now()
        store.save(uow, row)


# -- what other use cases ask ----------------------------------------------------------------------


def organisation_trained(uow: UnitOfWork, partner_id: str, day: date) -> TrainingView | None:
    """The organisation's guideline training valid on ``day``, or ``None``."""
    found = organisation_training(store.of_partner(uow, partner_id, GUIDELINE.value), day)
    if found is None:
        return None
    return TrainingView(
        staff_count=found.staff_count, completed_on=found.completed_on, valid_until=found.valid_until
    )


def staff_trained(uow: UnitOfWork, staff_subject: str, day: date) -> bool:
    """Whether the member of staff holds a completion of the guideline training valid on ``day``."""
    return any(valid_on(q, day) for q in store.of_subject(uow, staff_subject, GUIDELINE.value))


def require_trained_staff(uow: UnitOfWork, actor: Principal, day: date) -> None:
    """Refuse partner staff who hold no valid completion of the guideline training
    (``staff_not_trained``); the programme office, recording an answer given by phone or letter,
    and municipality staff are not asked."""
    if actor.is_admin or actor.roles & {"supervisor", "counsellor"}:
        return
    if actor.has_role("partner_staff") and not staff_trained(uow, actor.subject, day):
        refuse(rules.STAFF_NOT_TRAINED)


# -- reads -----------------------------------------------------------------------------------------


def training_of(ctx: PartnersContext, actor: Principal, partner_id: str) -> GuidelineTrainingView:
    """The organisation's guideline training today and every completion of its staff, with the
    notice of an expiry ahead."""
    check_acting_for(actor, partner_id)
    today = tokyo_date(ctx.now())
    with ctx.reading() as uow:
        if uow.session.get(PartnerRow, partner_id) is None:
            refuse(rules.PARTNER_NOT_FOUND)
        rows = store.of_partner(uow, partner_id, GUIDELINE.value)
        return GuidelineTrainingView(
            partner_id=partner_id,
            training=organisation_trained(uow, partner_id, today),
            completions=[_completion(row, today) for row in rows],
        )


def _completion(row: QualificationRow, today: date) -> GuidelineCompletionView:
    assert row.valid_from is not None  # only known completions are read
    return GuidelineCompletionView(
        completion_id=row.completion_id,
        source=row.source,
        staff_subject=row.staff_subject,
        staff_count=row.staff_count,
        course_code=row.course_code,
        completed_on=row.valid_from,
        valid_until=row.valid_until,
        expires_on=row.expires_on,
        expired_on=row.expired_on,
        revoked_on=revoked_on(row),
        status=status_on(row, today).value,
    )
