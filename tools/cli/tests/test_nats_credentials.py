"""The command's NATS credentials and TLS (``TSUNAGU_NATS_*``, each also as ``..._FILE``), what it
says when the broker refuses them, and ``tsunagu tls generate``.

Against real nats-servers on loopback: one with users and passwords, one that also requires TLS
with certificates from ``tsunagu tls generate``.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from tsunagu_cli.main import app
from tsunagu_cli.tls import generate_certificates
from tsunagu_servicekit.natsserver import NatsServerProcess
from typer.testing import CliRunner

pytestmark = pytest.mark.slow

runner = CliRunner()
ADMIN_PASSWORD = "admin-password-7c1e"


@dataclass(frozen=True)
class Broker:
    url: str
    ca: Path | None = None


def _server(tmp: Path, tls: str = "") -> NatsServerProcess:
    conf = tmp / "auth.conf"
    conf.write_text(
        f'{tls}\nauthorization {{ users: [ {{ user: admin, password: "{ADMIN_PASSWORD}" }} ] }}\n',
        encoding="utf-8",
    )
    return NatsServerProcess(store_dir=tmp / "js", extra_args=["-c", str(conf)])


@pytest.fixture(scope="module")
def auth_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with _server(tmp_path_factory.mktemp("nats-auth")) as proc:
        yield Broker(proc.url)


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    tmp = tmp_path_factory.mktemp("nats-auth-tls")
    certs = generate_certificates(tmp / "certs", ["localhost", "127.0.0.1"])
    tls = (
        f'tls {{ cert_file: "{certs.server_cert}", key_file: "{certs.server_key}", '
        'handshake_first: "300ms" }'
    )
    with _server(tmp, tls) as proc:
        yield Broker(proc.url, certs.ca)


def invoke(url: str, env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--nats-url", url, *(args or ("streams", "list"))], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_a_wrong_password_is_a_refusal_not_an_unreachable_broker(auth_broker: Broker) -> None:
    code, output = invoke(auth_broker.url, {"TSUNAGU_NATS_USER": "admin", "TSUNAGU_NATS_PASSWORD": "wrong"})
    assert code == 1
    assert "refused the credentials" in output
    assert "cannot reach" not in output
    assert "tsunagu up" not in output
    assert "wrong" not in output

    code, output = invoke(auth_broker.url.replace("nats://", "nats://admin:wrong@"), {})
    assert code == 1
    assert "refused the credentials" in output
    assert "wrong" not in output


def test_no_credentials_for_a_broker_that_wants_them(auth_broker: Broker) -> None:
    code, output = invoke(auth_broker.url, {})
    assert code == 1
    assert "refused the credentials" in output


def test_credentials_from_the_environment_and_from_files(auth_broker: Broker, tmp_path: Path) -> None:
    code, output = invoke(
        auth_broker.url, {"TSUNAGU_NATS_USER": "admin", "TSUNAGU_NATS_PASSWORD": ADMIN_PASSWORD}
    )
    assert code == 0, output
    (tmp_path / "password").write_text(ADMIN_PASSWORD + "\n")
    (tmp_path / "url").write_text(auth_broker.url + "\n")
    env = {"TSUNAGU_NATS_USER": "admin", "TSUNAGU_NATS_PASSWORD_FILE": str(tmp_path / "password")}
    code, output = invoke(auth_broker.url, env)
    assert code == 0, output
    # The URL from a file too: no --nats-url at all.
    result = runner.invoke(
        app, ["streams", "list"], env={**env, "TSUNAGU_NATS_URL_FILE": str(tmp_path / "url")}
    )
    assert result.exit_code == 0, result.output


def test_a_password_given_twice_or_unreadable_is_said_without_the_value(
    auth_broker: Broker, tmp_path: Path
) -> None:
    (tmp_path / "password").write_text(ADMIN_PASSWORD)
    env = {
        "TSUNAGU_NATS_USER": "admin",
        "TSUNAGU_NATS_PASSWORD": ADMIN_PASSWORD,
        "TSUNAGU_NATS_PASSWORD_FILE": str(tmp_path / "password"),
    }
    code, output = invoke(auth_broker.url, env)
    assert code == 1
    assert "TSUNAGU_NATS_PASSWORD and TSUNAGU_NATS_PASSWORD_FILE are both set" in output
    assert ADMIN_PASSWORD not in output
    code, output = invoke(
        auth_broker.url, {"TSUNAGU_NATS_USER": "admin", "TSUNAGU_NATS_PASSWORD_FILE": str(tmp_path / "none")}
    )
    assert code == 1
    assert f"TSUNAGU_NATS_PASSWORD_FILE: cannot read {tmp_path / 'none'}" in output


def test_tls_with_the_generated_ca(tls_broker: Broker, tmp_path: Path) -> None:
    assert tls_broker.ca is not None
    env = {"TSUNAGU_NATS_USER": "admin", "TSUNAGU_NATS_PASSWORD": ADMIN_PASSWORD}
    url = tls_broker.url.replace("127.0.0.1", "localhost")
    code, output = invoke(url, {**env, "TSUNAGU_NATS_TLS_CA_FILE": str(tls_broker.ca)})
    assert code == 0, output

    # Without the CA: TLS against the system's CAs, which do not know this one.
    code, output = invoke(url.replace("nats://", "tls://"), env)
    assert code == 1
    assert "certificate this command cannot verify" in output
    assert "TSUNAGU_NATS_TLS_CA_FILE" in output

    other = generate_certificates(tmp_path / "other", ["localhost"])
    code, output = invoke(url, {**env, "TSUNAGU_NATS_TLS_CA_FILE": str(other.ca)})
    assert code == 1
    assert "certificate this command cannot verify" in output


def test_tls_generate_writes_a_ca_and_certificates_for_the_hosts(tmp_path: Path) -> None:
    out = tmp_path / "certs"
    result = runner.invoke(
        app, ["tls", "generate", "--out", str(out), "--host", "nats", "--host", "127.0.0.1"]
    )
    assert result.exit_code == 0, result.output
    for key in ("ca-key.pem", "server-key.pem", "client-key.pem"):
        assert stat.S_IMODE((out / key).stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate((out / "ca.pem").read_bytes())
    server = x509.load_pem_x509_certificate((out / "server.pem").read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["nats"]
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    client = x509.load_pem_x509_certificate((out / "client.pem").read_bytes())
    client.verify_directly_issued_by(ca)

    again = runner.invoke(app, ["tls", "generate", "--out", str(out), "--host", "nats"])
    assert again.exit_code == 1
    assert "--force" in again.output
    assert x509.load_pem_x509_certificate((out / "ca.pem").read_bytes()) == ca
    forced = runner.invoke(app, ["tls", "generate", "--out", str(out), "--host", "nats", "--force"])
    assert forced.exit_code == 0, forced.output
