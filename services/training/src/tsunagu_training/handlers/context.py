"""What every use case of the training service needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.context import ServiceContext

from ..domain.catalogue import CatalogueBook
from ..domain.certificates import CertificatePolicy


@dataclass(kw_only=True)
class TrainingContext(ServiceContext):
    """The kit's context plus the catalogue and the programme calendar."""

    catalogue: CatalogueBook
    calendar: ServiceCalendar

    # -- certificates --
    certificates: CertificatePolicy = field(default_factory=CertificatePolicy)
