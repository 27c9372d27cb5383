"""Age bands: the only form in which age leaves the vault."""

from __future__ import annotations

from .codes import AgeBand

_LOWER_BOUND: dict[AgeBand, int] = {
    AgeBand.UNDER_15: 0,
    AgeBand.AGE_15_19: 15,
    AgeBand.AGE_20_29: 20,
    AgeBand.AGE_30_39: 30,
    AgeBand.AGE_40_49: 40,
    AgeBand.AGE_50_59: 50,
    AgeBand.AGE_60_69: 60,
    AgeBand.AGE_70_PLUS: 70,
}


def age_band(years: int | None) -> AgeBand:
    """The band of an age in whole years (``None``: unknown)."""
    if years is None:
        return AgeBand.UNKNOWN
    if years < 0:
        raise ValueError("age cannot be negative")
    if years < 15:
        return AgeBand.UNDER_15
    if years < 20:
        return AgeBand.AGE_15_19
    if years >= 70:
        return AgeBand.AGE_70_PLUS
    return AgeBand(f"{years // 10 * 10}_{years // 10 * 10 + 9}")


def band_lower_bound(band: AgeBand) -> int | None:
    """The youngest age a band admits (``None`` for unknown)."""
    return _LOWER_BOUND.get(band)
