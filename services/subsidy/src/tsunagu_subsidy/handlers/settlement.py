"""After the decision: 実績報告 (results report), 額の確定 (amount confirmation), 支払 (payment:
advance and balance) and 返還 (refund claim). Confirmations and payments actualise what the
decision committed."""

from __future__ import annotations

from datetime import date

from tsunagu_contracts.events.subsidy import (
    PaymentKind,
    SubsidyAmountConfirmed,
    SubsidyPaid,
    SubsidyRefundClaimed,
    SubsidyReportSubmitted,
)
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal

from ..adapters import applications as store
from ..adapters import budget as budget_store
from ..adapters.tables import PaymentRow
from ..domain import rules
from ..domain.amounts import confirmed_amount
from ..domain.applications import (
    Status,
    Step,
    advance_refusal,
    balance_due,
    confirmation_refusal,
    refund_due,
    status_after_confirmation,
    step_refusal,
)
from ..domain.deadlines import business_days_after
from ..domain.outline import Step as DocumentStep
from .access import (
    about,
    application_for,
    application_view,
    check,
    check_costs_and_documents,
    is_office,
    move_to,
    record_application,
    tokyo_today,
)
from .commands import ClaimRefund, ConfirmAmount, PayAdvance, PayBalance, SubmitReport
from .context import SubsidyContext
from .views import ApplicationView


def submit_report(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: SubmitReport
) -> ApplicationView:
    """The results report with the actual eligible costs; only on a standing decision."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        check(step_refusal(Step.REPORT, Status(row.status)))
        outline = ctx.outlines.version(row.outline_version)
        check_costs_and_documents(outline, command.actual, command.documents, DocumentStep.REPORT)
        row.actual, row.actual_total = dict(command.actual), sum(command.actual.values())
        row.report_documents = sorted(set(command.documents))
        row.reported_at = ctx.now()
        if command.completed_on is not None:
            row.completes_on = command.completed_on
        move_to(ctx, row, Status.REPORTED)
        uow.emit(
            SubsidyReportSubmitted(
                **about(row),
                actual_total=row.actual_total,
                submitted_at=row.reported_at,
            ),
            subject=row.id,
        )
        record_application(ctx, uow, actor, row, "reported", actual_total=row.actual_total)
        uow.commit()
        return application_view(ctx, uow, row, with_checks=is_office(actor))


def confirm(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: ConfirmAmount
) -> ApplicationView:
    """The amount confirmation: the least of the decided amount, the rate on the actual costs and the
    cap, rounded down (or a smaller amount the approver sets). The commitment becomes the confirmed
    amount; the balance is due within the outline's business days."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        check(step_refusal(Step.CONFIRM, Status(row.status)))
        outline = ctx.outlines.version(row.outline_version)
        decided, actual_total = row.decided_amount or 0, row.actual_total or 0
        amount = (
            confirmed_amount(decided, actual_total, outline) if command.amount is None else command.amount
        )
        check(confirmation_refusal(amount, decided=decided, actual_total=actual_total, outline=outline))
        budget_store.lock_budget(uow, row.fiscal_year, ctx.budgets[row.fiscal_year].subsidy_line)
        budget_store.move_budget(uow, row.fiscal_year, committed=amount - decided, confirmed=amount)
        row.confirmed_by, row.confirmed_amount, row.confirmed_at = actor.subject, amount, ctx.now()
        if balance_due(confirmed=amount, paid_total=row.paid_total):
            row.payment_due = business_days_after(
                ctx.calendar, tokyo_today(ctx), outline.payment_business_days
            )
        move_to(ctx, row, status_after_confirmation(confirmed=amount, paid_total=row.paid_total))
        uow.emit(
            SubsidyAmountConfirmed(
                **about(row),
                confirmed_amount=amount,
                decided_amount=decided,
                confirmed_at=row.confirmed_at,
            ),
            subject=row.id,
        )
        record_application(ctx, uow, actor, row, "confirmed", confirmed_amount=amount)
        uow.commit()
        return application_view(ctx, uow, row, with_checks=True)


def _pay(
    ctx: SubsidyContext,
    actor: Principal,
    application_id: str,
    kind: PaymentKind,
    amount: int | None,
    paid_on: date,
) -> ApplicationView:
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        status = Status(row.status)
        if kind is PaymentKind.ADVANCE:
            outline = ctx.outlines.version(row.outline_version)
            paying = amount or 0
            check(
                advance_refusal(
                    status,
                    paying,
                    decided=row.decided_amount or 0,
                    paid_total=row.paid_total,
                    outline=outline,
                )
            )
        else:
            check(step_refusal(Step.PAY_BALANCE, status))
            paying = balance_due(confirmed=row.confirmed_amount or 0, paid_total=row.paid_total)
            if paying == 0:
                refuse(rules.NOTHING_TO_PAY)
        payment = PaymentRow(
            id=ctx.new_id(),
            application_id=row.id,
            kind=kind.value,
            amount=paying,
            paid_on=paid_on,
            recorded_by=actor.subject,
            recorded_at=ctx.now(),
        )
        store.add_payment(uow, payment)
        row.paid_total += paying
        budget_store.move_budget(uow, row.fiscal_year, paid=paying)
        move_to(ctx, row, Status.CLOSED if kind is PaymentKind.BALANCE else status)
        uow.emit(
            SubsidyPaid(
                **about(row),
                payment_id=payment.id,
                kind=kind,
                amount=paying,
                paid_total=row.paid_total,
                paid_on=payment.paid_on,
                paid_at=payment.recorded_at,
            ),
            subject=row.id,
        )
        record_application(
            ctx, uow, actor, row, f"paid_{kind.value}", amount=paying, paid_total=row.paid_total
        )
        uow.commit()
        return application_view(ctx, uow, row, with_checks=True)


def pay_advance(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: PayAdvance
) -> ApplicationView:
    """An advance payment (概算払) between decision and confirmation, within the decided amount."""
    return _pay(ctx, actor, application_id, PaymentKind.ADVANCE, command.amount, command.paid_on)


def pay_balance(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: PayBalance
) -> ApplicationView:
    """The balance (精算払): the confirmed amount less the advances. It closes the application."""
    return _pay(ctx, actor, application_id, PaymentKind.BALANCE, None, command.paid_on)


def claim_refund(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: ClaimRefund
) -> ApplicationView:
    """A refund claim (返還請求) of what the advances paid above the confirmed amount."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        check(step_refusal(Step.CLAIM_REFUND, Status(row.status)))
        amount = refund_due(confirmed=row.confirmed_amount or 0, paid_total=row.paid_total)
        if amount == 0:
            refuse(rules.NOTHING_TO_REFUND)
        row.refund_claimed = amount
        budget_store.move_budget(uow, row.fiscal_year, refund_claimed=amount)
        move_to(ctx, row, Status.CLOSED)
        uow.emit(
            SubsidyRefundClaimed(
                **about(row),
                amount=amount,
                due_on=command.due_on,
                claimed_at=row.updated_at,
            ),
            subject=row.id,
        )
        record_application(ctx, uow, actor, row, "refund_claimed", amount=amount)
        uow.commit()
        return application_view(ctx, uow, row, with_checks=True)
