"""When an appointment's reminder is due.

One reminder per appointment time, ``lead`` before it starts. An appointment booked (or moved)
closer than ``lead`` to its start is reminded at once; one that has started gets none. The timer
that raises them is durable (a table scanned by a periodic task), so a restart loses none and a
fired reminder is never fired again (it is marked in the same transaction as its event).
"""

from __future__ import annotations

from datetime import datetime, timedelta


def reminder_due_at(starts_at: datetime, lead: timedelta, now: datetime) -> datetime | None:
    """The instant the reminder is due, or ``None`` when the appointment has already started."""
    if starts_at <= now:
        return None
    return max(starts_at - lead, now)
