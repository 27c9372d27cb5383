"""The municipal start-up subsidy in the network view, from the subsidy service's events only (no
call to that service; ADR 0012).

Every event carries the application's id, the municipality's code and the fiscal year, so any of
them can open the application's record: the first to arrive need not be ``SubsidyApplied``. Each
handler merges what its event says by the event's own time (``domain/subsidy.py``): an event older
than what is on record does not set the application back, and the same event twice, or a replay of
the whole stream into a fresh partners, gives the same record. The reminders (``SubsidyReportDue``,
``SubsidyPaymentDue``) change no status and are not consumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tsunagu_calendar import fiscal_year_label
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.subsidy import (
    PaymentKind,
    ReviewStage,
    SubsidyAmountConfirmed,
    SubsidyApplied,
    SubsidyApproved,
    SubsidyChanged,
    SubsidyChangeRequested,
    SubsidyPaid,
    SubsidyRefundClaimed,
    SubsidyRefused,
    SubsidyReportSubmitted,
    SubsidyReviewed,
    SubsidyWithdrawn,
)
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import subsidy as store
from ..adapters.tables import SubsidyApplicationRow
from ..domain.subsidy import (
    Step,
    SubsidyStatus,
    amount_is_newer,
    status_of,
    step_is_newer,
)
from .context import PartnersContext
from .views import SubsidyYearView

Event = (
    SubsidyApplied
    | SubsidyReviewed
    | SubsidyApproved
    | SubsidyRefused
    | SubsidyChangeRequested
    | SubsidyChanged
    | SubsidyWithdrawn
    | SubsidyReportSubmitted
    | SubsidyAmountConfirmed
    | SubsidyPaid
    | SubsidyRefundClaimed
)


def _record(
    uow: UnitOfWork,
    data: Event,
    step: Step | None,
    *,
    decided: tuple[int, datetime] | None = None,
    confirmed: tuple[int, datetime] | None = None,
    paid_total: int | None = None,
    refund: tuple[int, datetime] | None = None,
    applied_at: datetime | None = None,
) -> None:
    """Merge what one event says into the application's record and settle its status."""
    row = store.lock_application(uow, data.application_id, data.municipality_code, data.fiscal_year)
    on_record = None
    if row.step is not None and row.step_at is not None:
        on_record = Step(SubsidyStatus(row.step), row.step_at)
    if step is not None and step_is_newer(on_record, step):
        row.step, row.step_at = step.status.value, step.at
    if decided is not None and amount_is_newer(_timed(row.decided_amount, row.decided_at), decided):
        row.decided_amount, row.decided_at = decided
    if confirmed is not None and amount_is_newer(_timed(row.confirmed_amount, row.confirmed_at), confirmed):
        row.confirmed_amount, row.confirmed_at = confirmed
    if paid_total is not None:
        # Each payment carries the total paid so far, and a total only grows: the largest is the latest.
        row.paid_total = max(row.paid_total, paid_total)
    if refund is not None and amount_is_newer(_timed(row.refund_claimed, row.refund_claimed_at), refund):
        row.refund_claimed, row.refund_claimed_at = refund
    if applied_at is not None and (row.applied_at is None or applied_at > row.applied_at):
        row.applied_at = applied_at
    row.status = status_of(
        None if row.step is None else SubsidyStatus(row.step),
        confirmed_amount=row.confirmed_amount,
        paid_total=row.paid_total,
    ).value
    store.save(uow, row)


def _timed(amount: int | None, at: datetime | None) -> tuple[int, datetime] | None:
    return None if amount is None or at is None else (amount, at)


# -- the subsidy service's events -----------------------------------------------------------------


def on_applied(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyApplied]) -> None:
    """An application (交付申請): the application is ``applied``."""
    data = event.data
    _record(uow, data, Step(SubsidyStatus.APPLIED, data.applied_at), applied_at=data.applied_at)


