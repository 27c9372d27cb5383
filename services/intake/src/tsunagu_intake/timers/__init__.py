"""Work started by the clock rather than by a request or an event (durable: state in the database)."""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..handlers.context import IntakeContext
from ..handlers.email import scan_reply_deadlines
from ..settings import IntakeSettings

REPLY_DEADLINES = "reply-deadlines"


def timers(settings: IntakeSettings) -> list[PeriodicScan[IntakeContext]]:
    """The reply-deadline scan: announces e-mail replies due soon and overdue, each once."""
    return [PeriodicScan(REPLY_DEADLINES, settings.sla_scan_interval, scan_reply_deadlines)]
