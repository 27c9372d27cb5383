"""Moving the people of a cancelled session to the next session, with their consent.

Nobody is moved by the cancellation itself: each person holding a seat or a waitlist place is made
an offer, in the order they had (:func:`offer_order`), and moves only by accepting it. An
acceptance is a sign-up like any other: it takes a seat or a waitlist place in the next session by
:func:`~tsunagu_seating.seats.decide` at the moment it is made, so offers accepted in the order
they were made keep that order in the next session, and a declined offer changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Place:
    """A seat holder (``seat_no``) or a waitlisted place (``seat_no`` None) of a session; ``id``
    sorts by creation (UUIDv7)."""

    id: str
    seat_no: int | None


def offer_order(places: Iterable[Place]) -> list[Place]:
    """The order people had in a session: the seat holders first, then the waitlist, each in the
    order they came (not by seat number, which says only which seat was free)."""
    return sorted(places, key=lambda p: (p.seat_no is None, p.id))
