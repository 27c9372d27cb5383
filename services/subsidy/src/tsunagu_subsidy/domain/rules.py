"""Every rule a request to the subsidy service can break: name, HTTP status, fixed sentence.

Messages are shown to callers and logged: they never hold a value from the input or the records.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule, RuleBook

APPLICATION_NOT_FOUND = Rule("application_not_found", 404, "The application does not exist.")
OWN_MUNICIPALITY_ONLY = Rule(
    "own_municipality_only", 403, "Municipality staff may only act for their own municipality."
)
MUNICIPALITY_NOT_IN_TOKYO = Rule(
    "municipality_not_in_tokyo", 422, "The municipality code is not one of Tokyo's 62 municipalities."
)

# The grant outline (交付要綱).
OUTLINE_NOT_IN_FORCE = Rule("outline_not_in_force", 422, "No grant outline is in force for that fiscal year.")
COST_CATEGORY_NOT_IN_OUTLINE = Rule(
    "cost_category_not_in_outline", 422, "A cost category is not eligible under the grant outline in force."
)
DOCUMENTS_MISSING = Rule(
    "documents_missing", 422, "A document the grant outline requires for this step is missing."
)
DOCUMENT_NOT_IN_OUTLINE = Rule(
    "document_not_in_outline", 422, "A document is not one the grant outline names for this step."
)
APPLICATION_DEADLINE_PASSED = Rule(
    "application_deadline_passed", 422, "The application deadline of that fiscal year has passed."
)
FISCAL_YEAR_NOT_OPEN = Rule(
    "fiscal_year_not_open", 422, "Applications are taken for the current or the next fiscal year only."
)

# Eligibility: the municipality newly implements the national programme, for at most the outline's years.
IMPLEMENTATION_NOT_RECORDED = Rule(
    "implementation_not_recorded",
    422,
    "The municipality has no recorded start of the national regional support programme.",
)
BEFORE_IMPLEMENTATION = Rule(
    "before_implementation",
    422,
    "The fiscal year is before the municipality started the national regional support programme.",
)
IMPLEMENTATION_ALREADY_RECORDED = Rule(
    "implementation_already_recorded",
    409,
    "The municipality's start of the national programme is recorded already, and grants rest on it.",
)
THIRD_YEAR_WITHOUT_EXCEPTION = Rule(
    "third_year_without_exception",
    422,
    "The municipality has used the years the grant outline allows; another needs an approved exception.",
)
APPLICATION_EXISTS_FOR_YEAR = Rule(
    "application_exists_for_year", 409, "The municipality has a standing application for that fiscal year."
)
EXCEPTION_NOT_FOUND = Rule("exception_not_found", 404, "No exception was requested for that year.")
EXCEPTION_SELF_APPROVED = Rule(
    "exception_self_approved", 403, "An exception must be approved by someone other than who requested it."
)
EXCEPTION_DECIDED = Rule("exception_decided", 409, "The exception has been decided already.")
EXCEPTION_NOT_NEEDED = Rule(
    "exception_not_needed",
    422,
    "The municipality has years left under the grant outline; no exception is needed.",
)

# The workflow's order.
NOT_UNDER_REVIEW = Rule("not_under_review", 409, "Only an application awaiting review can be reviewed.")
NOT_REVIEWED = Rule("not_reviewed", 409, "Only a reviewed application can be decided.")
REVIEW_FOUND_INELIGIBLE = Rule(
    "review_found_ineligible", 409, "The review found the application ineligible: it can only be refused."
)
APPROVER_REVIEWED = Rule(
    "approver_reviewed", 403, "The person who reviewed an application may not decide it."
)
DECISION_ABOVE_ELIGIBLE = Rule(
    "decision_above_eligible",
    422,
    "The decided amount is above the rate applied to the planned costs, or above the cap.",
)
REQUEST_ABOVE_ELIGIBLE = Rule(
    "request_above_eligible",
    422,
    "The amount asked for is above the rate applied to the planned costs, or above the cap.",
)
CHANGE_BELOW_PAID = Rule(
    "change_below_paid", 422, "A changed decision may not be below what has been paid on it in advance."
)
AMOUNT_NOT_ROUNDED = Rule(
    "amount_not_rounded", 422, "Amounts are decided in whole units of the grant outline's rounding."
)
BUDGET_EXHAUSTED = Rule(
    "budget_exhausted", 409, "The decision would exceed what remains of the fiscal year's subsidy budget."
)
BUDGET_NOT_SET = Rule("budget_not_set", 422, "No subsidy budget is set for that fiscal year.")
NOT_DECIDED = Rule("not_decided", 409, "Only an application with a standing grant decision can change.")
NO_CHANGE_REQUESTED = Rule("no_change_requested", 409, "No change request awaits this step.")
REPORT_BEFORE_DECISION = Rule(
    "report_before_decision", 409, "A results report needs a standing grant decision with no change pending."
)
NOT_REPORTED = Rule("not_reported", 409, "Only an application with a results report can be confirmed.")
CONFIRMATION_ABOVE_DECISION = Rule(
    "confirmation_above_decision", 422, "The confirmed amount may not exceed the decided amount."
)
CONFIRMATION_ABOVE_ELIGIBLE = Rule(
    "confirmation_above_eligible",
    422,
    "The confirmed amount may not exceed the rate applied to the eligible actual costs, or the cap.",
)
WITHDRAWAL_CLOSED = Rule(
    "withdrawal_closed",
    409,
    "An application can be withdrawn only before its results report and any payment.",
)
ADVANCE_NOT_ALLOWED = Rule(
    "advance_not_allowed",
    409,
    "An advance payment is made after the decision and before the amount is confirmed.",
)
ADVANCE_ABOVE_DECISION = Rule(
    "advance_above_decision", 422, "Advance payments may not exceed the decided amount."
)
NOTHING_TO_PAY = Rule("nothing_to_pay", 409, "The confirmed amount has been paid already.")
NOTHING_TO_REFUND = Rule(
    "nothing_to_refund", 409, "Only what was paid above the confirmed amount can be claimed back."
)
AMOUNT_NOT_POSITIVE = Rule("amount_not_positive", 422, "A payment is a positive whole number of yen.")

RULES = RuleBook.of_module(globals())
