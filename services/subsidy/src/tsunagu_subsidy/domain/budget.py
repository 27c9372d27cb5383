"""The budget envelope: the programme's budget per fiscal year, split by component, and what the
subsidy line has committed, confirmed, paid and had claimed back.

A decision commits its amount; a change decision moves the commitment by the difference; a
withdrawal releases it; a confirmation replaces the commitment with the confirmed amount, which
never exceeds it. Only a commitment can exceed the line, so that is where the rule is checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tsunagu_servicekit.errors import Rule

from . import rules


@dataclass(frozen=True, slots=True)
class FiscalBudget:
    """The programme's budget of one fiscal year: its components in yen, and the one that funds
    the start-up subsidy."""

    fiscal_year: int
    components: Mapping[str, int]
    subsidy_component: str

    def __post_init__(self) -> None:
        if self.subsidy_component not in self.components:
            raise ValueError("the subsidy line names one of the budget's components")
        if any(v < 0 for v in self.components.values()):
            raise ValueError("budget components are amounts of 0 yen or more")

    @property
    def total(self) -> int:
        return sum(self.components.values())

    @property
    def subsidy_line(self) -> int:
        return self.components[self.subsidy_component]


def commitment_refusal(*, line: int, committed: int, delta: int) -> Rule | None:
    """Why a commitment that moves by ``delta`` cannot be made, if it cannot: it would take the
    committed total above the line. A release (``delta <= 0``) is always possible."""
    if delta > 0 and committed + delta > line:
        return rules.BUDGET_EXHAUSTED
    return None
