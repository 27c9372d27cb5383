"""Rate, cap and rounding in integer yen, checked against exact fractions for any amounts and rates."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st
from tsunagu_subsidy.domain.amounts import confirmed_amount, eligible_amount, round_down
from tsunagu_subsidy.domain.outline import GrantOutline, MonthDay, Rate

YEN = st.integers(min_value=0, max_value=10**12)
UNITS = st.sampled_from([1, 10, 100, 1000, 10_000])


@st.composite
def outlines(draw: st.DrawFn) -> GrantOutline:
    denominator = draw(st.integers(min_value=1, max_value=12))
    unit = draw(UNITS)
    return GrantOutline(
        version="T",
        effective_from=2025,
        categories=(),
        rate=Rate(draw(st.integers(min_value=1, max_value=denominator)), denominator),
        cap_per_year=draw(st.integers(min_value=0, max_value=10**9)) // unit * unit,
        max_years=2,
        rounding_unit=unit,
        application_deadline=MonthDay(1, 31),
        report_days_after_completion=30,
        report_deadline_after_year=MonthDay(4, 10),
        payment_business_days=20,
        advance_payment=True,
    )


def reference_eligible(costs: int, outline: GrantOutline) -> int:
    """The rule written with exact fractions: rate × costs, capped, rounded down to the unit."""
    exact = min(
        Fraction(costs) * Fraction(outline.rate.numerator, outline.rate.denominator), outline.cap_per_year
    )
    return int(exact // outline.rounding_unit) * outline.rounding_unit


@given(YEN, outlines())
def test_the_eligible_amount_equals_the_exact_fraction_rounded_down(
    costs: int, outline: GrantOutline
) -> None:
    assert eligible_amount(costs, outline) == reference_eligible(costs, outline)


@given(YEN, YEN, outlines())
def test_the_confirmed_amount_never_exceeds_the_decision_the_cap_or_the_rate(
    decided: int, actual: int, outline: GrantOutline
) -> None:
    confirmed = confirmed_amount(decided, actual, outline)
    assert confirmed <= decided
    assert confirmed <= outline.cap_per_year
    assert confirmed <= Fraction(actual) * Fraction(outline.rate.numerator, outline.rate.denominator)
    assert confirmed % outline.rounding_unit == 0
    assert isinstance(confirmed, int)


@given(YEN, YEN, YEN, outlines())
def test_more_actual_costs_never_confirm_less(
    decided: int, actual: int, extra: int, outline: GrantOutline
) -> None:
    assert confirmed_amount(decided, actual, outline) <= confirmed_amount(decided, actual + extra, outline)


@given(YEN, UNITS)
def test_rounding_down_keeps_a_multiple_below_by_less_than_a_unit(amount: int, unit: int) -> None:
    rounded = round_down(amount, unit)
    assert rounded % unit == 0
    assert 0 <= amount - rounded < unit


def test_the_shipped_rule_in_figures() -> None:
    half = GrantOutline(
        version="T",
        effective_from=2025,
        categories=(),
        rate=Rate(1, 2),
        cap_per_year=5_000_000,
        max_years=2,
        rounding_unit=1000,
        application_deadline=MonthDay(1, 31),
        report_days_after_completion=30,
        report_deadline_after_year=MonthDay(4, 10),
        payment_business_days=20,
        advance_payment=True,
    )
    assert eligible_amount(3_401_999, half) == 1_700_000  # 1,700,999.5 rounds down to the thousand
    assert eligible_amount(20_000_000, half) == 5_000_000  # the cap
    assert confirmed_amount(1_700_000, 3_000_001, half) == 1_500_000  # the rate on the actual costs
    assert confirmed_amount(1_200_000, 3_000_000, half) == 1_200_000  # the decided amount
