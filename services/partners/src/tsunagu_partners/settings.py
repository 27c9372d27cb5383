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

    # -- agreements (協定) -----------------------------------------------------------------------
    agreement_templates_file: Path | None = Field(
        default=None,
        description="The agreement templates (JSON: version, effective_from, effective_to, title, "
        "default_term_months); the templates shipped with the service when unset",
    )
    renewal_lead_business_days: int = Field(
        default=20,
        ge=1,
        le=250,
        description="An agreement's renewal is due this many business days before it ends",
    )
    agreement_scan_interval: float = Field(
        default=300.0,
        gt=0,
        description="Seconds between scans of the agreement timer (take effect, renewal due, expiry)",
    )
