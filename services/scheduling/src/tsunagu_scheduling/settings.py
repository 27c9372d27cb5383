"""Settings of the scheduling service (environment variables ``TSUNAGU_SCHEDULING_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from tsunagu_servicekit.settings import ServiceSettings


class SchedulingSettings(ServiceSettings):
    """The kit's shared settings plus reminders, policies and the reference data files."""

    model_config = SettingsConfigDict(env_prefix="TSUNAGU_SCHEDULING_", extra="ignore")

    service_name: str = "scheduling"
    http_port: int = Field(default=8002, ge=0, le=65535)

    reminder_lead_hours: float = Field(
        default=24.0, ge=0, description="An appointment's reminder is due this long before it starts"
    )
    reminder_scan_interval: float = Field(
        default=30.0, gt=0, description="Seconds between scans of the durable reminder timer"
    )

    max_appointment_minutes: int = Field(default=180, ge=30, le=600)
    home_visit_cap: int = Field(
        default=5, ge=0, le=50, description="Home visits per person and fiscal year (about 5 historically)"
    )
    home_visit_max_minutes: int = Field(default=180, ge=30, le=600)

    review_routine_lead_business_days: int = Field(default=5, ge=0, le=40)
    review_urgent_max_wait_days: int = Field(default=14, ge=0, le=120)
    review_immediate_max_wait_business_days: int = Field(default=2, ge=0, le=20)
    review_extra_lead_business_days: int = Field(default=1, ge=1, le=20)
    review_extra_agenda_capacity: int = Field(default=4, ge=1, le=50)

    calendar_feed_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Key of the private .ics feed links; locally derived from the JWT secret when unset, "
            "feed links are off in JWKS mode without it"
        ),
    )
    opening_hours_file: Path | None = Field(
        default=None, description="Effective-dated opening hours per channel (JSON); default: shipped"
    )
    business_calendar_file: Path | None = Field(
        default=None,
        description=(
            "The office's business days (meeting dates, review lead times) and one-off closures and "
            "openings of the channels booked on (JSON, ADR 0018); default: shipped"
        ),
    )
    meeting_rules_file: Path | None = Field(
        default=None, description="Rules that generate the year's meetings (JSON); default: shipped"
    )
