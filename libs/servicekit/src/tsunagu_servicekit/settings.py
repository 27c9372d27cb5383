"""Settings every service shares, read from the environment (pydantic-settings).

A service subclasses :class:`ServiceSettings` and sets ``env_prefix`` to ``TSUNAGU_<SERVICE>_``;
the shared names below then read e.g. ``TSUNAGU_INTAKE_NATS_URL``. ``tsunagu up`` sets them per service.

Any setting ``x`` may instead be given as ``<PREFIX>X_FILE``, the path of a file whose content
(one trailing newline removed) is the value: Compose secrets and Kubernetes Secret volumes mount
secrets as files, which, unlike environment variables, ``docker inspect`` and ``/proc/<pid>/environ``
do not show (ADR 0025). Setting both ``X`` and ``X_FILE`` is an error.

Or, for a whole set of secrets, ``<PREFIX>SECRETS_DIR`` names a directory in which a file named
like the variable (``tsunagu_intake_vault_master_key``, case ignored) holds that setting's value
(surrounding whitespace removed): the shape of a Kubernetes Secret volume or of Compose secrets,
where a secret that is optional and absent is simply no file. What the environment or a ``_FILE``
variable gives wins over the directory. The shipped manifests use the directory.

With ``environment=production`` the settings refuse what is only fit for a laptop: SQLite (or no
database URL), no JWT verification configured (a secret generated into data_dir), and NATS
without TLS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url

from .messaging.horizons import minimum_inbox_horizon, minimum_outbox_horizon

FILE_SUFFIX = "_FILE"
"""``<PREFIX>X_FILE`` names the file holding the value of setting ``x``."""


class SettingsFileError(ValueError):
    """A ``..._FILE`` variable that cannot be used: unreadable, or set together with its plain
    variable. The message names the variables and the path, never a value."""


def _read_value_file(variable: str, path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            content = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        # strerror only: the exception's own text may quote what was read.
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise SettingsFileError(f"{variable}: cannot read {path} ({why})") from None
    # Secret files are usually written with a final newline (echo, editors, kubectl): it is not
    # part of the value. Only one is removed, so a value may still end in whitespace on purpose.
    if content.endswith("\r\n"):
        return content[:-2]
    if content.endswith("\n"):
        return content[:-1]
    return content


class FileSettingsSource(EnvSettingsSource):
    """Values of settings from files: ``<PREFIX>X_FILE=/run/secrets/x`` gives ``x`` the content of
    ``/run/secrets/x``. Parsed exactly as the environment variable ``<PREFIX>X`` would be (JSON
    for dictionaries and lists, aliases, case rules), since this is the environment source with
    the file's content in place of the variable."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        environ = super()._load_env_vars()  # the environment as the env source reads it
        suffix = FILE_SUFFIX if self.case_sensitive else FILE_SUFFIX.lower()
        values: dict[str, str | None] = {}
        for name, field in self.settings_cls.model_fields.items():
            for _key, env_name, _complex in self._extract_field_info(field, name):
                path = environ.get(env_name + suffix)
                if path is None:
                    continue
                variable = env_name.upper() if not self.case_sensitive else env_name
                if environ.get(env_name) is not None:
                    raise SettingsFileError(
                        f"{variable} and {variable}{FILE_SUFFIX} are both set: give the value one way only"
                    )
                values[env_name] = _read_value_file(variable + FILE_SUFFIX, path)
        return values


SECRETS_DIR = "SECRETS_DIR"
"""``<PREFIX>SECRETS_DIR`` names a directory of files named like the variables they set."""


def secrets_directory(settings_cls: type[BaseSettings]) -> Path | None:
    """The directory ``<PREFIX>SECRETS_DIR`` names, if set; one that is not a readable directory is
    an error (a mount that failed must not pass for secrets that are all optional)."""
    variable = f"{settings_cls.model_config.get('env_prefix', '')}{SECRETS_DIR}"
    named = next((v for k, v in os.environ.items() if k.upper() == variable.upper() and v), None)
    if named is None:
        return None
    directory = Path(named)
    if not directory.is_dir() or not os.access(directory, os.R_OK | os.X_OK):
        raise SettingsFileError(f"{variable}: {directory} is not a readable directory")
    return directory


