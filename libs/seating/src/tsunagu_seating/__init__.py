"""Seats and waitlists of sessions people sign up for, shared by scheduling (seminars,
consultation days) and training (in-person sessions). Pure Python, no I/O: each service keeps its
own tables, its own ``UNIQUE (session, seat_no)`` and its own transactions.

* :mod:`.seats`: the lowest free seat, the waitlist in creation order, promotion of the first in
  line into a freed seat, and :func:`settle`, the retry of a sign-up that lost its seat to another;
* :mod:`.no_show`: :class:`NoShowPolicy`, who may not book for a while after not coming;
* :mod:`.moves`: the order in which a cancelled session's people are offered the next one.
"""

from .moves import Place, offer_order
from .no_show import NoShowPolicy
from .seats import (
    ROUNDS,
    Decision,
    Full,
    Seat,
    Waitlist,
    decide,
    free_seat,
    next_in_line,
    settle,
    waitlist_position,
)

__all__ = [
    "ROUNDS",
    "Decision",
    "Full",
    "NoShowPolicy",
    "Place",
    "Seat",
    "Waitlist",
    "decide",
    "free_seat",
    "next_in_line",
    "offer_order",
    "settle",
    "waitlist_position",
]
