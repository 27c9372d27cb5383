"""The grant workflow of one application, without I/O.

::

    applied ─review─▶ reviewed ─decide─▶ decided ─report─▶ reported ─confirm─▶ confirmed ─pay balance─▶ closed
       │                 │  └─refuse─▶ refused      │  ▲                           └─claim refund─▶ closed
       │                 │                          │  └─decide change◀─review change◀─request change
       └────withdraw─────┴──────────withdraw────────┘

A confirmation that leaves nothing to pay or claim closes the application at once. Advance
payments (概算払) may be made between the decision and the confirmation. Each step is allowed in
the states listed in :data:`ALLOWED`; any other is refused with the step's rule, so an illegal
transition never depends on a caller checking first.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from tsunagu_servicekit.errors import Rule

from . import rules
from .amounts import eligible_amount
from .outline import GrantOutline


class Status(StrEnum):
    """Where an application stands."""

    APPLIED = "applied"
    REVIEWED = "reviewed"
    DECIDED = "decided"
    CHANGE_REQUESTED = "change_requested"
    CHANGE_REVIEWED = "change_reviewed"
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    CLOSED = "closed"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Step(StrEnum):
    """The commands of the workflow."""

    REVIEW = "review"
    DECIDE = "decide"
    REFUSE = "refuse"
    REQUEST_CHANGE = "request_change"
    REVIEW_CHANGE = "review_change"
    DECIDE_CHANGE = "decide_change"
    WITHDRAW = "withdraw"
    REPORT = "report"
    CONFIRM = "confirm"
    PAY_ADVANCE = "pay_advance"
    PAY_BALANCE = "pay_balance"
    CLAIM_REFUND = "claim_refund"


WITH_DECISION = frozenset({Status.DECIDED, Status.CHANGE_REQUESTED, Status.CHANGE_REVIEWED})
"""States with a standing decision and no results report yet: the report is awaited."""

STANDING: frozenset[Status] = WITH_DECISION | {Status.REPORTED, Status.CONFIRMED, Status.CLOSED}
"""States in which a grant decision stands: the fiscal year counts toward the year limit."""

OPEN: frozenset[Status] = STANDING | {Status.APPLIED, Status.REVIEWED}
"""States that hold the municipality's fiscal year: a second application for it is refused."""

ALLOWED: Mapping[Step, tuple[frozenset[Status], Rule]] = {
    Step.REVIEW: (frozenset({Status.APPLIED}), rules.NOT_UNDER_REVIEW),
    Step.DECIDE: (frozenset({Status.REVIEWED}), rules.NOT_REVIEWED),
    Step.REFUSE: (frozenset({Status.REVIEWED}), rules.NOT_REVIEWED),
    Step.REQUEST_CHANGE: (frozenset({Status.DECIDED}), rules.NOT_DECIDED),
    Step.REVIEW_CHANGE: (frozenset({Status.CHANGE_REQUESTED}), rules.NO_CHANGE_REQUESTED),
    Step.DECIDE_CHANGE: (frozenset({Status.CHANGE_REVIEWED}), rules.NO_CHANGE_REQUESTED),
    Step.WITHDRAW: (frozenset({Status.APPLIED, Status.REVIEWED}) | WITH_DECISION, rules.WITHDRAWAL_CLOSED),
    Step.REPORT: (frozenset({Status.DECIDED}), rules.REPORT_BEFORE_DECISION),
    Step.CONFIRM: (frozenset({Status.REPORTED}), rules.NOT_REPORTED),
    Step.PAY_ADVANCE: (WITH_DECISION | {Status.REPORTED}, rules.ADVANCE_NOT_ALLOWED),
    Step.PAY_BALANCE: (frozenset({Status.CONFIRMED}), rules.NOTHING_TO_PAY),
    Step.CLAIM_REFUND: (frozenset({Status.CONFIRMED}), rules.NOTHING_TO_REFUND),
}


def step_refusal(step: Step, status: Status) -> Rule | None:
    """The rule ``step`` breaks in ``status``, if it breaks one."""
    allowed, rule = ALLOWED[step]
    return None if status in allowed else rule


def decision_refusal(
    *, approver: str, reviewed_by: str | None, found_eligible: bool | None, granting: bool
) -> Rule | None:
    """Segregation of duties, whatever roles the approver holds: who reviewed does not decide. A
    review that found the application ineligible can only lead to a refusal."""
    if reviewed_by is not None and approver == reviewed_by:
        return rules.APPROVER_REVIEWED
    if granting and found_eligible is False:
        return rules.REVIEW_FOUND_INELIGIBLE
    return None


def decided_amount_refusal(amount: int, planned: Mapping[str, int], outline: GrantOutline) -> Rule | None:
    """A decided amount is a multiple of the rounding unit and at most what the rate and the cap
    make of the planned costs."""
    if amount % outline.rounding_unit:
        return rules.AMOUNT_NOT_ROUNDED
    if amount > eligible_amount(sum(planned.values()), outline):
        return rules.DECISION_ABOVE_ELIGIBLE
    return None


def confirmation_refusal(
    amount: int, *, decided: int, actual_total: int, outline: GrantOutline
) -> Rule | None:
    """A confirmed amount is a multiple of the unit, at most the decided amount, and at most what
    the rate and the cap make of the eligible actual costs."""
    if amount % outline.rounding_unit:
        return rules.AMOUNT_NOT_ROUNDED
    if amount > decided:
        return rules.CONFIRMATION_ABOVE_DECISION
    if amount > eligible_amount(actual_total, outline):
        return rules.CONFIRMATION_ABOVE_ELIGIBLE
    return None


def withdrawal_refusal(status: Status, *, paid_total: int) -> Rule | None:
    """An application is withdrawn before its report and before any payment."""
    if paid_total > 0:
        return rules.WITHDRAWAL_CLOSED
    return step_refusal(Step.WITHDRAW, status)


def advance_refusal(
    status: Status, amount: int, *, decided: int, paid_total: int, outline: GrantOutline
) -> Rule | None:
    """An advance (概算払) is allowed by the outline, made between decision and confirmation, and
    never takes what was paid above the decided amount."""
    if amount <= 0:
        return rules.AMOUNT_NOT_POSITIVE
    if not outline.advance_payment:
        return rules.ADVANCE_NOT_ALLOWED
    refused = step_refusal(Step.PAY_ADVANCE, status)
    if refused is not None:
        return refused
    if paid_total + amount > decided:
        return rules.ADVANCE_ABOVE_DECISION
    return None


def balance_due(*, confirmed: int, paid_total: int) -> int:
    """What remains to be paid after the confirmation (0 when nothing does)."""
    return max(confirmed - paid_total, 0)


def refund_due(*, confirmed: int, paid_total: int) -> int:
    """What was paid above the confirmed amount (0 when nothing was)."""
    return max(paid_total - confirmed, 0)


def status_after_confirmation(*, confirmed: int, paid_total: int) -> Status:
    """A confirmation that leaves nothing to pay or claim back closes the application."""
    return Status.CLOSED if confirmed == paid_total else Status.CONFIRMED
