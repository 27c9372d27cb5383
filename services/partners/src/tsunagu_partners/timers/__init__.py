"""The partners service's durable timers: periodic scans of its own database."""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..handlers import directory
from ..handlers.context import PartnersContext
from ..settings import PartnersSettings

DIRECTORY_EDITIONS = "directory-editions"


def timers(settings: PartnersSettings) -> list[PeriodicScan[PartnersContext]]:
    """The directory's editions: every ``directory_scan_interval`` seconds, publish a new edition
    of the leaflets and the memo when what they print changed."""
    return [PeriodicScan(DIRECTORY_EDITIONS, settings.directory_scan_interval, directory.publish_if_changed)]
