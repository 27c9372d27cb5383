"""Home-visit cap and staffing rules, reminder times: without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.domain.codes import AgeBand
from tsunagu_scheduling.domain.reminders import reminder_due_at
from tsunagu_scheduling.domain.visits import HomeVisitPolicy, free_places, needs_two_staff, staff_problem

POLICY = HomeVisitPolicy(cap_per_fiscal_year=5)


def test_free_places_respect_the_cap() -> None:
    assert free_places(5, set(), 3) == [1, 2, 3]
    assert free_places(5, {1, 2, 3}, 3) == [4, 5]
    assert free_places(5, {1, 2, 3, 4, 5}, 1) == []
    assert free_places(5, {2}, 2) == [1, 3]  # a cancelled visit's place is reused
    assert free_places(0, set(), 2) == []


def test_two_staff_for_the_first_visit_and_for_minors() -> None:
    assert needs_two_staff(POLICY, first_visit=True, age_band=AgeBand.AGE_30_39)
    assert needs_two_staff(POLICY, first_visit=False, age_band=AgeBand.AGE_15_19)
    assert not needs_two_staff(POLICY, first_visit=False, age_band=AgeBand.AGE_30_39)


def test_staff_problems() -> None:
    common = {"first_visit": False, "age_band": AgeBand.AGE_30_39}
    assert staff_problem(POLICY, staff_count=1, all_qualified=True, **common) is None
    assert (
        staff_problem(POLICY, staff_count=2, all_qualified=False, **common)
        == rules.NOT_QUALIFIED_FOR_HOME_VISITS
    )
    first = {"first_visit": True, "age_band": AgeBand.AGE_30_39}
    assert staff_problem(POLICY, staff_count=1, all_qualified=True, **first) == rules.TWO_STAFF_REQUIRED
    assert staff_problem(POLICY, staff_count=2, all_qualified=True, **first) is None


def test_reminder_due_times() -> None:
    now = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    lead = timedelta(hours=24)
    assert reminder_due_at(now + timedelta(days=3), lead, now) == now + timedelta(days=2)
    assert reminder_due_at(now + timedelta(hours=2), lead, now) == now  # booked late: at once
    assert reminder_due_at(now, lead, now) is None
    assert reminder_due_at(now - timedelta(hours=1), lead, now) is None
