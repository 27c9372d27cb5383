"""Applications from 交付申請 to 交付決定 or 不交付, change requests, withdrawal, and reading them.

Each command locks its application, asks the domain whether the step is allowed, writes the new
state with its event and its change-history row in one transaction, or refuses with the rule it
breaks and writes nothing.
"""

from __future__ import annotations

from tsunagu_calendar import fiscal_year
from tsunagu_contracts.events.subsidy import (
    ReviewStage,
    SubsidyApplied,
    SubsidyApproved,
    SubsidyChanged,
    SubsidyChangeRequested,
    SubsidyRefused,
    SubsidyReviewed,
    SubsidyWithdrawn,
)
from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import applications as store
from ..adapters import budget as budget_store
from ..adapters.tables import ApplicationRow
from ..domain import rules
from ..domain.amounts import eligible_amount
from ..domain.applications import (
    Status,
    Step,
    decided_amount_refusal,
    decision_refusal,
    step_refusal,
    withdrawal_refusal,
)
from ..domain.budget import commitment_refusal
from ..domain.deadlines import on_business_day
from ..domain.outline import GrantOutline
from ..domain.outline import Step as DocumentStep
from ..domain.years import year_refusal
from .access import (
    about,
    application_for,
    application_view,
    check,
    check_costs_and_documents,
    check_municipality,
    is_office,
    log_application_read,
    move_to,
    record_application,
    tokyo_today,
)
from .commands import (
    ApplyForSubsidy,
    DecideChange,
    DecideGrant,
    RefuseGrant,
    RequestChange,
    ReviewApplication,
)
from .context import SubsidyContext
from .views import ApplicationSummary, ApplicationView


def _year_check(uow: UnitOfWork, row_fy: int, municipality_code: str, outline: GrantOutline) -> Rule | None:
    exception = store.find_exception(uow, municipality_code, row_fy)
    return year_refusal(
        row_fy,
        store.standing_years(uow, municipality_code),
        max_years=outline.max_years,
        exception_approved=exception is not None and exception.approved_by is not None,
    )


def _commit_budget(ctx: SubsidyContext, uow: UnitOfWork, fy: int, delta: int) -> None:
    """Move the fiscal year's commitment by ``delta`` under the budget row's lock, or refuse."""
    fiscal_budget = ctx.budgets.get(fy)
    if fiscal_budget is None:
        refuse(rules.BUDGET_NOT_SET)
    budget = budget_store.lock_budget(uow, fy, fiscal_budget.subsidy_line)
    check(commitment_refusal(line=budget.line, committed=budget.committed, delta=delta))
    budget_store.move_budget(uow, fy, committed=delta)


def apply(ctx: SubsidyContext, actor: Principal, command: ApplyForSubsidy) -> ApplicationView:
    """A municipality applies for one fiscal year (交付申請)."""
    check_municipality(actor, command.municipality_code)
    fy = command.fiscal_year
    today = tokyo_today(ctx)
    outline = ctx.outlines.in_force(fy)
    if outline is None:
        refuse(rules.OUTLINE_NOT_IN_FORCE)
    if fy not in (fiscal_year(today), fiscal_year(today) + 1):
        refuse(rules.FISCAL_YEAR_NOT_OPEN)
    if today > outline.application_deadline_of(fy):
        refuse(rules.APPLICATION_DEADLINE_PASSED)
    check_costs_and_documents(outline, command.planned, command.documents, DocumentStep.APPLICATION)
    planned_total = sum(command.planned.values())
    most = eligible_amount(planned_total, outline)
    requested = most if command.requested_amount is None else command.requested_amount
    if requested % outline.rounding_unit:
        refuse(rules.AMOUNT_NOT_ROUNDED)
    if requested > most:
        refuse(rules.REQUEST_ABOVE_ELIGIBLE)
    now = ctx.now()
    with ctx.uow() as uow:
        implementation = store.find_implementation(uow, command.municipality_code)
        if implementation is None:
            refuse(rules.IMPLEMENTATION_NOT_RECORDED)
        if fiscal_year(implementation.started_on) > fy:
            refuse(rules.BEFORE_IMPLEMENTATION)
        if store.open_application_exists(uow, command.municipality_code, fy):
            refuse(rules.APPLICATION_EXISTS_FOR_YEAR)
        check(_year_check(uow, fy, command.municipality_code, outline))
        row = ApplicationRow(
            id=ctx.new_id(),
            municipality_code=command.municipality_code,
            fiscal_year=fy,
            status=Status.APPLIED,
            outline_version=outline.version,
            planned=dict(command.planned),
            planned_total=planned_total,
            requested_amount=requested,
            documents=sorted(set(command.documents)),
            completes_on=command.completes_on,
            applied_by=actor.subject,
            applied_at=now,
            updated_at=now,
        )
        store.add_application(uow, row)
        uow.emit(
            SubsidyApplied(
                application_id=row.id,
                municipality_code=row.municipality_code,
                fiscal_year=fy,
                planned_total=planned_total,
                requested_amount=requested,
                applied_at=now,
            ),
            subject=row.id,
        )
        record_application(
            ctx, uow, actor, row, "applied", planned_total=planned_total, requested_amount=requested
        )
        uow.commit()
        return application_view(ctx, uow, row, with_checks=is_office(actor))


