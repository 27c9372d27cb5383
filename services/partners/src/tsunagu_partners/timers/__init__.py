"""The partners service's durable timers: periodic scans of its own database.

Add one as ``PeriodicScan("name", settings.some_interval, handlers.some.scan)``, where the scan
finds what is due in the database, handles a bounded batch and returns how many it handled.
"""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..handlers import agreement_timer
from ..handlers.context import PartnersContext
from ..settings import PartnersSettings

AGREEMENTS = "agreements"


def timers(settings: PartnersSettings) -> list[PeriodicScan[PartnersContext]]:
    """The agreement timer: agreements take effect, hand over to their renewals, expire, and are
    announced as due for renewal (every ``agreement_scan_interval`` seconds)."""
    return [PeriodicScan(AGREEMENTS, settings.agreement_scan_interval, agreement_timer.scan)]
