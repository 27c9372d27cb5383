"""Seats and waitlists of group sessions (seminars, consultation days, lectures…) with registration.

A group session has ``capacity`` numbered seats. A registration takes the lowest free seat number;
the database holds ``UNIQUE (group_session_id, seat_no)``, so two registrations racing for the last
seat cannot both get it — the loser tries again, finds no seat and goes on the waitlist (or is
refused with ``session_full`` when the group session keeps no waitlist). Waitlisted registrations
have no seat and queue in the order they were made (their UUIDv7 ids sort by creation). When a
seat holder cancels, the first on the waitlist gets that very seat in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass


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


def free_seat(capacity: int, taken: Collection[int]) -> int | None:
    """The lowest seat number in ``1..capacity`` nobody holds, or ``None``."""
    for number in range(1, capacity + 1):
        if number not in taken:
            return number
    return None


def decide(capacity: int, taken: Collection[int], *, waitlist: bool) -> Decision:
    """Where a new registration goes: a seat, the waitlist, or nowhere (``session_full``)."""
    seat = free_seat(capacity, taken)
    if seat is not None:
        return Seat(seat)
    return Waitlist() if waitlist else Full()


def waitlist_position(queue: Sequence[str], registration_id: str) -> int:
    """1-based place of ``registration_id`` in ``queue`` (waitlisted ids, oldest first)."""
    return list(queue).index(registration_id) + 1


def next_in_line(queue: Sequence[str], skip: Collection[str] = ()) -> str | None:
    """The first waitlisted registration not in ``skip`` (ids another transaction just took)."""
    for registration_id in queue:
        if registration_id not in skip:
            return registration_id
    return None
