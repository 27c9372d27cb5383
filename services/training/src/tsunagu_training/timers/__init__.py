"""The training service's durable timers: periodic scans of its own database.

Add one as ``PeriodicScan("name", settings.some_interval, handlers.some.scan)``, where the scan
finds what is due in the database, handles a bounded batch and returns how many it handled.
"""

from __future__ import annotations

from tsunagu_servicekit.timers import PeriodicScan

from ..handlers import certificates
from ..handlers.context import TrainingContext
from ..settings import TrainingSettings

CERTIFICATES = "certificates"


def timers(settings: TrainingSettings) -> list[PeriodicScan[TrainingContext]]:
    """The certificate timer: notice ahead of a certificate's expiry, on business days, and the
    expiry itself, each once (:func:`..handlers.certificates.scan`)."""
    return [
        PeriodicScan(CERTIFICATES, settings.certificate_scan_interval, certificates.scan),
    ]
