"""Joint briefing and consultation sessions (合同説明相談会): scheduling holds them, partners take
part in them. What a participation goes through, and when a session still takes changes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class ParticipationStatus(StrEnum):
    """Where a partner's participation in a joint session stands.

    ``removed``: scheduling took the partner off the session because its agreement stopped (ended,
    expired or suspended) before the session; the partner may register again once it is active."""

    REGISTERED = "registered"
    WITHDRAWN = "withdrawn"
    REMOVED = "removed"


def has_started(starts_at: datetime, now: datetime) -> bool:
    """A session that has begun takes no registrations and no withdrawals: who took part in it is
    history by then."""
    return starts_at <= now
