"""Statistics: 実人数 and 延べ件数 by channel, consulter, municipality and month of a fiscal year.

``GET /statistics`` gives the exact counts, for the programme's managers. ``GET /statistics/publication``
gives the same report with small cells suppressed, for figures that leave the programme. Two routes
rather than a flag: each has its own response schema (a suppressed cell is ``null``) and its own
readers, and an exact count never comes back from a request that meant to publish.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.exports.http import FiscalYearQuery
from tsunagu_servicekit.http import refusals

from ..domain.rules import OWN_MUNICIPALITY_ONLY
from ..domain.statistics import PublishedReport, StatisticsReport
from ..handlers import statistics
from .deps import Ctx, PublicationReader, StatisticsReader

router = APIRouter(tags=["statistics"])

FiscalYear = FiscalYearQuery
MunicipalityCode = Annotated[TokyoCode | None, Query()]


@router.get("/statistics", responses=refusals(OWN_MUNICIPALITY_ONLY))
def report(
    ctx: Ctx,
    actor: StatisticsReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
) -> StatisticsReport:
    """Figures of one fiscal year (April-March), labelled in the Japanese era (令和7年度)."""
    return statistics.report(ctx, actor, fiscal_year, municipality_code)


@router.get("/statistics/publication", responses=refusals(OWN_MUNICIPALITY_ONLY))
def publication(
    ctx: Ctx,
    actor: PublicationReader,
    fiscal_year: FiscalYear,
    municipality_code: MunicipalityCode = None,
) -> PublishedReport:
    """The same figures fit for publication, same scope. Every cell of 1 to k-1 persons (k is
    ``min_persons``, 3 unless configured), the total included, reads ``{"persons": null,
    "consultations": null, "suppressed": true}``; so does one more cell, of k or more, in each
    breakdown where a cell is hidden, so that subtracting the shown cells from the total gives
    none of them away (a breakdown whose non-zero cells are all small is withheld whole). Shown
    cells are exact with ``"suppressed": false``; zeros are shown."""
    return statistics.publication(ctx, actor, fiscal_year, municipality_code)
