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

    # -- certificates --
    public_base_url: str | None = Field(
        default=None,
        description="Where the public reaches this service: the base of the verification URL a "
        "certificate's QR code holds (http://127.0.0.1:<http_port> when unset)",
    )
    expiry_notice_business_days: int = Field(
        default=20, ge=0, le=250, description="Business days before a certificate's last valid day to remind"
    )
    certificate_scan_interval: float = Field(
        default=3600.0, gt=0, description="Seconds between scans of the certificate timer"
    )
    certificate_issuer: str = Field(
        default="東京都ひきこもり支援研修 事務局",
        min_length=1,
        max_length=60,
        description="The issuer printed",
    )
