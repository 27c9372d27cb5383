"""The training service's durable timers: periodic scans of its own database (none yet).

Add one as ``PeriodicScan("name", settings.some_interval, handlers.some.scan)``, where the scan
finds what is due in the database, handles a bounded batch and returns how many it handled.
"""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..handlers.context import TrainingContext
from ..settings import TrainingSettings


def timers(settings: TrainingSettings) -> list[PeriodicScan[TrainingContext]]:
    return []
