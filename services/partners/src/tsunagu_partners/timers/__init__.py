"""The partners service's durable timers: periodic scans of its own database."""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..handlers import agreement_timer, directory
from ..handlers.context import PartnersContext
from ..settings import PartnersSettings

AGREEMENTS = "agreements"
DIRECTORY_EDITIONS = "directory-editions"


def timers(settings: PartnersSettings) -> list[PeriodicScan[PartnersContext]]:
    """The agreement timer (agreements take effect, hand over to their renewals, expire, and are
    announced as due for renewal) and the directory's editions (a new edition of the leaflets and
    the memo when what they print changed)."""
    return [
        PeriodicScan(AGREEMENTS, settings.agreement_scan_interval, agreement_timer.scan),
        # The first check waits a full interval: a service that just started publishes nothing
        # in its first minutes, while the office may still be entering a change.
        PeriodicScan(
            DIRECTORY_EDITIONS,
            settings.directory_scan_interval,
            directory.publish_if_changed,
            first_delay=settings.directory_scan_interval,
        ),
    ]
