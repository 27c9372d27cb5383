"""Partner organisations as scheduling knows them, from the partners service's events alone, and
which joint sessions they take part in.

Each partner event type has its own consumer, so they arrive in no guaranteed order, and a replay
interleaves them differently again. Everything here is therefore a function of the set of events
seen, measured by the events' own times, never by the order they were handled in or the clock:

* the partner's **standing** is its latest change by event time (a tie goes to the change that
  stops the partner, so a tie cannot make an order matter);
* an **ending** (agreement ended, expired or suspended) takes a partner off a participation when
  the participation was registered at or before the ending was known to partners, the session
  starts after the ending took effect, and the partner had not withdrawn before it. Of several
  endings the earliest applies.

A suspension removes as an ending does: a suspended partner is no partner of the programme
(partners refuses its registrations), and a briefing announces who takes part; once it is resumed
it registers again for the sessions still ahead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from tsunagu_calendar import TOKYO
from tsunagu_contracts.events.scheduling import SessionPartnerRemovalReason


class PartnerChange(StrEnum):
    """What an event of the partners service changed about a partner's agreement."""

    SIGNED = "signed"
    RENEWED = "renewed"
    RESUMED = "resumed"
    SUSPENDED = "suspended"
    ENDED = "ended"
    EXPIRED = "expired"


class PartnerStanding(StrEnum):
    """Where a partner stands, as its latest change says."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"
    EXPIRED = "expired"


class ParticipationStatus(StrEnum):
    PARTICIPATING = "participating"
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"


STANDING_OF = {
    PartnerChange.SIGNED: PartnerStanding.ACTIVE,
    PartnerChange.RENEWED: PartnerStanding.ACTIVE,
    PartnerChange.RESUMED: PartnerStanding.ACTIVE,
    PartnerChange.SUSPENDED: PartnerStanding.SUSPENDED,
    PartnerChange.ENDED: PartnerStanding.ENDED,
    PartnerChange.EXPIRED: PartnerStanding.EXPIRED,
}
REMOVAL_REASON = {
    PartnerChange.SUSPENDED: SessionPartnerRemovalReason.AGREEMENT_SUSPENDED,
    PartnerChange.ENDED: SessionPartnerRemovalReason.AGREEMENT_ENDED,
    PartnerChange.EXPIRED: SessionPartnerRemovalReason.AGREEMENT_EXPIRED,
}
TIE_ORDER = {
    PartnerChange.SIGNED: 0,
    PartnerChange.RENEWED: 1,
    PartnerChange.RESUMED: 2,
    PartnerChange.SUSPENDED: 3,
    PartnerChange.EXPIRED: 4,
    PartnerChange.ENDED: 5,
}
"""Of changes at one instant, the later in this order is the standing."""


@dataclass(frozen=True, slots=True)
class Change:
    """One change of a partner's agreement: ``at`` is the event's time; ``effective_on`` the first
    day of a signed agreement; ``ends_on`` the last day of an expired one."""

    change: PartnerChange
    at: datetime
    effective_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    standing: PartnerStanding
    since: datetime
    active_from: date | None
    """For an active partner, the first day of the agreement that made it one (when known)."""

    def active_on(self, day: date) -> bool:
        return self.standing == PartnerStanding.ACTIVE and (
            self.active_from is None or self.active_from <= day
        )


def standing(changes: Iterable[Change]) -> Standing | None:
    """The partner's standing by its latest change (None for a partner no event has named)."""
    ordered = sorted(changes, key=lambda c: (c.at, TIE_ORDER[c.change]))
    if not ordered:
        return None
    latest = ordered[-1]
    active_from = None
    if STANDING_OF[latest.change] == PartnerStanding.ACTIVE:
        # The agreement signed last decides when activity began; a renewal or a resumption keeps it.
        signed = [c for c in ordered if c.change == PartnerChange.SIGNED]
        active_from = signed[-1].effective_on if signed else None
    return Standing(STANDING_OF[latest.change], latest.at, active_from)


@dataclass(frozen=True, slots=True)
class Ending:
    """A change that takes a partner off its joint sessions. ``known_at`` is when partners
    recorded it (registrations up to then are affected); ``effective_at`` is when the agreement
    stopped (sessions starting after it lose the partner)."""

    reason: SessionPartnerRemovalReason
    known_at: datetime
    effective_at: datetime


def ending_of(change: Change) -> Ending | None:
    """The ending a change is, if it is one. An expiry takes effect when the term ran out (the
    start of the day after ``ends_on``, Tokyo), which may be before partners' timer noticed it."""
    reason = REMOVAL_REASON.get(change.change)
    if reason is None:
        return None
    effective_at = change.at
    if change.change == PartnerChange.EXPIRED and change.ends_on is not None:
        term_over = datetime.combine(change.ends_on + timedelta(days=1), time(0), tzinfo=TOKYO)
        effective_at = min(effective_at, term_over)
    return Ending(reason, change.at, effective_at)


@dataclass(frozen=True, slots=True)
class Participation:
    registered_at: datetime
    starts_at: datetime
    withdrawn_at: datetime | None = None


def removal(participation: Participation, changes: Iterable[Change]) -> Ending | None:
    """The ending that takes the partner off this participation, if any: the earliest of those
    that found it standing and came before its session."""
    applying = [
        ending
        for ending in (ending_of(c) for c in changes)
        if ending is not None
        and participation.registered_at <= ending.known_at
        and participation.starts_at > ending.effective_at
        and (participation.withdrawn_at is None or participation.withdrawn_at > ending.known_at)
    ]
    return min(applying, key=lambda e: (e.effective_at, e.known_at), default=None)


def status(withdrawn_at: datetime | None, removed_at: datetime | None) -> ParticipationStatus:
    """Withdrawn or removed, whichever came first; else participating."""
    if withdrawn_at is not None and (removed_at is None or withdrawn_at <= removed_at):
        return ParticipationStatus.WITHDRAWN
    if removed_at is not None:
        return ParticipationStatus.REMOVED
    return ParticipationStatus.PARTICIPATING
