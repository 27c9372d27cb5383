"""Settings of the subsidy service (environment variables ``TSUNAGU_SUBSIDY_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from tsunagu_servicekit.settings import ServiceSettings


class SubsidySettings(ServiceSettings):
    """The kit's shared settings plus the subsidy service's own."""

    model_config = SettingsConfigDict(env_prefix="TSUNAGU_SUBSIDY_", extra="ignore")

    service_name: str = "subsidy"
    http_port: int = Field(default=8004, ge=0, le=65535)
    grant_outline_file: Path | None = Field(
        default=None, description="The grant outline's versions (JSON); the shipped outline when unset"
    )
    budget_file: Path | None = Field(
        default=None,
        description="The programme's budget by fiscal year and component (JSON); the shipped one when unset",
    )
    reminder_lead_business_days: int = Field(
        default=5, ge=0, le=60, description="Business days before a due date that its reminder is raised"
    )
    deadline_scan_interval_seconds: float = Field(default=3600.0, gt=0)