def on_reviewed(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyReviewed]) -> None:
    """A review (審査): of the application, it is ``reviewed``; of a change request, the change is
    still to be decided (``change_requested``)."""
    data = event.data
    of_application = data.stage is ReviewStage.APPLICATION
    status = SubsidyStatus.REVIEWED if of_application else SubsidyStatus.CHANGE_REQUESTED
    _record(uow, data, Step(status, data.reviewed_at))


def on_approved(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyApproved]) -> None:
    """A grant decision (交付決定): ``decided``, with the decided amount."""
    data = event.data
    _record(
        uow,
        data,
        Step(SubsidyStatus.DECIDED, data.decided_at),
        decided=(data.decided_amount, data.decided_at),
    )


def on_refused(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyRefused]) -> None:
    """A decision not to grant (不交付決定): ``refused``."""
    data = event.data
    _record(uow, data, Step(SubsidyStatus.REFUSED, data.refused_at))


def on_change_requested(
    ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyChangeRequested]
) -> None:
    """A change request (変更申請) on a standing decision: ``change_requested``."""
    data = event.data
    _record(uow, data, Step(SubsidyStatus.CHANGE_REQUESTED, data.requested_at))


def on_changed(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyChanged]) -> None:
    """A change decision (変更交付決定): ``decided`` again, with the new decided amount."""
    data = event.data
    _record(
        uow,
        data,
        Step(SubsidyStatus.DECIDED, data.changed_at),
        decided=(data.decided_amount, data.changed_at),
    )


def on_withdrawn(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyWithdrawn]) -> None:
    """A withdrawal (取下げ): ``withdrawn``; the year no longer counts."""
    data = event.data
    _record(uow, data, Step(SubsidyStatus.WITHDRAWN, data.withdrawn_at))


def on_report_submitted(
    ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyReportSubmitted]
) -> None:
    """The results report (実績報告): ``reported``."""
    data = event.data
    _record(uow, data, Step(SubsidyStatus.REPORTED, data.submitted_at))


def on_amount_confirmed(
    ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyAmountConfirmed]
) -> None:
    """The amount confirmation (額の確定): ``confirmed`` (``closed`` if the advances paid exactly
    that), with the confirmed amount and the decided amount it was confirmed against."""
    data = event.data
    _record(
        uow,
        data,
        Step(SubsidyStatus.CONFIRMED, data.confirmed_at),
        decided=(data.decided_amount, data.confirmed_at),
        confirmed=(data.confirmed_amount, data.confirmed_at),
    )


def on_paid(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyPaid]) -> None:
    """A payment (支払): the total paid grows; the balance (精算払) closes the application, an
    advance (概算払) leaves its status as it is."""
    data = event.data
    step = Step(SubsidyStatus.CLOSED, data.paid_at) if data.kind is PaymentKind.BALANCE else None
    _record(uow, data, step, paid_total=data.paid_total)


def on_refund_claimed(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SubsidyRefundClaimed]) -> None:
    """A refund claim (返還請求) of what the advances paid above the confirmed amount: the
    application is settled (``closed``), with the amount claimed back."""
    data = event.data
    _record(
        uow,
        data,
        Step(SubsidyStatus.CLOSED, data.claimed_at),
        refund=(data.amount, data.claimed_at),
    )


# -- what the network view shows ------------------------------------------------------------------


def year_views(of_years: Sequence[SubsidyApplicationRow]) -> list[SubsidyYearView]:
    """The municipality's subsidy, one entry per fiscal year (``domain.subsidy.of_each_year``)."""
    return [
        SubsidyYearView(
            fiscal_year=row.fiscal_year,
            fiscal_year_label=fiscal_year_label(row.fiscal_year),
            status=SubsidyStatus(row.status),
            decided_amount=row.decided_amount,
            confirmed_amount=row.confirmed_amount,
            paid_total=row.paid_total,
            refund_claimed=row.refund_claimed,
        )
        for row in of_years
    ]
