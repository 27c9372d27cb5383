"""The start-up subsidy as partners keeps it: merging by the events' own times, the status shown,
and the choice of one application per fiscal year. Plain Python."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import reduce

from hypothesis import given
from hypothesis import strategies as st
from tsunagu_partners.domain.subsidy import (
    STANDING,
    Step,
    SubsidyStatus,
    amount_is_newer,
    latest_status,
    of_each_year,
    status_of,
    step_is_newer,
    years_used,
)

T0 = datetime(2025, 4, 10, 1, 0, tzinfo=UTC)


def at(days: int) -> datetime:
    return T0 + timedelta(days=days)


def test_a_later_step_replaces_an_earlier_one_and_never_the_reverse() -> None:
    decided, reported = Step(SubsidyStatus.DECIDED, at(2)), Step(SubsidyStatus.REPORTED, at(7))
    assert step_is_newer(None, decided)
    assert step_is_newer(decided, reported)
    assert not step_is_newer(reported, decided)
    assert not step_is_newer(reported, reported)  # the same event again


def test_on_a_tie_the_later_step_of_the_course_wins_and_endings_last() -> None:
    applied, decided = Step(SubsidyStatus.APPLIED, at(0)), Step(SubsidyStatus.DECIDED, at(0))
    withdrawn, closed = Step(SubsidyStatus.WITHDRAWN, at(0)), Step(SubsidyStatus.CLOSED, at(0))
    assert step_is_newer(applied, decided)
    assert not step_is_newer(decided, applied)
    assert step_is_newer(decided, withdrawn)
    assert not step_is_newer(withdrawn, decided)
    assert step_is_newer(withdrawn, closed)


def test_a_later_amount_replaces_an_earlier_one_and_a_tie_goes_to_the_larger() -> None:
    assert amount_is_newer(None, (100, at(0)))
    assert amount_is_newer((4_000, at(2)), (3_000, at(6)))
    assert not amount_is_newer((3_000, at(6)), (4_000, at(2)))
    assert amount_is_newer((3_000, at(6)), (4_000, at(6)))
    assert not amount_is_newer((4_000, at(6)), (3_000, at(6)))
    assert not amount_is_newer((4_000, at(6)), (4_000, at(6)))


def test_the_status_shown() -> None:
    assert status_of(None, confirmed_amount=None, paid_total=1_000) is SubsidyStatus.DECIDED
    assert status_of(SubsidyStatus.REPORTED, confirmed_amount=None, paid_total=0) is SubsidyStatus.REPORTED
    confirmed = SubsidyStatus.CONFIRMED
    assert status_of(confirmed, confirmed_amount=2_000, paid_total=1_000) is SubsidyStatus.CONFIRMED
    assert status_of(confirmed, confirmed_amount=1_000, paid_total=2_000) is SubsidyStatus.CONFIRMED
    assert status_of(confirmed, confirmed_amount=1_000, paid_total=1_000) is SubsidyStatus.CLOSED
    assert status_of(confirmed, confirmed_amount=0, paid_total=0) is SubsidyStatus.CLOSED
    assert status_of(SubsidyStatus.CLOSED, confirmed_amount=1_000, paid_total=2_000) is SubsidyStatus.CLOSED


STEPS = st.builds(Step, st.sampled_from(list(SubsidyStatus)), st.integers(0, 5).map(at))


def merged(steps: list[Step]) -> Step | None:
    return reduce(lambda held, step: step if step_is_newer(held, step) else held, steps, None)


@given(st.lists(STEPS, min_size=1, max_size=8), st.randoms())
def test_merging_steps_does_not_depend_on_their_order_nor_on_repeats(
    steps: list[Step], rnd: random.Random
) -> None:
    shuffled = list(steps) + rnd.sample(steps, k=len(steps) // 2)
    rnd.shuffle(shuffled)
    assert merged(shuffled) == merged(steps)
    result = merged(steps)
    assert result is not None
    assert result.at == max(step.at for step in steps)


AMOUNTS = st.tuples(st.integers(0, 10_000_000), st.integers(0, 5).map(at))


@given(st.lists(AMOUNTS, min_size=1, max_size=8), st.randoms())
def test_merging_amounts_does_not_depend_on_their_order(
    amounts: list[tuple[int, datetime]], rnd: random.Random
) -> None:
    shuffled = list(amounts)
    rnd.shuffle(shuffled)

    def merge(values: list[tuple[int, datetime]]) -> tuple[int, datetime] | None:
        held: tuple[int, datetime] | None = None
        for value in values:
            if amount_is_newer(held, value):
                held = value
        return held

    assert merge(shuffled) == merge(amounts)


@dataclass
class App:
    application_id: str
    fiscal_year: int
    status: str
    applied_at: datetime | None = None
    step_at: datetime | None = None


def test_one_application_speaks_for_each_year() -> None:
    refused = App("a", 2025, "refused", applied_at=at(0))
    decided = App("b", 2025, "decided", applied_at=at(5))
    withdrawn_later = App("c", 2025, "withdrawn", applied_at=at(9))
    applied = App("d", 2026, "applied", applied_at=at(400))
    refused_2026 = App("e", 2026, "refused", applied_at=at(300))
    withdrawn_2027 = App("f", 2027, "withdrawn", applied_at=at(700))
    withdrawn_2027_later = App("g", 2027, "withdrawn", applied_at=at(720))
    chosen = of_each_year(
        [withdrawn_2027, applied, withdrawn_later, refused, refused_2026, decided, withdrawn_2027_later]
    )
    assert [a.application_id for a in chosen] == ["b", "d", "g"]
    assert years_used(chosen) == 1
    assert latest_status(chosen) is SubsidyStatus.WITHDRAWN
    assert latest_status([]) is None


def test_every_standing_status_counts_a_year() -> None:
    apps = [App(str(n), 2020 + n, status.value, step_at=at(n)) for n, status in enumerate(SubsidyStatus)]
    chosen = of_each_year(apps)
    assert years_used(chosen) == len(STANDING) == 5
    assert {SubsidyStatus(a.status) for a in chosen if SubsidyStatus(a.status) in STANDING} == {
        SubsidyStatus.DECIDED,
        SubsidyStatus.CHANGE_REQUESTED,
        SubsidyStatus.REPORTED,
        SubsidyStatus.CONFIRMED,
        SubsidyStatus.CLOSED,
    }
