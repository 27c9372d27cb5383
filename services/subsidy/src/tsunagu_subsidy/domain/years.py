"""The at-most-2-years rule (原則2年を上限), counted in fiscal years with a standing grant decision.

A year counts when a decision stands for it: a refusal does not count, nor does an application
withdrawn before any payment. A year beyond the outline's limit needs an exception with a recorded
reason, approved by someone other than who asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from tsunagu_servicekit.errors import Rule

from . import rules


def year_refusal(
    fiscal_year: int, years_used: Iterable[int], *, max_years: int, exception_approved: bool
) -> Rule | None:
    """Why ``fiscal_year`` cannot be granted, if it cannot: it would be a year beyond the limit and
    no exception was approved for it. ``years_used`` are the municipality's other standing years."""
    other_years = set(years_used) - {fiscal_year}
    if len(other_years) < max_years or exception_approved:
        return None
    return rules.THIRD_YEAR_WITHOUT_EXCEPTION


def exception_request_refusal(fiscal_year: int, years_used: Iterable[int], *, max_years: int) -> Rule | None:
    """An exception is asked for only where the rule would otherwise refuse the year."""
    if len(set(years_used) - {fiscal_year}) < max_years:
        return rules.EXCEPTION_NOT_NEEDED
    return None


def exception_approval_refusal(*, requested_by: str, approver: str, decided: bool) -> Rule | None:
    """Segregation of duties: the approver of an exception is not who requested it."""
    if decided:
        return rules.EXCEPTION_DECIDED
    if requested_by == approver:
        return rules.EXCEPTION_SELF_APPROVED
    return None
