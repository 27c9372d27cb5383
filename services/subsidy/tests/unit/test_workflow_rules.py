"""The state machine, the year limit, segregation of duties and the budget envelope, without I/O."""

from __future__ import annotations

import itertools

import pytest
from tsunagu_subsidy.adapters.reference import grant_outlines
from tsunagu_subsidy.domain import rules
from tsunagu_subsidy.domain.applications import (
    ALLOWED,
    Status,
    Step,
    advance_refusal,
    confirmation_refusal,
    decided_amount_refusal,
    decision_refusal,
    status_after_confirmation,
    step_refusal,
    withdrawal_refusal,
)
from tsunagu_subsidy.domain.budget import FiscalBudget, commitment_refusal
from tsunagu_subsidy.domain.years import exception_approval_refusal, exception_request_refusal, year_refusal

OUTLINE = grant_outlines().versions[0]

LEGAL = {
    (Step.REVIEW, Status.APPLIED),
    (Step.DECIDE, Status.REVIEWED),
    (Step.REFUSE, Status.REVIEWED),
    (Step.REQUEST_CHANGE, Status.DECIDED),
    (Step.REVIEW_CHANGE, Status.CHANGE_REQUESTED),
    (Step.DECIDE_CHANGE, Status.CHANGE_REVIEWED),
    (Step.REPORT, Status.DECIDED),
    (Step.CONFIRM, Status.REPORTED),
    (Step.PAY_BALANCE, Status.CONFIRMED),
    (Step.CLAIM_REFUND, Status.CONFIRMED),
    *((Step.WITHDRAW, s) for s in (Status.APPLIED, Status.REVIEWED, Status.DECIDED)),
    *((Step.WITHDRAW, s) for s in (Status.CHANGE_REQUESTED, Status.CHANGE_REVIEWED)),
    *((Step.PAY_ADVANCE, s) for s in (Status.DECIDED, Status.CHANGE_REQUESTED, Status.CHANGE_REVIEWED)),
    (Step.PAY_ADVANCE, Status.REPORTED),
}


@pytest.mark.parametrize(("step", "status"), list(itertools.product(Step, Status)))
def test_every_step_is_allowed_exactly_where_the_workflow_says(step: Step, status: Status) -> None:
    refusal = step_refusal(step, status)
    if (step, status) in LEGAL:
        assert refusal is None
    else:
        assert refusal is ALLOWED[step][1]


def test_final_states_allow_nothing() -> None:
    for status in (Status.CLOSED, Status.REFUSED, Status.WITHDRAWN):
        assert all(step_refusal(step, status) is not None for step in Step)


def test_the_year_limit_counts_other_standing_years_and_yields_to_an_approved_exception() -> None:
    assert year_refusal(2025, [], max_years=2, exception_approved=False) is None
    assert year_refusal(2026, [2025], max_years=2, exception_approved=False) is None
    assert (
        year_refusal(2027, [2025, 2026], max_years=2, exception_approved=False)
        is rules.THIRD_YEAR_WITHOUT_EXCEPTION
    )
    assert year_refusal(2027, [2025, 2026], max_years=2, exception_approved=True) is None
    # Its own year does not count against it (a re-application after a withdrawal, a re-check at decision).
    assert year_refusal(2026, [2025, 2026], max_years=2, exception_approved=False) is None


def test_an_exception_is_asked_only_where_needed_and_approved_by_someone_else() -> None:
    assert exception_request_refusal(2026, [2025], max_years=2) is rules.EXCEPTION_NOT_NEEDED
    assert exception_request_refusal(2027, [2025, 2026], max_years=2) is None
    assert (
        exception_approval_refusal(requested_by="a", approver="a", decided=False)
        is rules.EXCEPTION_SELF_APPROVED
    )
    assert exception_approval_refusal(requested_by="a", approver="b", decided=True) is rules.EXCEPTION_DECIDED
    assert exception_approval_refusal(requested_by="a", approver="b", decided=False) is None


def test_who_reviewed_never_decides_whatever_the_outcome() -> None:
    for granting in (True, False):
        assert (
            decision_refusal(approver="x", reviewed_by="x", found_eligible=True, granting=granting)
            is rules.APPROVER_REVIEWED
        )
    assert decision_refusal(approver="y", reviewed_by="x", found_eligible=False, granting=True) is (
        rules.REVIEW_FOUND_INELIGIBLE
    )
    assert decision_refusal(approver="y", reviewed_by="x", found_eligible=False, granting=False) is None


def test_amounts_decided_and_confirmed_stay_within_their_bounds() -> None:
    plan = {"personnel": 3_000_000, "travel": 400_000}  # half is 1,700,000
    assert decided_amount_refusal(1_700_000, plan, OUTLINE) is None
    assert decided_amount_refusal(1_701_000, plan, OUTLINE) is rules.DECISION_ABOVE_ELIGIBLE
    assert decided_amount_refusal(1_700_500, plan, OUTLINE) is rules.AMOUNT_NOT_ROUNDED
    assert confirmation_refusal(1_500_000, decided=1_700_000, actual_total=3_000_000, outline=OUTLINE) is None
    assert (
        confirmation_refusal(1_800_000, decided=1_700_000, actual_total=4_000_000, outline=OUTLINE)
        is rules.CONFIRMATION_ABOVE_DECISION
    )
    assert (
        confirmation_refusal(1_600_000, decided=1_700_000, actual_total=3_000_000, outline=OUTLINE)
        is rules.CONFIRMATION_ABOVE_ELIGIBLE
    )


def test_withdrawal_and_advances_follow_the_money() -> None:
    assert withdrawal_refusal(Status.DECIDED, paid_total=0) is None
    assert withdrawal_refusal(Status.DECIDED, paid_total=1000) is rules.WITHDRAWAL_CLOSED
    assert withdrawal_refusal(Status.REPORTED, paid_total=0) is rules.WITHDRAWAL_CLOSED
    assert (
        advance_refusal(Status.DECIDED, 1_000_000, decided=1_700_000, paid_total=0, outline=OUTLINE) is None
    )
    assert (
        advance_refusal(Status.DECIDED, 800_000, decided=1_700_000, paid_total=1_000_000, outline=OUTLINE)
        is rules.ADVANCE_ABOVE_DECISION
    )
    assert (
        advance_refusal(Status.CONFIRMED, 1, decided=1, paid_total=0, outline=OUTLINE)
        is rules.ADVANCE_NOT_ALLOWED
    )
    assert (
        advance_refusal(Status.DECIDED, 0, decided=1, paid_total=0, outline=OUTLINE)
        is rules.AMOUNT_NOT_POSITIVE
    )
    assert status_after_confirmation(confirmed=1000, paid_total=1000) is Status.CLOSED
    assert status_after_confirmation(confirmed=1000, paid_total=0) is Status.CONFIRMED


def test_the_budget_refuses_only_a_commitment_beyond_the_line() -> None:
    assert commitment_refusal(line=10, committed=4, delta=6) is None
    assert commitment_refusal(line=10, committed=4, delta=7) is rules.BUDGET_EXHAUSTED
    assert commitment_refusal(line=10, committed=12, delta=-3) is None  # a release, even over a revised line
    budget = FiscalBudget(2025, {"a": 300, "subsidy": 84}, "subsidy")
    assert (budget.total, budget.subsidy_line) == (384, 84)
    with pytest.raises(ValueError):
        FiscalBudget(2025, {"a": 1}, "subsidy")
