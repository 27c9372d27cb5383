"""Staff qualifications from the training service's events, with no call to it (ADR 0013): a
completion of home-visit support lets scheduling assign the staff member to home visits while it
is valid; an expiry or a revocation withdraws it; an expiry announced ahead is kept as notice.

Only the permissions scheduling acts on are kept (``home_visit``), and only for staff it can know:
events without a ``staff_subject`` grant nobody here. See :mod:`..domain.qualifications` for how
the events merge whatever their order.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

from sqlmodel import Session
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.training import (
    CertificateExpired,
    CertificateExpiring,
    CertificateRevoked,
    Permission,
    TrainingCompleted,
)
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import qualifications as store
from ..adapters.tables import QualificationRow, Resource
from ..domain.qualifications import (
    QualificationSource,
    earliest,
    earliest_time,
    revoked_on,
    status_on,
    valid_on,
)
from .context import SchedulingContext
from .views import QualificationView

KEPT: frozenset[Permission] = frozenset({Permission.HOME_VISIT})
"""The permissions scheduling acts on."""


def _kept(permissions: Iterable[Permission]) -> list[Permission]:
    return sorted(set(permissions) & KEPT)


def _row(
    ctx: SchedulingContext, uow: UnitOfWork, completion_id: str, permission: Permission
) -> QualificationRow:
    return store.lock(
        uow.session,
        new_id=ctx.new_id(),
        completion_id=completion_id,
        permission=permission.value,
        source=QualificationSource.TRAINING.value,
        now=ctx.now(),
    )


def _withdrawable(
    ctx: SchedulingContext,
    uow: UnitOfWork,
    completion_id: str,
    staff_subject: str | None,
    permissions: Iterable[Permission],
) -> list[QualificationRow]:
    """The qualifications a withdrawal of ``completion_id`` concerns: those on record for the
    completion, whatever the event lists, and, when the withdrawal comes before its completion,
    one of each listed permission to hold it until the completion arrives."""
    rows = {row.permission: row for row in store.of_completion(uow.session, completion_id)}
    for permission in _kept(permissions):
        if permission.value not in rows:
            rows[permission.value] = _row(ctx, uow, completion_id, permission)
    for row in rows.values():
        row.staff_subject = row.staff_subject or staff_subject
    return list(rows.values())


def on_training_completed(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[TrainingCompleted]
) -> None:
    """A completion's permissions, valid from the day of completion to ``valid_until``. The
    completion's own dates are written as it gives them (the same every time it is seen); a
    withdrawal that came first stays."""
    data = event.data
    if data.staff_subject is None:
        return
    for permission in _kept(data.permissions):
        row = _row(ctx, uow, data.completion_id, permission)
        row.staff_subject = data.staff_subject
        row.valid_from = data.completed_on
        row.valid_until = data.valid_until
        row.updated_at = ctx.now()
        store.save(uow.session, row)


def on_certificate_expiring(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[CertificateExpiring]
) -> None:
    """Notice ahead: the day the completion's permissions are due to expire, for staff views."""
    data = event.data
    for row in _withdrawable(ctx, uow, data.completion_id, data.staff_subject, data.permissions):
        row.expires_on = earliest(row.expires_on, data.expires_on)
        row.updated_at = ctx.now()
        store.save(uow.session, row)


def on_certificate_expired(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[CertificateExpired]
) -> None:
    """The completion's permissions end: ``expired_on`` is the first day without them."""
    data = event.data
    for row in _withdrawable(ctx, uow, data.completion_id, data.staff_subject, data.permissions):
        row.expired_on = earliest(row.expired_on, data.expired_on)
        row.updated_at = ctx.now()
        store.save(uow.session, row)


def on_certificate_revoked(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[CertificateRevoked]
) -> None:
    """The completion's permissions are withdrawn at once: from the day of the revocation (Tokyo)."""
    data = event.data
    for row in _withdrawable(ctx, uow, data.completion_id, data.staff_subject, data.permissions):
        row.revoked_at = earliest_time(row.revoked_at, data.revoked_at)
        row.updated_at = ctx.now()
        store.save(uow.session, row)


# -- what other use cases ask ------------------------------------------------------------------


def home_visit_qualified(session: Session, staff: Collection[Resource], day: date) -> bool:
    """Whether every one of ``staff`` holds a ``home_visit`` qualification valid on ``day``. Staff
    without a subject cannot hold one."""
    subjects = [s.subject for s in staff]
    if any(not subject for subject in subjects):
        return False
    held = store.of_subjects(session, {s for s in subjects if s}, permission=Permission.HOME_VISIT.value)
    return all(any(valid_on(q, day) for q in held.get(subject or "", [])) for subject in subjects)


def views_of(
    session: Session, subjects: Collection[str], today: date
) -> dict[str, tuple[bool, list[QualificationView]]]:
    """Per staff subject: whether it may make home visits ``today``, and its qualifications as staff
    see them (a withdrawal whose completion is not known yet grants nothing and is not shown)."""
    found = store.of_subjects(session, subjects)
    out: dict[str, tuple[bool, list[QualificationView]]] = {}
    for subject, rows in found.items():
        shown = [row for row in rows if row.valid_from is not None]
        qualified = any(row.permission == Permission.HOME_VISIT and valid_on(row, today) for row in shown)
        out[subject] = (qualified, [_view(row, today) for row in shown])
    return out


def _view(row: QualificationRow, today: date) -> QualificationView:
    assert row.valid_from is not None
    return QualificationView(
        permission=row.permission,
        source=row.source,
        completion_id=row.completion_id,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        expires_on=row.expires_on,
        expired_on=row.expired_on,
        revoked_on=revoked_on(row),
        status=status_on(row, today),
    )
