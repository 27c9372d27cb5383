"""The grant outline (交付要綱) as data: what each version makes eligible, at what rate, up to what
cap, for how many years, by which deadlines and against which documents.

A version is in force from a fiscal year until the next version's first year. Editing the outline
is a data change the programme office reviews like any other document; nothing here hard-codes a
figure of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from tsunagu_calendar import fiscal_year_bounds


class Step(StrEnum):
    """The steps of the grant workflow that ask for documents."""

    APPLICATION = "application"
    CHANGE = "change"
    REPORT = "report"


@dataclass(frozen=True, slots=True)
class Rate:
    """The subsidy rate as a fraction of two integers (½ is ``Rate(1, 2)``): no float touches money."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        if self.denominator <= 0 or not 0 < self.numerator <= self.denominator:
            raise ValueError("a subsidy rate is a fraction in (0, 1]")


@dataclass(frozen=True, slots=True)
class CostCategory:
    """An eligible cost category (対象経費): a code and its name in the outline."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A day of a fiscal year given by month and day (``01-31`` of FY2025 is 2026-01-31)."""

    month: int
    day: int

    def in_fiscal_year(self, fy: int) -> date:
        year = fy if self.month >= 4 else fy + 1
        return date(year, self.month, self.day)


@dataclass(frozen=True, slots=True)
class GrantOutline:
    """One version of the grant outline."""

    version: str
    effective_from: int
    """The first fiscal year this version governs."""
    categories: tuple[CostCategory, ...]
    rate: Rate
    cap_per_year: int
    """The most one municipality is granted in one fiscal year, in yen."""
    max_years: int
    """Fiscal years with a standing grant decision a municipality may have (原則2年)."""
    rounding_unit: int
    """Amounts are rounded down to a multiple of this (1,000: 千円未満切捨て)."""
    application_deadline: MonthDay
    report_days_after_completion: int
    """The results report is due this many days after the project ends …"""
    report_deadline_after_year: MonthDay
    """… or on this day of the following fiscal year, whichever comes first."""
    payment_business_days: int
    """The balance is paid within this many business days of the confirmation."""
    advance_payment: bool
    """Whether the outline allows advance payment (概算払)."""
    documents: Mapping[Step, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rounding_unit <= 0 or self.cap_per_year < 0 or self.max_years < 1:
            raise ValueError(
                "an outline needs a positive rounding unit and year limit, and a cap of 0 or more"
            )
        if self.cap_per_year % self.rounding_unit:
            raise ValueError("an outline's cap is a multiple of its rounding unit")
        if len({c.code for c in self.categories}) != len(self.categories):
            raise ValueError("an outline's cost category codes are unique")

    @property
    def category_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.categories)

    def unknown_categories(self, codes: Iterable[str]) -> frozenset[str]:
        """The codes among ``codes`` that this version does not make eligible."""
        return frozenset(codes) - self.category_codes

    def required_documents(self, step: Step) -> tuple[str, ...]:
        return self.documents.get(step, ())

    def application_deadline_of(self, fy: int) -> date:
        return self.application_deadline.in_fiscal_year(fy)

    def report_due(self, fy: int, completed_on: date | None) -> date:
        """The results report's due date: N days after the project ends, or the fixed day after the
        fiscal year, whichever comes first. A project without an earlier end ends with its year."""
        last_day = fiscal_year_bounds(fy)[1]
        ended = completed_on if completed_on is not None and completed_on < last_day else last_day
        after_completion = ended + timedelta(days=self.report_days_after_completion)
        return min(after_completion, self.report_deadline_after_year.in_fiscal_year(fy + 1))


class OutlineBook:
    """Every version of the outline, each in force from its first fiscal year."""

    def __init__(self, versions: Iterable[GrantOutline]) -> None:
        ordered = sorted(versions, key=lambda v: v.effective_from)
        if not ordered:
            raise ValueError("a grant outline needs at least one version")
        if len({v.effective_from for v in ordered}) != len(ordered):
            raise ValueError("two outline versions take effect in the same fiscal year")
        self._versions = tuple(ordered)

    @property
    def versions(self) -> tuple[GrantOutline, ...]:
        return self._versions

    def version(self, name: str) -> GrantOutline:
        """The version an application was made under: its rules govern it to the end."""
        for version in self._versions:
            if version.version == name:
                return version
        raise LookupError("no outline version of that name")

    def in_force(self, fy: int) -> GrantOutline | None:
        """The version governing fiscal year ``fy``, or None before the first."""
        found = None
        for version in self._versions:
            if version.effective_from <= fy:
                found = version
        return found
