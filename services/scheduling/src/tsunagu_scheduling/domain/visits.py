"""Home visits: how many a person may have per fiscal year, and who must go.

Applications come only through the municipality (intake checks eligibility and publishes
``HomeVisitRequested``). Each request creates visits *to schedule*, as many as asked for but no
more than the person has left under the cap of the fiscal year. Every visit holds a numbered place
``1..cap`` in the person's year; the database keeps ``UNIQUE (person_id, fiscal_year, quota_no)``,
so the cap holds even when requests race. A cancelled visit gives its place back; completed ones
(also without contact) keep it.

Staff: every visitor must hold a ``home_visit`` qualification valid on the visit's day (from the
training service's completions: ``domain.qualifications``). Two people go to a person's first
visit of the year and whenever the person's age band is in ``two_staff_age_bands`` (minors);
otherwise one or two.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from tsunagu_servicekit.errors import Rule

from . import rules
from .codes import AgeBand


@dataclass(frozen=True, slots=True)
class HomeVisitPolicy:
    cap_per_fiscal_year: int = 5
    two_staff_first_visit: bool = True
    two_staff_age_bands: frozenset[AgeBand] = field(
        default_factory=lambda: frozenset({AgeBand.UNDER_15, AgeBand.AGE_15_19})
    )
    max_minutes: int = 180

    def __post_init__(self) -> None:
        if self.cap_per_fiscal_year < 0:
            raise ValueError("the cap is not negative")


def free_places(cap: int, taken: Collection[int], wanted: int) -> list[int]:
    """Up to ``wanted`` free place numbers in ``1..cap``, lowest first."""
    return [n for n in range(1, cap + 1) if n not in taken][: max(wanted, 0)]


def needs_two_staff(policy: HomeVisitPolicy, *, first_visit: bool, age_band: AgeBand) -> bool:
    return (policy.two_staff_first_visit and first_visit) or age_band in policy.two_staff_age_bands


def staff_problem(
    policy: HomeVisitPolicy,
    *,
    staff_count: int,
    all_qualified: bool,
    first_visit: bool,
    age_band: AgeBand,
) -> Rule | None:
    """Why these visitors may not go (the rule), or ``None``."""
    if not all_qualified:
        return rules.NOT_QUALIFIED_FOR_HOME_VISITS
    if staff_count < 2 and needs_two_staff(policy, first_visit=first_visit, age_band=age_band):
        return rules.TWO_STAFF_REQUIRED
    return None
