"""The shipped reference data: age bands, opening hours."""

from __future__ import annotations

import pytest
from tsunagu_calendar import EMAIL, PHONE
from tsunagu_intake.adapters.reference_data import opening_hours
from tsunagu_intake.domain.ages import age_band, band_lower_bound
from tsunagu_intake.domain.codes import AgeBand


@pytest.mark.parametrize(
    ("years", "band"),
    [
        (None, AgeBand.UNKNOWN),
        (0, AgeBand.UNDER_15),
        (14, AgeBand.UNDER_15),
        (15, AgeBand.AGE_15_19),
        (19, AgeBand.AGE_15_19),
        (20, AgeBand.AGE_20_29),
        (45, AgeBand.AGE_40_49),
        (69, AgeBand.AGE_60_69),
        (70, AgeBand.AGE_70_PLUS),
        (101, AgeBand.AGE_70_PLUS),
    ],
)
def test_age_bands(years: int | None, band: AgeBand) -> None:
    assert age_band(years) is band


def test_band_lower_bounds() -> None:
    assert band_lower_bound(AgeBand.AGE_15_19) == 15
    assert band_lower_bound(AgeBand.UNKNOWN) is None


def test_opening_hours_are_data_with_the_saturday_change() -> None:
    records = opening_hours()
    phone = [r for r in records if r.channel == PHONE]
    assert [str(r.effective_from) for r in phone] == ["2024-04-01", "2025-04-01"]
    assert phone[0].intervals_for_weekday(5) == ()  # Saturday closed until 2025-03-31
    assert phone[1].intervals_for_weekday(5) != ()
    assert any(r.channel == EMAIL for r in records)