class SecretsDirectorySource(SecretsSettingsSource):
    """pydantic-settings' secrets directory, with an empty file read as not set, as an empty
    variable is (Compose writes a secret whose .env value is empty as an empty file)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        value, key, complex_value = super().get_field_value(field, field_name)
        return (None if value == "" else value), key, complex_value


class SettingsFromFiles(BaseSettings):
    """Settings read from the environment and from ``..._FILE`` variables (see the module)."""

    # An empty variable means "not set": compose passes `${X:-}` through as an empty string.
    # Inputs stay out of validation errors: they hold passwords and keys.
    model_config = SettingsConfigDict(
        env_prefix="TSUNAGU_", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # _FILE beside the environment, not above or below it: a value given both ways is an error.
        # The secrets directory below both: a variable set on purpose overrides a mounted default.
        directory = secrets_directory(settings_cls)
        below: tuple[PydanticBaseSettingsSource, ...] = (
            (SecretsDirectorySource(settings_cls, secrets_dir=directory),) if directory is not None else ()
        )
        return (
            init_settings,
            env_settings,
            FileSettingsSource(settings_cls),
            *below,
            dotenv_settings,
            file_secret_settings,
        )


class NatsConnectionSettings(SettingsFromFiles):
    """How to reach NATS: servers, credentials, TLS. Shared by every service and the ``tsunagu``
    command (``TSUNAGU_NATS_*``); :func:`tsunagu_servicekit.natsconnect.nats_connect_options`
    turns them into connection options."""

    nats_url: str = Field(
        default="nats://127.0.0.1:4222",
        description="The broker's URL, or several separated by commas (the servers of a cluster: the "
        "client connects to any that answers and fails over to the others); tls:// means TLS",
    )
    nats_user: str | None = Field(default=None, description="User name, apart from the URL")
    nats_password: SecretStr | None = Field(
        default=None, description="Password of nats_user (best from a file: NATS_PASSWORD_FILE)"
    )
    nats_tls_ca_file: Path | None = Field(
        default=None,
        description="CA bundle that verifies the server's certificate; setting it turns TLS on (the "
        "connection fails rather than speak without TLS)",
    )
    nats_tls_cert_file: Path | None = Field(
        default=None,
        description="Client certificate (PEM) for servers that verify clients; with nats_tls_key_file",
    )
    nats_tls_key_file: Path | None = Field(
        default=None, description="Private key of nats_tls_cert_file (PEM)"
    )

    @model_validator(mode="after")
    def _client_certificate_whole(self) -> Self:
        if (self.nats_tls_cert_file is None) != (self.nats_tls_key_file is None):
            raise ValueError("nats_tls_cert_file and nats_tls_key_file go together: set both or neither")
        if self.nats_password is not None and not self.nats_user:
            raise ValueError("nats_password is set without nats_user")
        if self.nats_user and any("@" in urlsplit(url).netloc for url in self.nats_servers()):
            raise ValueError("nats_user is set and nats_url holds credentials too: give them one way only")
        return self

    def nats_servers(self) -> list[str]:
        """The servers in ``nats_url``, in the order given."""
        return [url.strip() for url in self.nats_url.split(",") if url.strip()]

    @property
    def nats_tls(self) -> bool:
        """Whether connections use TLS: a CA bundle or client certificate is set, or a ``tls://`` URL."""
        return (
            self.nats_tls_ca_file is not None
            or self.nats_tls_cert_file is not None
            or any(url.lower().startswith("tls://") for url in self.nats_servers())
        )


class ProcessSettings(SettingsFromFiles):
    """What any process of a service reads, serving or not: its name, environment, data directory,
    database and logs. All that ``python -m tsunagu_<service> migrate`` reads (through
    :func:`process_settings_class`, under the service's prefix): a migrations Job needs no broker,
    token verification or public address, and is not refused for lacking them. Production still
    refuses SQLite here."""

    service_name: str = "service"
    environment: Literal["local", "test", "production"] = "local"

    data_dir: Path = Field(
        default=Path(".tsunagu"),
        description="Where local state lives: SQLite files, the local JWT secret",
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/<service>.db"
    )
    database_password: SecretStr | None = Field(
        default=None,
        description="The database password, apart from database_url (which then names no password): "
        "kept in a secret file while the URL stays plain configuration",
    )

    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"

    def production_problems(self) -> list[str]:
        """What ``environment=production`` refuses in these settings, each naming the setting and the
        rule, never a value. Subclasses add theirs to ``super()``'s, so that one message says all."""
        if not self.database_url or self.database_url.lower().startswith("sqlite"):
            return [
                "database_url: production needs PostgreSQL (SQLite, or no database_url, is for local use)"
            ]
        return []

    @model_validator(mode="after")
    def _production_refusals(self) -> Self:
        if self.environment != "production":
            return self
        problems = self.production_problems()
        if problems:
            raise ValueError("environment=production refuses: " + "; ".join(problems))
        return self

    def resolved_database_url(self) -> str:
        if self.database_url:
            if self.database_password is None:
                return self.database_url
            url = make_url(self.database_url)
            if url.password is not None:
                raise ValueError("database_password is set and database_url holds a password too")
            password = self.database_password.get_secret_value()
            return url.set(password=password).render_as_string(hide_password=False)
        return f"sqlite:///{(self.data_dir / f'{self.service_name}.db').as_posix()}"


