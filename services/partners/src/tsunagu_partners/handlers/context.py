"""What every use case of the partners service needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from tsunagu_servicekit.context import ServiceContext


@dataclass(kw_only=True)
class PartnersContext(ServiceContext):
    """The kit's context (clock, units of work, ids); the service's adapters and policies go here."""
