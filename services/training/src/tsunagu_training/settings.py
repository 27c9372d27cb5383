"""Settings of the training service (environment variables ``TSUNAGU_TRAINING_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from tsunagu_servicekit.settings import ServiceSettings


class TrainingSettings(ServiceSettings):
    """The kit's shared settings plus the training service's own."""

    model_config = SettingsConfigDict(env_prefix="TSUNAGU_TRAINING_", extra="ignore")

    service_name: str = "training"
    http_port: int = Field(default=8005, ge=0, le=65535)
    catalogue_file: Path | None = Field(
        default=None, description="The training catalogue's versions (JSON); the shipped catalogue when unset"
    )
