"""What every use case of the subsidy service needs, built once by the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.context import ServiceContext

from ..domain.budget import FiscalBudget
from ..domain.outline import OutlineBook


@dataclass(kw_only=True)
class SubsidyContext(ServiceContext):
    """The kit's context plus the grant outline, the budget and the programme calendar."""

    outlines: OutlineBook
    budgets: Mapping[int, FiscalBudget]
    calendar: ServiceCalendar
    reminder_lead_business_days: int = 5
