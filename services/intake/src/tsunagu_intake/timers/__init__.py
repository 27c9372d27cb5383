"""Work started by the clock rather than by a request or an event (durable: state in the database)."""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..domain.codes import Triage
from ..handlers.context import IntakeContext
from ..handlers.email import count_overdue_replies, scan_reply_deadlines
from ..metrics import REPLIES_OVERDUE
from ..settings import IntakeSettings

REPLY_DEADLINES = "reply-deadlines"
REPLIES_OVERDUE_GAUGE = "replies-overdue"


def refresh_replies_overdue(ctx: IntakeContext) -> int:
    """Set ``tsunagu_intake_replies_overdue`` from the database; handles nothing (returns 0), so
    the timer waits a whole interval before counting again."""
    counts = count_overdue_replies(ctx)
    for triage in Triage:  # every code, so a count that fell to none reads 0, not its last value
        REPLIES_OVERDUE.labels(triage=triage.value).set(counts.get(triage, 0))
    return 0


def timers(settings: IntakeSettings) -> list[PeriodicScan[IntakeContext]]:
    """The reply-deadline scan, which announces e-mail replies due soon and overdue, each once; and
    the count of replies overdue for the operators' alert, at the same pace."""
    return [
        PeriodicScan(REPLY_DEADLINES, settings.sla_scan_interval, scan_reply_deadlines),
        PeriodicScan(REPLIES_OVERDUE_GAUGE, settings.sla_scan_interval, refresh_replies_overdue),
    ]
