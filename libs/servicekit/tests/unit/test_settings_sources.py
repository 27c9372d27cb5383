"""Settings from ``..._FILE`` variables, the NATS connection settings, what production refuses, and
the process settings a service's ``migrate`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Self

import pytest
from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import make_url
from tsunagu_servicekit.settings import (
    NatsConnectionSettings,
    ProcessSettings,
    ServiceSettings,
    SettingsFileError,
    process_settings_class,
)

SECRET = "s3cr3t-value-never-shown"


class KitSettings(ServiceSettings):
    """A service's settings as services declare them: their own prefix and fields."""

    model_config = SettingsConfigDict(env_prefix="TSUNAGU_KIT_")

    service_name: str = "kit"

    retired: dict[str, SecretStr] = Field(default_factory=dict)
    batch: int = 10


PRODUCTION_OK: dict[str, object] = {
    "environment": "production",
    "database_url": "postgresql+psycopg://kit@db/kit",
    "jwt_jwks_url": "https://idp.example/jwks.json",
    "nats_url": "tls://nats:4222",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("TSUNAGU_"):
            monkeypatch.delenv(name)


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def test_a_secret_from_a_file_loses_one_trailing_newline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_KIT_JWT_SECRET_FILE", str(write(tmp_path / "jwt", f"{SECRET}\n")))
    monkeypatch.setenv("TSUNAGU_KIT_PAGE_SECRET_FILE", str(write(tmp_path / "page", "two \n\n")))
    monkeypatch.setenv("TSUNAGU_KIT_MAIL_UNSUBSCRIBE_SECRET_FILE", str(write(tmp_path / "crlf", "x\r\n")))
    settings = KitSettings()
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == SECRET
    assert settings.page_secret is not None
    assert settings.page_secret.get_secret_value() == "two \n"
    assert settings.mail_unsubscribe_secret is not None
    assert settings.mail_unsubscribe_secret.get_secret_value() == "x"


def test_any_field_reads_from_a_file_parsed_as_its_variable_would_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_KIT_RETIRED_FILE", str(write(tmp_path / "r", '{"k0": "old"}\n')))
    monkeypatch.setenv("TSUNAGU_KIT_BATCH_FILE", str(write(tmp_path / "b", "42\n")))
    monkeypatch.setenv("tsunagu_kit_nats_password_file", str(write(tmp_path / "p", "pw\n")))
    monkeypatch.setenv("TSUNAGU_KIT_NATS_USER", "kit")
    settings = KitSettings()
    assert settings.retired["k0"].get_secret_value() == "old"
    assert settings.batch == 42
    assert settings.nats_password is not None
    assert settings.nats_password.get_secret_value() == "pw"


def test_an_empty_file_variable_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSUNAGU_KIT_JWT_SECRET_FILE", "")
    monkeypatch.setenv("TSUNAGU_KIT_JWT_SECRET", SECRET)
    settings = KitSettings()
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == SECRET


def test_a_value_given_both_ways_is_refused_naming_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_KIT_JWT_SECRET_FILE", str(write(tmp_path / "jwt", SECRET)))
    monkeypatch.setenv("TSUNAGU_KIT_JWT_SECRET", "other-" + SECRET)
    with pytest.raises(SettingsFileError) as caught:
        KitSettings()
    message = str(caught.value)
    assert "TSUNAGU_KIT_JWT_SECRET and TSUNAGU_KIT_JWT_SECRET_FILE are both set" in message
    assert SECRET not in message


@pytest.mark.parametrize("kind", ["missing", "directory", "not utf-8"])
def test_an_unreadable_file_names_the_variable_and_the_path_not_the_content(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret"
    if kind == "directory":
        path.mkdir()
    elif kind == "not utf-8":
        path.write_bytes(SECRET.encode() + b"\xff\xfe")
    monkeypatch.setenv("TSUNAGU_KIT_JWT_SECRET_FILE", str(path))
    with pytest.raises(SettingsFileError) as caught:
        KitSettings()
    message = str(caught.value)
    assert message.startswith(f"TSUNAGU_KIT_JWT_SECRET_FILE: cannot read {path} (")
    assert SECRET not in message


def test_a_field_whose_name_ends_in_file_is_still_set_by_its_own_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = write(tmp_path / "ca.pem", "not read here")
    monkeypatch.setenv("TSUNAGU_KIT_NATS_TLS_CA_FILE", str(ca))
    monkeypatch.setenv("TSUNAGU_KIT_TRACES_FILE", str(tmp_path / "traces.jsonl"))
    settings = KitSettings()
    assert settings.nats_tls_ca_file == ca
    assert settings.traces_file == tmp_path / "traces.jsonl"
    assert settings.nats_tls


def test_nats_connection_settings_of_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_NATS_URL_FILE", str(write(tmp_path / "url", "nats://a:4222,nats://b:4222\n")))
    monkeypatch.setenv("TSUNAGU_NATS_USER", "admin")
    monkeypatch.setenv("TSUNAGU_NATS_PASSWORD_FILE", str(write(tmp_path / "pw", "pw\n")))
    settings = NatsConnectionSettings()
    assert settings.nats_servers() == ["nats://a:4222", "nats://b:4222"]
    assert settings.nats_user == "admin"
    assert not settings.nats_tls
    assert "pw" not in repr(settings)


@pytest.mark.parametrize(
    ("values", "rule"),
    [
        ({"nats_tls_cert_file": "c.pem"}, "nats_tls_cert_file and nats_tls_key_file go together"),
        ({"nats_password": "pw"}, "nats_password is set without nats_user"),
        (
            {"nats_user": "u", "nats_password": "pw", "nats_url": "nats://u:other@h:4222"},
            "nats_url holds credentials too",
        ),
    ],
)
def test_nats_settings_that_do_not_fit_together(values: dict[str, str], rule: str) -> None:
    with pytest.raises(ValidationError, match=rule) as caught:
        NatsConnectionSettings(**values)  # type: ignore[arg-type]
    assert "other" not in str(caught.value)


def test_tls_urls_mean_tls() -> None:
    assert NatsConnectionSettings(nats_url="tls://a:4222").nats_tls
    assert not NatsConnectionSettings(nats_url="nats://a:4222").nats_tls


# -- production -------------------------------------------------------------------------------


def test_production_with_everything_it_needs() -> None:
    settings = ServiceSettings(**PRODUCTION_OK)  # type: ignore[arg-type]
    assert settings.environment == "production"
    with_secret = {**PRODUCTION_OK, "jwt_jwks_url": None, "jwt_secret": SECRET}
    assert ServiceSettings(**with_secret).jwt_secret is not None  # type: ignore[arg-type]
    with_ca = {**PRODUCTION_OK, "nats_url": "nats://nats:4222", "nats_tls_ca_file": "/run/ca.pem"}
    assert ServiceSettings(**with_ca).nats_tls  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"database_url": None}, "database_url: production needs PostgreSQL"),
        ({"database_url": "sqlite:////data/kit.db"}, "database_url: production needs PostgreSQL"),
        ({"jwt_jwks_url": None}, "jwt_jwks_url or jwt_secret: production needs token verification"),
        ({"nats_url": "nats://nats:4222"}, "production needs TLS to NATS"),
    ],
)
def test_production_refuses(change: dict[str, object], rule: str) -> None:
    values = {**PRODUCTION_OK, **change, "nats_user": "kit", "nats_password": SECRET}
    with pytest.raises(ValidationError, match=rule) as caught:
        ServiceSettings(**values)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "environment=production refuses" in message
    for value in (SECRET, "idp.example", "sqlite:////data"):
        assert value not in message