@cache
def process_settings_class(settings_class: type[ProcessSettings]) -> type[ProcessSettings]:
    """:class:`ProcessSettings` read as ``settings_class`` reads them (its prefix, file and secrets
    directory sources, its ``service_name``), without the rest of that class's settings or their
    validators: what a service's ``migrate`` builds, so that ``TSUNAGU_TRAINING_*`` migrates
    training's database whatever serving training would also require."""
    name = settings_class.model_fields["service_name"].default
    title = f"{settings_class.__name__}Process"  # validation errors name it

    class Process(ProcessSettings):
        model_config = SettingsConfigDict(**{**settings_class.model_config, "title": title})
        service_name: str = name

    Process.__name__ = Process.__qualname__ = title
    Process.__module__ = settings_class.__module__
    return Process


class ServiceSettings(ProcessSettings, NatsConnectionSettings):
    """Configuration of one service process. Defaults run it locally on SQLite."""

    manage_streams: bool = Field(
        default=True, description="Create/update the streams on start; off where operators manage them"
    )
    stream_replicas: int | None = Field(
        default=None,
        ge=1,
        le=5,
        description="Replicas of the streams this service creates or updates (3 on a NATS cluster); "
        "unset: an existing stream keeps its own, a new one gets 1",
    )
    manage_consumers: bool = Field(
        default=True,
        description="Create this service's durable consumers on start; off where the operator owns them "
        "(production NATS permissions forbid services to create consumers)",
    )
    missing_consumer_wait: float = Field(
        default=300.0,
        ge=0,
        description="Where the operator owns consumers (manage_consumers off): how long start-up waits "
        "for a consumer that does not exist yet (the operator's job may run at the same time) before "
        "the service fails; 0: fail at once",
    )

    # Delivery policy
    max_failures: int = Field(
        default=5, ge=1, le=100, description="Handler failures before a message is dead-lettered"
    )
    delivery_limit: int = Field(
        default=50,
        ge=2,
        le=10_000,
        description="Deliveries before a message is dead-lettered unprocessed: for one that kills its "
        "process before a failure can be counted (redeliveries after AckWait, restarts or outages "
        "spend no failures, only deliveries)",
    )
    retry_base_delay: float = Field(default=1.0, gt=0, description="First redelivery delay, seconds")
    retry_max_delay: float = Field(
        default=60.0, gt=0, description="Cap of the growing redelivery delay, seconds"
    )
    ack_wait: float = Field(
        default=30.0, gt=0, description="Seconds a delivered message may go unacknowledged and unrenewed"
    )
    stop_grace: float = Field(
        default=10.0,
        ge=0,
        description="Seconds a stop lets the batch in hand finish before handing it back",
    )
    consumer_batch: int = Field(default=100, ge=1, le=1000)
    relay_batch: int = Field(default=500, ge=1, le=5000)
    relay_poll_interval: float = Field(
        default=1.0, gt=0, description="Safety poll; commits wake the relay at once"
    )
    relay_quarantine_after: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed publishes the broker blames on the row itself before the row is quarantined",
    )
    relay_lease_seconds: float = Field(
        default=15.0,
        ge=1.0,
        le=600.0,
        description="PostgreSQL: how long a relay's lease lasts; it publishes in the first two thirds, "
        "renews after one third, and a replica that died without releasing it is replaced after this",
    )

    # Retention (messaging/horizons.py says why these bounds)
    inbox_horizon: timedelta = Field(
        default=timedelta(days=7),
        description="Inbox rows older than this are pruned (seconds or ISO 8601, e.g. P7D); at least "
        "the streams' duplicate window plus delivery_limit × (ack_wait + retry_max_delay)",
    )
    outbox_horizon: timedelta = Field(
        default=timedelta(days=1),
        description="Published outbox rows older than this are pruned; at least the streams' "
        "duplicate window. Pending and quarantined rows are never pruned",
    )
    prune_batch: int = Field(default=1000, ge=1, le=10_000, description="Rows deleted per transaction")
    prune_interval: float = Field(
        default=300.0, gt=0, description="Seconds between pruning runs (the first one after one interval)"
    )
    broker_metrics_interval: float = Field(
        default=30.0, gt=0, description="Seconds between refreshes of the stream and consumer gauges"
    )

    # HTTP
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=0, le=65535)
    http_max_body_bytes: int = Field(
        default=262_144,
        ge=1024,
        description="Largest request body accepted (413 above it), before any field's own limit",
    )

    # Auth
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="HS256 secret (local); generated into data_dir when neither this nor a JWKS URL is set",
    )
    jwt_jwks_url: str | None = Field(default=None, description="OIDC issuer's JWKS (production)")
    jwt_issuer: str = "tsunagu-local"
    jwt_audience: str = "tsunagu"

    # Mail (tsunagu_servicekit.mail)
    smtp_host: str | None = Field(
        default=None, description="SMTP server; none: mail is queued and kept until one is configured"
    )
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = Field(default=30.0, gt=0, description="Seconds an SMTP conversation may take")
    mail_from: str = Field(
        default="東京都ひきこもりサポート <no-reply@tsunagu.example.jp>", description="The From header"
    )
    mail_public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where this service's public pages are reached: unsubscribe links point there, and "
        "https here makes page cookies Secure and adds HSTS",
    )
    mail_unsubscribe_secret: SecretStr | None = Field(
        default=None,
        description="Signs unsubscribe links; generated into data_dir when not set (not in production)",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies trusted to say the client's address (X-Forwarded-For), comma-separated "
        "addresses or networks, or *: the public pages' rate limits count per client address",
    )
    page_secret: SecretStr | None = Field(
        default=None,
        description="Signs the CSRF tokens of public pages; required in production (every replica "
        "shares it), generated into data_dir elsewhere",
    )
    mail_interval: float = Field(default=10.0, gt=0, description="Seconds between scans for mail to send")
    mail_batch: int = Field(default=20, ge=1, le=500, description="Mails sent per scan at most")
    mail_claim_seconds: float = Field(
        default=120.0, gt=0, description="How long a sender holds a mail while sending it"
    )
    mail_quarantine_after: int = Field(
        default=5, ge=1, description="Refusals by the SMTP server before a mail is set aside"
    )
    mail_retry_base: float = Field(
        default=30.0, gt=0, description="First delay after a refused mail, seconds"
    )
    mail_retry_max: float = Field(default=3600.0, gt=0, description="Longest delay between tries, seconds")

    # Observability (log_level, log_format: ProcessSettings)
    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP traces endpoint; none: no export")
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    traces_file: Path | None = Field(
        default=None, description="Write finished spans as JSON lines (tests, debugging)"
    )

    # Local demonstrations only
    simulated_clock_file: Path | None = Field(
        default=None,
        description="Local only: the service's clock reads the instant written in this file (ISO 8601 "
        "with offset; the real time until it exists). `tsunagu up --simulated-clock` sets it so "
        "`tsunagu demo` can record a year in minutes; refused unless environment is local",
    )

    @model_validator(mode="after")
    def _simulated_clock_only_locally(self) -> Self:
        if self.simulated_clock_file is not None and self.environment != "local":
            raise ValueError(
                f"simulated_clock_file is for local demonstrations only (environment is {self.environment})"
            )
        return self

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.jwt_jwks_url and self.jwt_secret is None:
            problems.append(
                "jwt_jwks_url or jwt_secret: production needs token verification configured (a secret "
                "generated into data_dir is for local use only)"
            )
        if not self.nats_tls:
            problems.append(
                "nats_url / nats_tls_ca_file: production needs TLS to NATS (a tls:// URL or a CA bundle), "
                "or passwords cross the network in clear"
            )
        return problems

    @model_validator(mode="after")
    def _horizons_outlive_redelivery(self) -> Self:
        inbox_minimum = minimum_inbox_horizon(
            delivery_limit=self.delivery_limit, ack_wait=self.ack_wait, retry_max_delay=self.retry_max_delay
        )
        if self.inbox_horizon < inbox_minimum:
            raise ValueError(
                f"inbox_horizon {self.inbox_horizon} is shorter than {inbox_minimum}: the streams' "
                "duplicate window plus delivery_limit × (ack_wait + retry_max_delay), within which a "
                "processed event can still be delivered again and must be recognised as a duplicate"
            )
        outbox_minimum = minimum_outbox_horizon()
        if self.outbox_horizon < outbox_minimum:
            raise ValueError(
                f"outbox_horizon {self.outbox_horizon} is shorter than the streams' duplicate window "
                f"({outbox_minimum})"
            )
        return self
