"""``python -m <service> migrate`` (``tsunagu_servicekit.command``): applies the kit's and the
service's migrations and exits, once; a second run changes nothing; a failure says its class, never
the database URL. Run as a process, the way a Job runs it, on a service package written here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from kitapp import MIGRATIONS
from tsunagu_servicekit.command import migrate_database
from tsunagu_servicekit.settings import ServiceSettings

PACKAGE = "kitcmd"


def write_service_package(root: Path) -> Path:
    """A service package of the usual shape: ``app.build_runtime``, settings under its own prefix,
    ``adapters/migrations/versions`` (the kit's test service's table), ``__main__`` through the kit."""
    package = root / PACKAGE
    versions = package / "adapters" / "migrations" / "versions"
    versions.mkdir(parents=True)
    for path in MIGRATIONS.glob("*.py"):
        shutil.copy(path, versions / path.name)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(
        textwrap.dedent(
            """
            from pydantic import model_validator
            from pydantic_settings import SettingsConfigDict
            from tsunagu_servicekit.settings import ServiceSettings

            class KitcmdSettings(ServiceSettings):
                model_config = SettingsConfigDict(env_prefix="TSUNAGU_KITCMD_", extra="ignore")
                service_name: str = "kitcmd"
                public_base_url: str | None = None

                # What serving needs in production, as training's public address: not migrating.
                @model_validator(mode="after")
                def _public_address_in_production(self):
                    if self.environment == "production" and not self.public_base_url:
                        raise ValueError("public_base_url is required in production")
                    return self
            """
        )
    )
    (package / "app.py").write_text(
        textwrap.dedent(
            """
            def build_runtime(settings):
                raise AssertionError("migrate builds no runtime")
            """
        )
    )
    (package / "__main__.py").write_text(
        textwrap.dedent(
            """
            from tsunagu_servicekit.command import service_main
            from .app import build_runtime
            from .settings import KitcmdSettings

            service_main(build_runtime, KitcmdSettings)
            """
        )
    )
    return root


def run_migrate(root: Path, database_url: str | None, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env.update(
        PYTHONPATH=str(root),
        TSUNAGU_KITCMD_DATA_DIR=str(root / "data"),
        TSUNAGU_KITCMD_LOG_LEVEL="WARNING",
    )
    if database_url is not None:
        env["TSUNAGU_KITCMD_DATABASE_URL"] = database_url
    env.update({f"TSUNAGU_KITCMD_{name.upper()}": value for name, value in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", PACKAGE, "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def tables(database_url: str) -> set[str]:
    engine = sa.create_engine(database_url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_applies_the_kits_and_the_services_migrations_once(database_url: str, tmp_path: Path) -> None:
    root = write_service_package(tmp_path / "src")
    first = run_migrate(root, database_url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "kitcmd: migrated from (empty) to " in first.stdout
    assert {"kit_effects", "tsunagu_outbox", "tsunagu_inbox", "alembic_version"} <= tables(database_url)

    second = run_migrate(root, database_url)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing to do" in second.stdout
    # The heads the first run reported are those the database holds, kit and service alike.
    heads = first.stdout.split(" to ", 1)[1].split()[0].rstrip(",")
    assert heads in second.stdout
    assert "kitapp_0001" in second.stdout


def test_a_failed_migration_names_the_error_class_and_not_the_url(tmp_path: Path) -> None:
    root = write_service_package(tmp_path / "src")
    secret = "s3cret-password-never-printed"
    # Nothing listens on port 9 of the loopback: the connection is refused at once.
    url = f"postgresql+psycopg://kitcmd:{secret}@127.0.0.1:9/kitcmd"
    done = run_migrate(root, url)
    assert done.returncode == 1
    assert "kitcmd: migrations failed (OperationalError)" in done.stdout
    assert secret not in done.stdout + done.stderr


def test_migrate_in_production_reads_only_what_migrating_needs(tmp_path: Path) -> None:
    """A migrations Job's environment: production, a PostgreSQL URL, nothing for NATS, tokens or the
    public address, which serving would refuse to go without. Nothing listens on port 9: getting as
    far as connecting (OperationalError) is what the settings allow."""
    root = write_service_package(tmp_path / "src")
    done = run_migrate(
        root,
        "postgresql+psycopg://kitcmd@127.0.0.1:9/kitcmd",
        environment="production",
        nats_url="nats://nats:4222",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "kitcmd: migrations failed (OperationalError)" in done.stdout
    assert "ValidationError" not in done.stderr


@pytest.mark.parametrize("database_url", [None, "sqlite:///kitcmd.db"])
def test_migrate_in_production_refuses_sqlite(database_url: str | None, tmp_path: Path) -> None:
    root = write_service_package(tmp_path / "src")
    done = run_migrate(root, database_url, environment="production")
    assert done.returncode == 2
    assert "kitcmd: settings refused: " in done.stderr
    assert "database_url: production needs PostgreSQL" in done.stderr
    assert "Traceback" not in done.stderr
    assert "public_base_url" not in done.stderr
    assert not (root / "data").exists(), "nothing was migrated"
    assert not (root / "kitcmd.db").exists(), "nothing was migrated"


def test_migrate_reads_the_database_url_from_the_secrets_directory(database_url: str, tmp_path: Path) -> None:
    root = write_service_package(tmp_path / "src")
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "tsunagu_kitcmd_database_url").write_text(database_url + "\n")
    done = run_migrate(root, None, secrets_dir=str(secrets))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kitcmd: migrated from (empty) to " in done.stdout
    assert "kit_effects" in tables(database_url)
    assert not (root / "data" / "kitcmd.db").exists(), "the URL came from the directory, not the default"


def test_serve_is_the_default_and_unknown_commands_are_refused(tmp_path: Path) -> None:
    root = write_service_package(tmp_path / "src")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env["PYTHONPATH"] = str(root)
    wrong = subprocess.run(
        [sys.executable, "-m", PACKAGE, "migrat"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert wrong.returncode == 2
    assert "invalid choice" in wrong.stderr
    # No command: serve, which builds the runtime (here: the test package's refusal).
    serve = subprocess.run(
        [sys.executable, "-m", PACKAGE], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert serve.returncode != 0
    assert "migrate builds no runtime" in serve.stderr


def test_migrate_database_reports_revisions_before_and_after(database_url: str, tmp_path: Path) -> None:
    settings = ServiceSettings(service_name="kitcmd2", database_url=database_url, data_dir=tmp_path)
    first = migrate_database(settings, "tsunagu_servicekit")  # no service migrations: the kit's only
    assert first.before == ()
    assert first.after
    assert first.changed
    again = migrate_database(settings, "tsunagu_servicekit")
    assert again.before == again.after == first.after
    assert not again.changed
