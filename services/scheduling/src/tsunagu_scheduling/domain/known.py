"""Whom scheduling books for: persons and cases intake announced, never an id nobody recorded.

Persons and cases are intake's; scheduling never calls intake (services share events only). It
learns each case, with its person, from intake's events (``adapters.known``); a person is known
once one of their cases is. Every consultation intake records belongs to a case, so a person
becomes bookable with the first consultation about them — which is how bookings come about: staff
book after a call or an e-mail, both recorded as consultations.

Those events take a moment to arrive, so the refusal of an unknown person or case says "not yet":
the same request succeeds once intake's news is in. An id intake never gave stays unknown.

A case intake closed takes nothing new (409 ``case_closed``): no appointment, registration or home
visit is booked for it. What was booked before the closure stays, for staff to decide
(``handlers.closure``). Intake opens a new case when a person whose case was closed consults again,
so the person stays bookable, alone or with the new case. Intake announces no reopening today;
should it, the handler of that event deletes the closure record and the case is bookable again.
"""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu_servicekit.errors import Rule

from . import rules


@dataclass(frozen=True, slots=True)
class WhatIsKnown:
    """What scheduling has learnt of the person and case a booking names."""

    person_erased: bool
    person_known: bool
    case_person: str | None = None
    """The person of the case named, ``None`` when the case is not known (or none was named)."""
    case_closed: bool = False
    """Intake announced the closure of the case named (``CaseClosed``)."""


def booking_refusal(person_id: str, case_id: str | None, known: WhatIsKnown) -> Rule | None:
    """The rule a booking for ``person_id`` (and ``case_id``) breaks, checked in this order: the
    person was erased, the person is not known (yet), the case is not known (yet), the case is
    another person's, the case was closed; ``None`` when it may be booked."""
    if known.person_erased:
        return rules.PERSON_ERASED
    if not known.person_known:
        return rules.PERSON_NOT_KNOWN
    if case_id is None:
        return None
    if known.case_person is None:
        return rules.CASE_NOT_KNOWN
    if known.case_person != person_id:
        return rules.CASE_OF_ANOTHER_PERSON
    if known.case_closed:
        return rules.CASE_CLOSED
    return None
