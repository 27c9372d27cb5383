"""Who may act on which municipality's applications, and the record every read and change leaves:
reads go into the kit's access log, changes into the subsidy's hash-chained change history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from tsunagu_calendar import fiscal_year_label, tokyo_date
from tsunagu_servicekit.audit import ChangeValue, log_read, record_change
from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import applications as store
from ..adapters import budget as budget_store
from ..adapters.tables import ApplicationRow
from ..domain import rules
from ..domain.amounts import eligible_amount
from ..domain.applications import Status, balance_due, refund_due
from ..domain.outline import GrantOutline
from ..domain.outline import Step as DocumentStep
from ..domain.years import year_refusal
from .context import SubsidyContext
from .views import ApplicationView, PaymentView, ReviewChecks

OFFICE_ROLES = ("subsidy_reviewer", "subsidy_approver", "admin")
CHAIN = "subsidy"
"""The change history's chain: every change of the subsidy service, in one order."""
PURPOSE = "subsidy_administration"
RECORD = "subsidy_application"


def about(row: ApplicationRow) -> dict[str, Any]:
    """What every subsidy event says of its application: its id, municipality and fiscal year."""
    return {
        "application_id": row.id,
        "municipality_code": row.municipality_code,
        "fiscal_year": row.fiscal_year,
    }


def is_office(actor: Principal) -> bool:
    """Programme office staff of the subsidy see every municipality's applications."""
    return any(actor.has_role(role) for role in OFFICE_ROLES)


def check_municipality(actor: Principal, municipality_code: str) -> None:
    """Municipality staff act for their own municipality only."""
    if not is_office(actor) and actor.municipality != municipality_code:
        refuse(rules.OWN_MUNICIPALITY_ONLY)


def application_for(uow: UnitOfWork, actor: Principal, application_id: str, *, lock: bool) -> ApplicationRow:
    """The application, if it exists and the actor may see it. Another municipality's application
    is refused as such (403), as ADR 0012 asks; its existence is no secret between offices."""
    row = store.lock_application(uow, application_id) if lock else store.find_application(uow, application_id)
    if row is None:
        refuse(rules.APPLICATION_NOT_FOUND)
    check_municipality(actor, row.municipality_code)
    return row


def log_application_read(ctx: SubsidyContext, uow: UnitOfWork, actor: Principal, row: ApplicationRow) -> None:
    log_read(uow, subject=actor.subject, at=ctx.now(), record_type=RECORD, record_id=row.id, purpose=PURPOSE)


def record(
    ctx: SubsidyContext,
    uow: UnitOfWork,
    actor: Principal,
    record_type: str,
    record_id: str,
    action: str,
    **data: ChangeValue,
) -> None:
    """One change into the subsidy's change history: ids, codes and amounts only, never a free text."""
    record_change(
        uow,
        chain=CHAIN,
        actor=actor.subject,
        record_type=record_type,
        record_id=record_id,
        action=action,
        data=data,
        at=ctx.now(),
    )


def record_application(
    ctx: SubsidyContext,
    uow: UnitOfWork,
    actor: Principal,
    row: ApplicationRow,
    action: str,
    **data: ChangeValue,
) -> None:
    """One change of an application, with the status it left it in."""
    record(ctx, uow, actor, RECORD, row.id, action, status=row.status, **data)


def check(refusal: Rule | None) -> None:
    """Refuse with ``refusal`` when a domain rule returned one."""
    if refusal is not None:
        refuse(refusal)


def check_costs_and_documents(
    outline: GrantOutline, costs: Mapping[str, int], documents: Sequence[str], step: DocumentStep
) -> None:
    """Cost categories are the outline's; the documents are the step's, all of them."""
    if outline.unknown_categories(costs):
        refuse(rules.COST_CATEGORY_NOT_IN_OUTLINE)
    required = outline.required_documents(step)
    if set(documents) - set(required):
        refuse(rules.DOCUMENT_NOT_IN_OUTLINE)
    if set(required) - set(documents):
        refuse(rules.DOCUMENTS_MISSING)


def move_to(ctx: SubsidyContext, row: ApplicationRow, status: Status) -> None:
    row.status = status
    row.updated_at = ctx.now()


def tokyo_today(ctx: SubsidyContext) -> date:
    return tokyo_date(ctx.now())


def review_checks(ctx: SubsidyContext, uow: UnitOfWork, row: ApplicationRow) -> ReviewChecks:
    """What a reviewer weighs: the implementation date, the years used, the budget left."""
    outline = ctx.outlines.version(row.outline_version)
    implementation = store.find_implementation(uow, row.municipality_code)
    used = [y for y in store.standing_years(uow, row.municipality_code) if y != row.fiscal_year]
    exception = store.find_exception(uow, row.municipality_code, row.fiscal_year)
    approved = exception is not None and exception.approved_by is not None
    fiscal_budget = ctx.budgets.get(row.fiscal_year)
    budget_row = budget_store.find_budget(uow, row.fiscal_year)
    committed = budget_row.committed if budget_row is not None else 0
    plan = (
        row.change_planned if row.status in (Status.CHANGE_REQUESTED, Status.CHANGE_REVIEWED) else row.planned
    )
    return ReviewChecks(
        implementation_started_on=implementation.started_on if implementation is not None else None,
        years_used=used,
        max_years=outline.max_years,
        exception_approved=approved,
        year_rule_met=year_refusal(
            row.fiscal_year, used, max_years=outline.max_years, exception_approved=approved
        )
        is None,
        budget_line=fiscal_budget.subsidy_line if fiscal_budget is not None else None,
        budget_remaining=fiscal_budget.subsidy_line - committed if fiscal_budget is not None else None,
        eligible_on_plan=eligible_amount(sum((plan or {}).values()), outline),
    )


def application_view(
    ctx: SubsidyContext, uow: UnitOfWork, row: ApplicationRow, *, with_checks: bool
) -> ApplicationView:
    confirmed = row.confirmed_amount
    return ApplicationView(
        id=row.id,
        municipality_code=row.municipality_code,
        fiscal_year=row.fiscal_year,
        fiscal_year_label=fiscal_year_label(row.fiscal_year),
        status=Status(row.status),
        outline_version=row.outline_version,
        planned=row.planned,
        planned_total=row.planned_total,
        requested_amount=row.requested_amount,
        documents=row.documents,
        completes_on=row.completes_on,
        applied_at=row.applied_at,
        reviewed_by=row.reviewed_by,
        found_eligible=row.found_eligible,
        review_note=row.review_note,
        decided_by=row.decided_by,
        decided_amount=row.decided_amount,
        decided_on=row.decided_on,
        conditions=row.conditions,
        refusal_reason=row.refusal_reason,
        change_planned=row.change_planned,
        change_reviewed_by=row.change_reviewed_by,
        actual=row.actual,
        actual_total=row.actual_total,
        confirmed_amount=confirmed,
        paid_total=row.paid_total,
        refund_claimed=row.refund_claimed,
        balance_due=balance_due(confirmed=confirmed, paid_total=row.paid_total)
        if confirmed is not None
        else 0,
        refund_due=max(refund_due(confirmed=confirmed, paid_total=row.paid_total) - row.refund_claimed, 0)
        if confirmed is not None
        else 0,
        report_due=row.report_due,
        payment_due=row.payment_due,
        payments=[PaymentView.model_validate(p) for p in store.payments_of(uow, row.id)],
        checks=review_checks(ctx, uow, row) if with_checks else None,
    )
