"""Settings of the partners service (environment variables ``TSUNAGU_PARTNERS_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from tsunagu_servicekit.settings import ServiceSettings


class PartnersSettings(ServiceSettings):
    """The kit's shared settings plus the partners service's own."""

    model_config = SettingsConfigDict(env_prefix="TSUNAGU_PARTNERS_", extra="ignore")

    service_name: str = "partners"
    http_port: int = Field(default=8003, ge=0, le=65535)
    opening_hours_file: Path | None = Field(
        default=None,
        description="The Support Net's opening hours as effective-dated records (JSON); "
        "the calendar library's defaults when unset",
    )
    support_net_phone: str = Field(
        default="0120-529-528",
        pattern=r"^[0-9]{2,5}-[0-9]{1,4}-[0-9]{3,4}$",
        description="The Support Net's phone number, as leaflets and public pages print it",
    )
    directory_scan_interval: float = Field(
        default=900.0,
        gt=0,
        description="Seconds between checks whether the directory changed; a change publishes a new edition",
    )
