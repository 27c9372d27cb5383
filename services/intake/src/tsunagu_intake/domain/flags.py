"""Case flags with expiry: which flags are in force at an instant."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .codes import CaseFlag


@dataclass(frozen=True, slots=True)
class FlagState:
    flag: CaseFlag
    set_at: datetime
    expires_at: datetime | None = None
    cleared_at: datetime | None = None

    def active_at(self, now: datetime) -> bool:
        if self.cleared_at is not None and self.cleared_at <= now:
            return False
        return self.expires_at is None or now < self.expires_at


def active_flags(flags: Iterable[FlagState], now: datetime) -> list[CaseFlag]:
    """The distinct flags in force at ``now``, in code order."""
    return sorted({f.flag for f in flags if f.active_at(now)})
