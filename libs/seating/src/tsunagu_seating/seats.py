"""Seats and the waitlist of a session people sign up for (scheduling's seminars and consultation
days, training's in-person sessions).

A session has ``capacity`` numbered seats. A place takes the lowest free seat number; the service's
database holds ``UNIQUE (session, seat_no)``, so two sign-ups racing for the last seat cannot both
get it: the loser tries again (:func:`settle`), finds no seat and goes on the waitlist, or is
refused when the session keeps no waitlist. Waitlisted places have no seat and queue in the order
they were made (their UUIDv7 ids sort by creation). When a seat holder cancels, the first on the
waitlist gets that very seat in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Seat:
    number: int


@dataclass(frozen=True, slots=True)
class Waitlist:
    pass


@dataclass(frozen=True, slots=True)
class Full:
    pass


Decision = Seat | Waitlist | Full

ROUNDS = 1000
"""Each round of a sign-up loses only to one that took a seat, so a session's capacity bounds the
rounds a sign-up needs; this bounds them for any capacity a service allows."""


def free_seat(capacity: int, taken: Collection[int]) -> int | None:
    """The lowest seat number in ``1..capacity`` nobody holds, or ``None``."""
    for number in range(1, capacity + 1):
        if number not in taken:
            return number
    return None


def decide(capacity: int, taken: Collection[int], *, waitlist: bool) -> Decision:
    """Where a new place goes: a seat, the waitlist, or nowhere (the session is full)."""
    seat = free_seat(capacity, taken)
    if seat is not None:
        return Seat(seat)
    return Waitlist() if waitlist else Full()


def waitlist_position(queue: Sequence[str], place_id: str) -> int:
    """1-based place of ``place_id`` in ``queue`` (waitlisted ids, oldest first)."""
    return list(queue).index(place_id) + 1


def next_in_line(queue: Sequence[str], skip: Collection[str] = ()) -> str | None:
    """The first waitlisted place not in ``skip`` (ids another transaction just took)."""
    for place_id in queue:
        if place_id not in skip:
            return place_id
    return None


def settle(attempt: Callable[[], T | None], *, rounds: int = ROUNDS) -> T | None:
    """Run ``attempt`` until it returns a place; ``None`` from it means the seat it chose went to
    another sign-up meanwhile (the unique seat refused the insert) and it must read again. Returns
    ``None`` only when every round lost, which a caller reports as a full session."""
    for _ in range(rounds):
        placed = attempt()
        if placed is not None:
            return placed
    return None
