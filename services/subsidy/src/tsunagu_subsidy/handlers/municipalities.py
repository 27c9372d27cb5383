"""Municipalities under the subsidy: the dated fact that each started the national regional support
programme, and exceptions to the year limit, requested with a reason and approved by someone else."""

from __future__ import annotations

from tsunagu_calendar import fiscal_year, fiscal_year_label, format_date_ja
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal

from ..adapters import applications as store
from ..adapters.tables import ImplementationRow, YearExceptionRow
from ..domain import rules
from ..domain.years import exception_approval_refusal, exception_request_refusal
from .access import check, check_municipality, record, tokyo_today
from .commands import RecordImplementation, RequestYearException
from .context import SubsidyContext
from .views import ImplementationView, MunicipalitySubsidyView, YearExceptionView


def _implementation_view(row: ImplementationRow) -> ImplementationView:
    return ImplementationView(
        municipality_code=row.municipality_code,
        started_on=row.started_on,
        started_on_ja=format_date_ja(row.started_on),
        source_document=row.source_document,
        recorded_at=row.recorded_at,
    )


def record_implementation(
    ctx: SubsidyContext, actor: Principal, municipality_code: str, command: RecordImplementation
) -> ImplementationView:
    """Record the day the municipality started the national programme. Grants rest on it, so it is
    recorded once; a correction is a matter for the change history's owners, not an overwrite."""
    with ctx.uow() as uow:
        if store.find_implementation(uow, municipality_code) is not None:
            refuse(rules.IMPLEMENTATION_ALREADY_RECORDED)
        row = ImplementationRow(
            municipality_code=municipality_code,
            started_on=command.started_on,
            source_document=command.source_document,
            recorded_by=actor.subject,
            recorded_at=ctx.now(),
        )
        store.add_implementation(uow, row)
        record(
            ctx,
            uow,
            actor,
            "subsidy_implementation",
            municipality_code,
            "implementation_recorded",
            started_on=row.started_on.isoformat(),
        )
        uow.commit()
        return _implementation_view(row)


def request_exception(
    ctx: SubsidyContext, actor: Principal, municipality_code: str, command: RequestYearException
) -> YearExceptionView:
    """Ask for a year beyond the outline's limit, with the reason; only where the rule would refuse."""
    outline = ctx.outlines.in_force(command.fiscal_year)
    if outline is None:
        refuse(rules.OUTLINE_NOT_IN_FORCE)
    with ctx.uow() as uow:
        if store.find_exception(uow, municipality_code, command.fiscal_year) is not None:
            refuse(rules.EXCEPTION_DECIDED)
        used = store.standing_years(uow, municipality_code)
        check(exception_request_refusal(command.fiscal_year, used, max_years=outline.max_years))
        row = YearExceptionRow(
            municipality_code=municipality_code,
            fiscal_year=command.fiscal_year,
            reason=command.reason,
            requested_by=actor.subject,
            requested_at=ctx.now(),
        )
        store.add_exception(uow, row)
        record(
            ctx,
            uow,
            actor,
            "subsidy_year_exception",
            f"{municipality_code}/{command.fiscal_year}",
            "exception_requested",
        )
        uow.commit()
        return YearExceptionView.model_validate(row)


def approve_exception(
    ctx: SubsidyContext, actor: Principal, municipality_code: str, fy: int
) -> YearExceptionView:
    """Approve an exception; never by the person who requested it."""
    with ctx.uow() as uow:
        row = store.find_exception(uow, municipality_code, fy)
        if row is None:
            refuse(rules.EXCEPTION_NOT_FOUND)
        check(
            exception_approval_refusal(
                requested_by=row.requested_by, approver=actor.subject, decided=row.approved_by is not None
            )
        )
        row.approved_by, row.approved_at = actor.subject, ctx.now()
        record(ctx, uow, actor, "subsidy_year_exception", f"{municipality_code}/{fy}", "exception_approved")
        uow.commit()
        return YearExceptionView.model_validate(row)


def municipality_subsidy(
    ctx: SubsidyContext, actor: Principal, municipality_code: str
) -> MunicipalitySubsidyView:
    """A municipality's standing: its staff see their own, the office every one."""
    check_municipality(actor, municipality_code)
    outline = ctx.outlines.in_force(fiscal_year(tokyo_today(ctx)))
    with ctx.reading() as uow:
        implementation = store.find_implementation(uow, municipality_code)
        used = store.standing_years(uow, municipality_code)
        exceptions = store.exceptions_of(uow, municipality_code)
        return MunicipalitySubsidyView(
            municipality_code=municipality_code,
            implementation=_implementation_view(implementation) if implementation is not None else None,
            years_used=used,
            years_used_labels=[fiscal_year_label(y) for y in used],
            max_years=outline.max_years if outline is not None else None,
            exceptions=[YearExceptionView.model_validate(e) for e in exceptions],
        )
