"""Statistics: unique persons (実人数) and consultations (延べ件数) of a fiscal year, and the contacts
(home visits, interviews, phone) in the same convention, exact or published."""

from __future__ import annotations

from tsunagu_servicekit.http import Principal

from ..adapters.statistics import count_consultations, count_contacts
from ..domain.statistics import PublishedReport, StatisticsReport, build_report, for_publication
from .context import IntakeContext
from .scope import municipality_in_scope


def report(
    ctx: IntakeContext, actor: Principal, fiscal_year: int, municipality_code: str | None = None
) -> StatisticsReport:
    """The fiscal year's figures; municipality staff get their own municipality's only."""
    municipality = municipality_in_scope(actor, municipality_code)
    with ctx.reading() as uow:
        total, cells = count_consultations(uow, fiscal_year, municipality)
        contacts_total, contact_cells = count_contacts(uow, fiscal_year, municipality)
    codes = [municipality] if municipality else [m.code for m in ctx.municipalities]
    return build_report(
        fiscal_year, total, cells, codes, contacts_total=contacts_total, contact_cells=contact_cells
    )


def publication(
    ctx: IntakeContext, actor: Principal, fiscal_year: int, municipality_code: str | None = None
) -> PublishedReport:
    """The same figures with small-cell suppression (``ctx.publication_min_persons``), same scope."""
    return for_publication(report(ctx, actor, fiscal_year, municipality_code), ctx.publication_min_persons)
