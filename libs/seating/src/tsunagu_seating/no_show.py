"""The no-show policy: someone who held a seat and did not come, ``strikes`` times within
``window_days``, may not book a seat themselves until the oldest of those no-shows leaves the
window.

Refusing, rather than letting them onto the waitlist only, is the choice: a waitlist place behind
free seats would never be promoted (seats are handed on only when one is freed), so "waitlist only"
would be a refusal that looks like a booking. A service may let its staff book for someone whose
standing is suspended (training lets a trainer do so, because a mandatory course must stay
reachable); the policy only says whether, and until when, someone is suspended.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class NoShowPolicy:
    """``strikes`` no-shows on days within the last ``window_days`` days (today included) suspend
    booking."""

    strikes: int = 2
    window_days: int = 365

    def __post_init__(self) -> None:
        if self.strikes < 1:
            raise ValueError("a no-show policy needs at least one strike")
        if self.window_days < 1:
            raise ValueError("a no-show policy's window is at least one day")

    def counted(self, no_shows: Iterable[date], today: date) -> list[date]:
        """The no-shows that count on ``today``, most recent first: those less than
        ``window_days`` days before it (a no-show dated later than today counts too)."""
        return sorted((d for d in no_shows if (today - d).days < self.window_days), reverse=True)

    def suspended_until(self, no_shows: Iterable[date], today: date) -> date | None:
        """``None`` when someone with these no-shows may book on ``today``; otherwise the first
        day they may book again (absent new no-shows): when the ``strikes``-th most recent no-show
        leaves the window."""
        counted = self.counted(no_shows, today)
        if len(counted) < self.strikes:
            return None
        return counted[self.strikes - 1] + timedelta(days=self.window_days)