def review(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: ReviewApplication
) -> ApplicationView:
    """A reviewer's finding on an application (審査)."""
    return _review(ctx, actor, application_id, command, ReviewStage.APPLICATION)


def review_change(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: ReviewApplication
) -> ApplicationView:
    """A reviewer's finding on a change request."""
    return _review(ctx, actor, application_id, command, ReviewStage.CHANGE)


def _review(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: ReviewApplication, stage: ReviewStage
) -> ApplicationView:
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        if stage is ReviewStage.APPLICATION:
            check(step_refusal(Step.REVIEW, Status(row.status)))
            row.reviewed_by, row.found_eligible, row.review_note = (
                actor.subject,
                command.eligible,
                command.note,
            )
            move_to(ctx, row, Status.REVIEWED)
        else:
            check(step_refusal(Step.REVIEW_CHANGE, Status(row.status)))
            row.change_reviewed_by, row.change_found_eligible = actor.subject, command.eligible
            move_to(ctx, row, Status.CHANGE_REVIEWED)
        uow.emit(
            SubsidyReviewed(
                **about(row),
                stage=stage,
                eligible=command.eligible,
                reviewed_at=row.updated_at,
            ),
            subject=row.id,
        )
        record_application(ctx, uow, actor, row, f"reviewed_{stage.value}", eligible=command.eligible)
        uow.commit()
        return application_view(ctx, uow, row, with_checks=True)


def decide(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: DecideGrant
) -> ApplicationView:
    """A grant decision (交付決定): the approver is not the reviewer, the year rule still holds, and
    the amount is committed against the fiscal year's budget line under its lock."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        check(step_refusal(Step.DECIDE, Status(row.status)))
        check(
            decision_refusal(
                approver=actor.subject,
                reviewed_by=row.reviewed_by,
                found_eligible=row.found_eligible,
                granting=True,
            )
        )
        outline = ctx.outlines.version(row.outline_version)
        check(_year_check(uow, row.fiscal_year, row.municipality_code, outline))
        amount = row.requested_amount if command.amount is None else command.amount
        check(decided_amount_refusal(amount, row.planned, outline))
        _commit_budget(ctx, uow, row.fiscal_year, amount)
        today = tokyo_today(ctx)
        row.decided_by, row.decided_amount, row.decided_on = actor.subject, amount, today
        row.conditions = command.conditions
        row.report_due = on_business_day(ctx.calendar, outline.report_due(row.fiscal_year, row.completes_on))
        move_to(ctx, row, Status.DECIDED)
        uow.emit(
            SubsidyApproved(
                **about(row),
                decided_amount=amount,
                decided_on=today,
                decided_at=row.updated_at,
            ),
            subject=row.id,
        )
        record_application(ctx, uow, actor, row, "decided", decided_amount=amount)
        uow.commit()
        return application_view(ctx, uow, row, with_checks=True)


def refuse_grant(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: RefuseGrant
) -> ApplicationView:
    """A decision not to grant (不交付決定); the approver is not the reviewer here either."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        check(step_refusal(Step.REFUSE, Status(row.status)))
        check(
            decision_refusal(
                approver=actor.subject,
                reviewed_by=row.reviewed_by,
                found_eligible=row.found_eligible,
                granting=False,
            )
        )
        row.decided_by, row.refusal_reason = actor.subject, command.reason.value
        move_to(ctx, row, Status.REFUSED)
        uow.emit(
            SubsidyRefused(
                **about(row),
                reason=command.reason,
                refused_at=row.updated_at,
            ),
            subject=row.id,
        )
        record_application(ctx, uow, actor, row, "refused", reason=command.reason.value)
        uow.commit()
        return application_view(ctx, uow, row, with_checks=True)