def test_production_refuses_in_one_message_all_that_is_missing() -> None:
    with pytest.raises(ValidationError) as caught:
        ServiceSettings(environment="production")
    message = str(caught.value)
    assert "database_url" in message
    assert "jwt_jwks_url" in message
    assert "TLS" in message


def test_production_refusals_apply_to_values_from_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_KIT_ENVIRONMENT", "production")
    monkeypatch.setenv("TSUNAGU_KIT_DATABASE_URL_FILE", str(write(tmp_path / "db", "sqlite:///x.db\n")))
    monkeypatch.setenv("TSUNAGU_KIT_JWT_SECRET_FILE", str(write(tmp_path / "jwt", SECRET)))
    monkeypatch.setenv("TSUNAGU_KIT_NATS_URL", "tls://nats:4222")
    with pytest.raises(ValidationError, match="database_url: production needs PostgreSQL"):
        KitSettings()


# -- a secrets directory (Kubernetes Secret volumes, Compose secrets) ---------------------------


def test_a_secrets_directory_sets_each_setting_from_the_file_named_like_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "tsunagu_kit_nats_password", f"{SECRET}\n")
    write(tmp_path / "TSUNAGU_KIT_RETIRED", '{"k0": "old-key"}')
    write(tmp_path / "unrelated", "ignored")
    monkeypatch.setenv("TSUNAGU_KIT_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("TSUNAGU_KIT_NATS_USER", "kit")
    settings = KitSettings()
    assert settings.nats_password is not None
    assert settings.nats_password.get_secret_value() == SECRET
    assert {k: v.get_secret_value() for k, v in settings.retired.items()} == {"k0": "old-key"}
    # An optional secret that is absent is no file, or an empty one: the default stands.
    assert settings.jwt_secret is None
    write(tmp_path / "TSUNAGU_KIT_RETIRED", "")
    assert KitSettings().retired == {}


def test_the_environment_and_file_variables_win_over_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    write(secrets / "tsunagu_kit_jwt_secret", "from-the-directory")
    write(secrets / "tsunagu_kit_page_secret", "from-the-directory")
    monkeypatch.setenv("TSUNAGU_KIT_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("TSUNAGU_KIT_JWT_SECRET", "from-the-environment")
    monkeypatch.setenv("TSUNAGU_KIT_PAGE_SECRET_FILE", str(write(tmp_path / "page", "from-a-file")))
    settings = KitSettings()
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == "from-the-environment"
    assert settings.page_secret is not None
    assert settings.page_secret.get_secret_value() == "from-a-file"


def test_a_secrets_directory_that_is_not_there_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_KIT_SECRETS_DIR", str(tmp_path / "never-mounted"))
    with pytest.raises(SettingsFileError, match=r"TSUNAGU_KIT_SECRETS_DIR: .* is not a readable directory"):
        KitSettings()


def test_production_refusals_see_values_from_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "tsunagu_kit_database_url", "sqlite:///kit.db")
    monkeypatch.setenv("TSUNAGU_KIT_SECRETS_DIR", str(tmp_path))
    production = {k: v for k, v in PRODUCTION_OK.items() if k != "database_url"}
    with pytest.raises(ValidationError, match="SQLite"):
        KitSettings(**production)  # type: ignore[arg-type]
    write(tmp_path / "tsunagu_kit_database_url", "postgresql+psycopg://kit@db/kit")
    assert KitSettings(**production).database_url == "postgresql+psycopg://kit@db/kit"  # type: ignore[arg-type]


def test_the_database_password_joins_a_url_that_names_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSUNAGU_KIT_DATABASE_URL", "postgresql+psycopg://kit@db:5432/kit")
    monkeypatch.setenv("TSUNAGU_KIT_DATABASE_PASSWORD", "p@ss/word")
    resolved = make_url(KitSettings().resolved_database_url())
    assert (resolved.username, resolved.password, resolved.host, resolved.database) == (
        "kit",
        "p@ss/word",
        "db",
        "kit",
    )
    monkeypatch.setenv("TSUNAGU_KIT_DATABASE_URL", "postgresql+psycopg://kit:other@db:5432/kit")
    with pytest.raises(ValueError, match="holds a password too"):
        KitSettings().resolved_database_url()


# -- the process settings (what `migrate` reads) ------------------------------------------------


class ServingNeedsMore(KitSettings):
    """A service that, serving in production, needs a setting of its own (as training needs its
    public address)."""

    public_address: str | None = None

    @model_validator(mode="after")
    def _public_address_in_production(self) -> Self:
        if self.environment == "production" and not self.public_address:
            raise ValueError("public_address is required in production")
        return self


def test_process_settings_read_the_services_prefix_files_and_secrets_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    write(secrets / "tsunagu_kit_database_url", "postgresql+psycopg://kit@db/kit\n")
    monkeypatch.setenv("TSUNAGU_KIT_SECRETS_DIR", str(secrets))
    monkeypatch.setenv("TSUNAGU_KIT_DATABASE_PASSWORD_FILE", str(write(tmp_path / "pw", f"{SECRET}\n")))
    monkeypatch.setenv("TSUNAGU_KIT_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("TSUNAGU_OTHER_DATABASE_URL", "postgresql+psycopg://other@db/other")
    settings = process_settings_class(KitSettings)()
    assert isinstance(settings, ProcessSettings)
    assert not isinstance(settings, ServiceSettings)
    assert settings.service_name == "kit"
    assert settings.log_level == "WARNING"
    resolved = make_url(settings.resolved_database_url())
    assert (resolved.username, resolved.password, resolved.database) == ("kit", SECRET, "kit")
    assert process_settings_class(KitSettings) is process_settings_class(KitSettings)


def test_process_settings_in_production_need_only_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    # No token verification, no TLS to NATS, no public address: serving would be refused.
    monkeypatch.setenv("TSUNAGU_KIT_ENVIRONMENT", "production")
    monkeypatch.setenv("TSUNAGU_KIT_DATABASE_URL", "postgresql+psycopg://kit@db/kit")
    monkeypatch.setenv("TSUNAGU_KIT_NATS_URL", "nats://nats:4222")
    with pytest.raises(ValidationError, match="jwt_jwks_url or jwt_secret"):
        ServingNeedsMore()
    with pytest.raises(ValidationError, match="public_address is required"):
        ServingNeedsMore(jwt_jwks_url="https://idp.example/jwks.json", nats_url="tls://nats:4222")
    settings = process_settings_class(ServingNeedsMore)()
    assert settings.environment == "production"
    assert settings.database_url == "postgresql+psycopg://kit@db/kit"


@pytest.mark.parametrize("database_url", [None, "sqlite:////data/kit.db"])
def test_process_settings_in_production_still_refuse_sqlite(
    database_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_KIT_ENVIRONMENT", "production")
    if database_url:
        monkeypatch.setenv("TSUNAGU_KIT_DATABASE_URL", database_url)
    with pytest.raises(ValidationError, match="database_url: production needs PostgreSQL") as caught:
        process_settings_class(ServingNeedsMore)()
    message = str(caught.value)
    assert "environment=production refuses" in message
    assert "ServingNeedsMoreProcess" in message
    assert "jwt" not in message
    assert "sqlite:////data" not in message
