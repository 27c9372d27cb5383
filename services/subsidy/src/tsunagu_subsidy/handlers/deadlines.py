"""The deadline timer: on each scan, by today's date in Tokyo, a reminder for every results report
and every balance payment falling due within the lead of business days, raised once each.

Each reminder is taken by marking its row in the transaction that emits the event, so a second
scanner (another replica) finds it taken, and a restart loses nothing.
"""

from __future__ import annotations

from tsunagu_calendar import tokyo_date
from tsunagu_contracts.events.subsidy import SubsidyPaymentDue, SubsidyReportDue

from ..adapters import applications as store
from ..domain.applications import balance_due
from ..domain.deadlines import reminder_horizon
from .access import about
from .context import SubsidyContext

BATCH = 100
"""Reminders of each kind per scan; the timer scans again at once while a scan raised any."""


def scan(ctx: SubsidyContext, *, limit: int = BATCH) -> int:
    """One scan: how many reminders it raised, in one transaction."""
    now = ctx.now()
    until = reminder_horizon(ctx.calendar, tokyo_date(now), ctx.reminder_lead_business_days)
    raised = 0
    with ctx.uow() as uow:
        for row in store.reports_due(uow, until=until, limit=limit):
            if row.report_due is None:
                continue
            row.report_reminded_at = now
            uow.emit(
                SubsidyReportDue(
                    **about(row),
                    due_on=row.report_due,
                    raised_at=now,
                ),
                subject=row.id,
            )
            raised += 1
        for row in store.payments_due(uow, until=until, limit=limit):
            if row.payment_due is None:
                continue
            row.payment_reminded_at = now
            uow.emit(
                SubsidyPaymentDue(
                    **about(row),
                    amount=balance_due(confirmed=row.confirmed_amount or 0, paid_total=row.paid_total),
                    due_on=row.payment_due,
                    raised_at=now,
                ),
                subject=row.id,
            )
            raised += 1
        uow.commit()
    return raised
