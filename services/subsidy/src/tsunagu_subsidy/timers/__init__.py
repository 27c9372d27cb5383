"""The subsidy service's durable timers: periodic scans of its own database."""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..handlers import deadlines
from ..handlers.context import SubsidyContext
from ..settings import SubsidySettings

DEADLINES = "subsidy-deadlines"


def timers(settings: SubsidySettings) -> list[PeriodicScan[SubsidyContext]]:
    """Reminders of results reports and balance payments falling due."""
    return [PeriodicScan(DEADLINES, settings.deadline_scan_interval_seconds, deadlines.scan)]
