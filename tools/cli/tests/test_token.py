"""``tsunagu token``: local tokens that the services' authenticator accepts."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from tsunagu_cli.main import app
from tsunagu_cli.token import issue_token, local_secret
from tsunagu_servicekit.http.auth import Authenticator, AuthError
from tsunagu_servicekit.settings import ServiceSettings
from typer.testing import CliRunner

runner = CliRunner()


def test_cli_token_verifies_with_the_services_authenticator(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "token",
            "--role",
            "municipality_staff",
            "--role",
            "counsellor",
            "--scope",
            "cases:read",
            "--municipality",
            "131016",
            "--subject",
            "staff-1",
            "--ttl",
            "120",
            "--data-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.count(".") == 2  # stdout holds the token alone, for $(tsunagu token ...)

    principal = Authenticator.from_settings(ServiceSettings(data_dir=tmp_path)).verify(token)
    assert principal.subject == "staff-1"
    assert principal.roles == {"municipality_staff", "counsellor"}
    assert principal.scopes == {"cases:read"}
    assert principal.municipality == "131016"

    secret_file = tmp_path / "jwt-secret"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert local_secret(tmp_path) == secret_file.read_text().strip()

    # A service given that secret the way `up` gives it (TSUNAGU_<NAME>_JWT_SECRET) accepts the token too.
    service = Authenticator.from_settings(
        ServiceSettings(data_dir=tmp_path / "elsewhere", jwt_secret=local_secret(tmp_path))
    )
    assert service.verify(token).subject == "staff-1"


def test_token_of_another_data_dir_is_refused(tmp_path: Path) -> None:
    token = issue_token(tmp_path / "a", roles=["admin"])
    with pytest.raises(AuthError):
        Authenticator.from_settings(ServiceSettings(data_dir=tmp_path / "b")).verify(token)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "wizard"], "Unknown role"),
        (["--role", "partner_staff"], "partner_staff needs the partner organisation"),
        (["--role", "admin", "--ttl", "0"], "--ttl must be a positive"),
    ],
)
def test_bad_requests_are_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["token", *args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_the_environment_secret_wins_on_both_sides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSUNAGU_JWT_SECRET", "x" * 40)
    assert local_secret(tmp_path) == "x" * 40
    token = issue_token(tmp_path, roles=["admin"])
    assert not (tmp_path / "jwt-secret").exists()
    assert os.environ["TSUNAGU_JWT_SECRET"]
    principal = Authenticator.from_settings(ServiceSettings(data_dir=tmp_path / "other")).verify(token)
    assert principal.is_admin
