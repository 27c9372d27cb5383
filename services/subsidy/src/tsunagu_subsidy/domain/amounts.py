"""Amounts of the subsidy, in integer yen only.

Japanese grant practice applies the rate to the eligible costs and rounds down to the thousand yen
(千円未満切捨て); the confirmed amount (確定額) is the least of the decided amount, that figure and
the cap. Everything here is integer arithmetic: a rate is a numerator and a denominator, and
``//`` rounds toward zero for the non-negative amounts the schema admits.
"""

from __future__ import annotations

from collections.abc import Mapping

from .outline import GrantOutline


def round_down(amount: int, unit: int) -> int:
    """``amount`` rounded down to a multiple of ``unit`` (both non-negative, ``unit`` positive)."""
    return amount - amount % unit


def total(costs: Mapping[str, int]) -> int:
    """The sum of costs by category."""
    return sum(costs.values())


def eligible_amount(costs_total: int, outline: GrantOutline) -> int:
    """What the rate makes of the eligible costs, capped and rounded down: the most that can be
    decided on planned costs, or confirmed on actual ones."""
    by_rate = costs_total * outline.rate.numerator // outline.rate.denominator
    return round_down(min(by_rate, outline.cap_per_year), outline.rounding_unit)


def confirmed_amount(decided: int, actual_total: int, outline: GrantOutline) -> int:
    """The amount confirmed (額の確定): the least of the decided amount, the rate applied to the
    eligible actual costs, and the cap, rounded down."""
    return round_down(min(decided, eligible_amount(actual_total, outline)), outline.rounding_unit)
