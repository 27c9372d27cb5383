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

    # -- sessions --
    no_show_strikes: int = Field(
        default=2, ge=1, le=20, description="No-shows within the window after which a learner may not book"
    )
    no_show_window_days: int = Field(
        default=365, ge=1, le=3650, description="How far back no-shows count, in days"
    )
    # -- video --
    video_base_url: str = Field(
        default="/media/training",
        min_length=1,
        description=(
            "Where the lesson videos are served from: <base>/<catalogue version>/<course>/<lesson>.webm, "
            "captions beside them as <lesson>.ja.vtt"
        ),
    )
    progress_report_seconds: int = Field(
        default=10, ge=1, le=300, description="How often the lesson page reports the position while playing"
    )
    progress_tolerance_seconds: int = Field(
        default=5, ge=0, le=60, description="Video seconds a report may claim beyond 2× the time that passed"
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

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        # A certificate printed with the loopback default in its QR code can never be verified.
        if not self.public_base_url:
            problems.append(
                "public_base_url: production needs the public address, which certificates' QR codes "
                "carry (the loopback default reaches no one)"
            )
        return problems
