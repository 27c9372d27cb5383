"""Settings of the partners service (environment variables ``TSUNAGU_PARTNERS_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from tsunagu_servicekit.settings import ServiceSettings


class PartnersSettings(ServiceSettings):
    """The kit's shared settings plus the partners service's own."""

    model_config = SettingsConfigDict(env_prefix="TSUNAGU_PARTNERS_", extra="ignore")

    service_name: str = "partners"
    http_port: int = Field(default=8003, ge=0, le=65535)
