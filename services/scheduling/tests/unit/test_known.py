"""Whom a booking may be for (``domain.known``): the order of the refusals, without I/O."""

from __future__ import annotations

import pytest
from tsunagu_scheduling.domain import rules
from tsunagu_scheduling.domain.known import WhatIsKnown, booking_refusal
from tsunagu_servicekit.errors import Rule

PERSON, OTHER, CASE = "p", "q", "c"


@pytest.mark.parametrize(
    ("known", "case", "expected"),
    [
        (
            WhatIsKnown(person_erased=True, person_known=True, case_person=PERSON, case_closed=True),
            CASE,
            rules.PERSON_ERASED,
        ),
        (WhatIsKnown(person_erased=False, person_known=False), CASE, rules.PERSON_NOT_KNOWN),
        (WhatIsKnown(person_erased=False, person_known=True), CASE, rules.CASE_NOT_KNOWN),
        (
            WhatIsKnown(person_erased=False, person_known=True, case_person=OTHER, case_closed=True),
            CASE,
            rules.CASE_OF_ANOTHER_PERSON,
        ),
        (
            WhatIsKnown(person_erased=False, person_known=True, case_person=PERSON, case_closed=True),
            CASE,
            rules.CASE_CLOSED,
        ),
        (WhatIsKnown(person_erased=False, person_known=True, case_person=PERSON), CASE, None),
        (WhatIsKnown(person_erased=False, person_known=True), None, None),
    ],
)
def test_refusals_in_their_order(known: WhatIsKnown, case: str | None, expected: Rule | None) -> None:
    assert booking_refusal(PERSON, case, known) is expected


def test_a_closed_case_is_a_conflict_not_a_missing_thing() -> None:
    assert rules.CASE_CLOSED.status == 409
    assert rules.CASE_CLOSED.name == "case_closed"
