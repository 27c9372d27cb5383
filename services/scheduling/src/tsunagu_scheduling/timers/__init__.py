"""Durable timers: periodic scans that act on what the database says is due (never in-memory sleeps)."""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..handlers import reminders
from ..handlers.context import SchedulingContext
from ..settings import SchedulingSettings

REMINDERS = "reminders"


def timers(settings: SchedulingSettings) -> list[PeriodicScan[SchedulingContext]]:
    """The reminder timer: every ``reminder_scan_interval`` seconds, it fires the reminders due
    (at once again while a scan fires any)."""
    return [PeriodicScan(REMINDERS, settings.reminder_scan_interval, reminders.fire_due)]
