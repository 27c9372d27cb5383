"""What every use case of the training service needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from tsunagu_calendar import ServiceCalendar
from tsunagu_seating import NoShowPolicy
from tsunagu_servicekit.context import ServiceContext

from ..domain.catalogue import CatalogueBook
from ..domain.certificates import CertificatePolicy
from ..domain.video import LessonPlayer


@dataclass(kw_only=True)
class TrainingContext(ServiceContext):
    """The kit's context plus the catalogue and the programme calendar."""

    catalogue: CatalogueBook
    calendar: ServiceCalendar
    # -- sessions --
    no_shows: NoShowPolicy = field(default_factory=NoShowPolicy)

    # -- video --
    player: LessonPlayer = field(default_factory=LessonPlayer)

    # -- certificates --
    certificates: CertificatePolicy = field(default_factory=CertificatePolicy)
