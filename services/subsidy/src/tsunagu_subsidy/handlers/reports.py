"""Reports and exports for the programme office and the accounting office: the budget of a fiscal
year with each municipality's figures, and the ledger of decisions and payments as JSON or as CSV
(UTF-8 with a byte-order mark, so that Excel opens the Japanese text as such)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date

from tsunagu_calendar import fiscal_year_label, format_date_ja, tokyo_date
from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_servicekit.errors import refuse

from ..adapters import applications as store
from ..adapters import budget as budget_store
from ..adapters import reports
from ..domain import rules
from ..domain.applications import STANDING, Status
from .context import SubsidyContext
from .views import BudgetFigures, BudgetReport, LedgerEntry, MunicipalityFigures

LEDGER_COLUMNS = (
    "fiscal_year",
    "fiscal_year_label",
    "municipality_code",
    "municipality_name",
    "application_id",
    "entry",
    "on",
    "on_ja",
    "amount",
)
"""The CSV's columns, in order: one line per decision, confirmation, payment or refund claim."""


def budget_report(ctx: SubsidyContext, fiscal_year: int) -> BudgetReport:
    """The fiscal year's budget and what stands against its subsidy line, per municipality."""
    fiscal_budget = ctx.budgets.get(fiscal_year)
    if fiscal_budget is None:
        refuse(rules.BUDGET_NOT_SET)
    with ctx.reading() as uow:
        row = budget_store.find_budget(uow, fiscal_year)
        figures = BudgetFigures(
            committed=row.committed if row else 0,
            confirmed=row.confirmed if row else 0,
            paid=row.paid if row else 0,
            refund_claimed=row.refund_claimed if row else 0,
        )
        by_municipality: dict[str, list[Status]] = defaultdict(list)
        sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for app in reports.applications_of_year(uow, fiscal_year):
            status = Status(app.status)
            by_municipality[app.municipality_code].append(status)
            money = sums[app.municipality_code]
            if status in STANDING:
                money["committed"] += (
                    app.confirmed_amount if app.confirmed_amount is not None else app.decided_amount or 0
                )
            money["confirmed"] += app.confirmed_amount or 0
            money["paid"] += app.paid_total
            money["refund_claimed"] += app.refund_claimed
        municipalities = [
            MunicipalityFigures(
                municipality_code=code,
                applications=len(statuses),
                status=next(
                    (s.value for s in statuses if s in STANDING or s in (Status.APPLIED, Status.REVIEWED)),
                    None,
                ),
                years_used=store.standing_years(uow, code),
                committed=sums[code]["committed"],
                confirmed=sums[code]["confirmed"],
                paid=sums[code]["paid"],
                refund_claimed=sums[code]["refund_claimed"],
            )
            for code, statuses in sorted(by_municipality.items())
        ]
    return BudgetReport(
        fiscal_year=fiscal_year,
        fiscal_year_label=fiscal_year_label(fiscal_year),
        programme_total=fiscal_budget.total,
        components=dict(fiscal_budget.components),
        subsidy_component=fiscal_budget.subsidy_component,
        subsidy_line=fiscal_budget.subsidy_line,
        figures=figures,
        remaining=fiscal_budget.subsidy_line - figures.committed,
        municipalities=municipalities,
    )


def ledger(ctx: SubsidyContext, fiscal_year: int) -> list[LedgerEntry]:
    """Every decision (at its current amount), confirmation, payment and refund claim of the year,
    by date: the figures the accounting office books."""
    names = tokyo_municipalities()
    entries: list[LedgerEntry] = []

    def add(code: str, application_id: str, entry: str, day: date, amount: int) -> None:
        municipality = names.get(code)
        entries.append(
            LedgerEntry(
                fiscal_year=fiscal_year,
                fiscal_year_label=fiscal_year_label(fiscal_year),
                municipality_code=code,
                municipality_name=municipality.name_ja if municipality is not None else "",
                application_id=application_id,
                entry=entry,
                on=day,
                on_ja=format_date_ja(day),
                amount=amount,
            )
        )

    with ctx.reading() as uow:
        for app in reports.applications_of_year(uow, fiscal_year):
            if Status(app.status) in STANDING and app.decided_on is not None:
                add(app.municipality_code, app.id, "decision", app.decided_on, app.decided_amount or 0)
            if app.confirmed_at is not None:
                add(
                    app.municipality_code,
                    app.id,
                    "confirmation",
                    tokyo_date(app.confirmed_at),
                    app.confirmed_amount or 0,
                )
            if app.refund_claimed:
                # A refund claim closes the application: its last change is the claim.
                add(
                    app.municipality_code,
                    app.id,
                    "refund_claim",
                    tokyo_date(app.updated_at),
                    app.refund_claimed,
                )
        for payment in reports.payments_of_year(uow, fiscal_year):
            add(
                payment.municipality_code,
                payment.application_id,
                f"payment_{payment.kind}",
                payment.paid_on,
                payment.amount,
            )
    entries.sort(key=lambda e: (e.on, e.municipality_code, e.entry))
    return entries


def ledger_csv(ctx: SubsidyContext, fiscal_year: int) -> bytes:
    """The ledger as CSV: UTF-8 with a BOM, CRLF line ends, the columns of :data:`LEDGER_COLUMNS`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LEDGER_COLUMNS)
    for entry in ledger(ctx, fiscal_year):
        data = entry.model_dump(mode="json")
        writer.writerow([data[column] for column in LEDGER_COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")
