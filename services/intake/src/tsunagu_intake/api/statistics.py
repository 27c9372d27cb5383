"""Statistics: 実人数 and 延べ件数 by channel, consulter, municipality and month of a fiscal year."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ..domain.statistics import StatisticsReport
from ..handlers import statistics
from .deps import Ctx, StatisticsReader

router = APIRouter(tags=["statistics"])


@router.get("/statistics")
def report(
    ctx: Ctx,
    actor: StatisticsReader,
    fiscal_year: Annotated[int, Query(ge=2000, le=2099, description="Fiscal year by its first year")],
    municipality_code: Annotated[str | None, Query(pattern=r"^13[0-9]{4}$")] = None,
) -> StatisticsReport:
    """Figures of one fiscal year (April-March), labelled in the Japanese era (令和7年度)."""
    return statistics.report(ctx, actor, fiscal_year, municipality_code)
