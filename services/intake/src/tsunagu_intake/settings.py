"""Settings of the intake service (environment variables ``TSUNAGU_INTAKE_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from tsunagu_servicekit.settings import ProcessSettings, ServiceSettings

from .domain.disclosures import DEFAULT_MAX_DAYS


class IntakeVaultSettings(ProcessSettings):
    """What intake's maintenance commands read (``rewrap-keys``): the process settings (database,
    logs) and the vault. A CronJob running them needs no broker, token verification or page
    secret, and is not refused in production for lacking them."""

    model_config = SettingsConfigDict(env_prefix="TSUNAGU_INTAKE_", extra="ignore")

    service_name: str = "intake"

    vault_master_key: SecretStr | None = Field(
        default=None,
        description=(
            "Master key wrapping every person's data key: 32 bytes, base64. Required in production; "
            "locally generated once into <data_dir>/vault-master-key (mode 0600) when unset"
        ),
    )
    vault_key_id: str = Field(
        default="k1",
        pattern=r"^[A-Za-z0-9_.-]{1,32}$",
        description="Name of the master key, stored with each wrapped data key (for rotation)",
    )
    vault_retired_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description=(
            "Earlier master keys, by name: JSON object {key id: base64 key}. Data keys still wrapped "
            "under them open; `python -m tsunagu_intake rewrap-keys` moves them to the current key"
        ),
    )
    vault_backup_retention_days: int = Field(
        default=35,
        ge=1,
        le=3650,
        description=(
            "How long database backups are kept. A month's key-encryption key is destroyed by "
            "`rewrap-keys` this many days after the month ends (once no data key uses it), so an "
            "erased person's key in an older backup no longer opens: keep backups no longer"
        ),
    )


class IntakeSettings(ServiceSettings, IntakeVaultSettings):
    """The kit's shared settings plus the vault, the reply deadline and the reference data."""

    model_config = SettingsConfigDict(env_prefix="TSUNAGU_INTAKE_", extra="ignore")

    service_name: str = "intake"

    client_session_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="Lifetime of a web user's login token"
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed logins in a row after which a user number is locked"
    )
    login_lockout_minutes: float = Field(
        default=15.0, gt=0, le=24 * 60, description="How long a locked user number refuses logins"
    )

    reply_business_days: int = Field(
        default=3, ge=0, le=20, description="E-mail reply deadline, in business days of the e-mail channel"
    )
    emergency_reply_business_days: int = Field(
        default=0,
        ge=0,
        le=20,
        description="Reply deadline of an emergency, in business days (0: the day the office first sees it)",
    )
    reply_due_soon_hours: float = Field(
        default=8.0, gt=0, description="'Reply due soon' is announced this long before the deadline"
    )
    office_mailbox: str | None = Field(
        default=None,
        description="The programme office's mailbox: told of overdue replies (none: such mail is not sent)",
    )
    sla_scan_interval: float = Field(
        default=60.0, gt=0, description="Seconds between scans for replies due soon or overdue"
    )

    publication_min_persons: int = Field(
        default=3,
        ge=2,
        le=100,
        description=(
            "Published statistics (GET /statistics/publication) suppress every cell of 1 to N-1 persons, "
            "and complementary cells so that none can be recovered from the totals"
        ),
    )

    eligibility_rules_file: Path | None = Field(
        default=None, description="Home-visit eligibility rules (JSON); default: the shipped data"
    )
    opening_hours_file: Path | None = Field(
        default=None, description="Effective-dated opening hours (JSON); default: the shipped data"
    )
    business_calendar_file: Path | None = Field(
        default=None,
        description=(
            "Business days of reply deadlines, per channel and effective-dated, with one-off closures "
            "and openings and channel pauses (JSON, ADR 0018); default: the shipped data"
        ),
    )
    triage_words_file: Path | None = Field(
        default=None, description="Words that mark a web consultation urgent (JSON); default: shipped"
    )
    redaction_profiles_file: Path | None = Field(
        default=None, description="Redaction profiles of disclosures (JSON); default: the shipped data"
    )
    disclosure_max_days: int = Field(
        default=DEFAULT_MAX_DAYS, ge=1, le=366, description="How long a disclosure may last at most"
    )