def request_change(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: RequestChange
) -> ApplicationView:
    """The municipality asks to change a standing decision (変更申請)."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        check(step_refusal(Step.REQUEST_CHANGE, Status(row.status)))
        outline = ctx.outlines.version(row.outline_version)
        check_costs_and_documents(outline, command.planned, command.documents, DocumentStep.CHANGE)
        row.change_planned, row.change_documents = dict(command.planned), sorted(set(command.documents))
        row.change_requested_by, row.change_reviewed_by, row.change_found_eligible = actor.subject, None, None
        if command.completes_on is not None:
            row.completes_on = command.completes_on
        move_to(ctx, row, Status.CHANGE_REQUESTED)
        planned_total = sum(command.planned.values())
        uow.emit(
            SubsidyChangeRequested(
                **about(row),
                planned_total=planned_total,
                requested_at=row.updated_at,
            ),
            subject=row.id,
        )
        record_application(ctx, uow, actor, row, "change_requested", planned_total=planned_total)
        uow.commit()
        return application_view(ctx, uow, row, with_checks=is_office(actor))


def decide_change(
    ctx: SubsidyContext, actor: Principal, application_id: str, command: DecideChange
) -> ApplicationView:
    """A change decision (変更交付決定): the new amount replaces the old, and the commitment moves by
    the difference. A change not approved leaves the decision as it stood."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        check(step_refusal(Step.DECIDE_CHANGE, Status(row.status)))
        check(
            decision_refusal(
                approver=actor.subject,
                reviewed_by=row.change_reviewed_by,
                found_eligible=row.change_found_eligible,
                granting=command.approve,
            )
        )
        previous = row.decided_amount or 0
        planned = row.change_planned or {}
        if command.approve:
            outline = ctx.outlines.version(row.outline_version)
            amount = (
                eligible_amount(sum(planned.values()), outline) if command.amount is None else command.amount
            )
            check(decided_amount_refusal(amount, planned, outline))
            if amount < row.paid_total:
                refuse(rules.CHANGE_BELOW_PAID)
            _commit_budget(ctx, uow, row.fiscal_year, amount - previous)
            row.planned, row.planned_total, row.decided_amount = planned, sum(planned.values()), amount
            row.documents = row.change_documents or row.documents
            row.report_due = on_business_day(
                ctx.calendar, outline.report_due(row.fiscal_year, row.completes_on)
            )
        row.change_planned = row.change_documents = None
        move_to(ctx, row, Status.DECIDED)
        if command.approve:
            uow.emit(
                SubsidyChanged(
                    **about(row),
                    decided_amount=row.decided_amount or 0,
                    previous_amount=previous,
                    changed_at=row.updated_at,
                ),
                subject=row.id,
            )
        record_application(
            ctx,
            uow,
            actor,
            row,
            "change_decided",
            approved=command.approve,
            decided_amount=row.decided_amount,
        )
        uow.commit()
        return application_view(ctx, uow, row, with_checks=True)


def withdraw(ctx: SubsidyContext, actor: Principal, application_id: str) -> ApplicationView:
    """The municipality withdraws (取下げ) before its report and any payment; a decided amount is
    released from the budget."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=True)
        check(withdrawal_refusal(Status(row.status), paid_total=row.paid_total))
        released = row.decided_amount or 0
        if released:
            _commit_budget(ctx, uow, row.fiscal_year, -released)
        move_to(ctx, row, Status.WITHDRAWN)
        uow.emit(
            SubsidyWithdrawn(
                **about(row),
                released_amount=released,
                withdrawn_at=row.updated_at,
            ),
            subject=row.id,
        )
        record_application(ctx, uow, actor, row, "withdrawn", released_amount=released)
        uow.commit()
        return application_view(ctx, uow, row, with_checks=is_office(actor))


def get_application(ctx: SubsidyContext, actor: Principal, application_id: str) -> ApplicationView:
    """One application; the read is logged, and the office sees the review's checks."""
    with ctx.uow() as uow:
        row = application_for(uow, actor, application_id, lock=False)
        view = application_view(ctx, uow, row, with_checks=is_office(actor))
        log_application_read(ctx, uow, actor, row)
        uow.commit()
        return view


def list_applications(
    ctx: SubsidyContext,
    actor: Principal,
    *,
    municipality_code: str | None,
    fiscal_year: int | None,
    status: Status | None,
    limit: int,
) -> list[ApplicationSummary]:
    """Applications, newest first; municipality staff see their own municipality's only. Every
    application listed is logged as read."""
    if not is_office(actor):
        if municipality_code is None:
            municipality_code = actor.municipality
        check_municipality(actor, municipality_code or "")
    with ctx.uow() as uow:
        rows = store.list_applications(
            uow,
            municipality_code=municipality_code,
            fiscal_year=fiscal_year,
            status=status.value if status is not None else None,
            limit=limit,
        )
        summaries = [ApplicationSummary.model_validate(row) for row in rows]
        for row in rows:
            log_application_read(ctx, uow, actor, row)
        uow.commit()
        return summaries
