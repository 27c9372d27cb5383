"""NATS over TLS with credentials apart from the URL, against a real nats-server on loopback.

The server (from the wheel) requires TLS from clients with a certificate of a test CA
(``trustme``), accepts TLS before its INFO (``handshake_first``, as the production configuration
does) and knows one user. The kit's connection options connect with the CA; a wrong CA fails
with a verification error the broker logs as such; a client speaking plain NATS is refused; and a
client that asked for TLS never sends its password to a server that does not speak it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nats
import nats.errors
import pytest
import structlog
import trustme
from tsunagu_servicekit.broker import create_broker
from tsunagu_servicekit.natsconnect import NatsTlsError, nats_connect_options
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.settings import NatsConnectionSettings, ServiceSettings

pytestmark = pytest.mark.slow

USER, PASSWORD = "kit", "kit-password-1f3a"


@dataclass(frozen=True)
class TlsServer:
    url: str
    ca: Path
    other_ca: Path
    client_cert: Path
    client_key: Path


def _write_pem(blob: trustme.Blob, path: Path) -> Path:
    blob.write_to_path(str(path))
    return path


@contextlib.contextmanager
def tls_nats(tmp: Path, *, verify_clients: bool = False) -> Iterator[TlsServer]:
    ca, other = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("kit-client")
    conf = tmp / "tls.conf"
    conf.write_text(
        f"""
tls {{
  cert_file: "{_write_pem(server.cert_chain_pems[0], tmp / "server.pem")}"
  key_file: "{_write_pem(server.private_key_pem, tmp / "server-key.pem")}"
  ca_file: "{_write_pem(ca.cert_pem, tmp / "ca.pem")}"
  verify: {"true" if verify_clients else "false"}
  handshake_first: "300ms"
}}
authorization {{ users: [ {{ user: {USER}, password: "{PASSWORD}" }} ] }}
""",
        encoding="utf-8",
    )
    with NatsServerProcess(store_dir=tmp / "js", extra_args=["-c", str(conf)]) as proc:
        yield TlsServer(
            url=f"nats://127.0.0.1:{proc.port}",
            ca=tmp / "ca.pem",
            other_ca=_write_pem(other.cert_pem, tmp / "other-ca.pem"),
            client_cert=_write_pem(client.cert_chain_pems[0], tmp / "client.pem"),
            client_key=_write_pem(client.private_key_pem, tmp / "client-key.pem"),
        )


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServer]:
    with tls_nats(tmp_path_factory.mktemp("nats-tls")) as server:
        yield server


def settings(server: TlsServer, **overrides: object) -> NatsConnectionSettings:
    values: dict[str, object] = {
        "nats_url": server.url,
        "nats_user": USER,
        "nats_password": PASSWORD,
        "nats_tls_ca_file": server.ca,
        **overrides,
    }
    return NatsConnectionSettings(**values)  # type: ignore[arg-type]


async def test_connects_with_the_ca_and_the_credentials(tls_server: TlsServer) -> None:
    options = nats_connect_options(settings(tls_server))
    nc = await nats.connect(**options.nats_py(), allow_reconnect=False, connect_timeout=5)
    try:
        assert nc.is_connected
        assert nc._transport is not None
        assert nc._transport._io_writer is not None
        assert nc._transport._io_writer.get_extra_info("ssl_object") is not None
        sub = await nc.subscribe("kit.tls")
        await nc.publish("kit.tls", b"over TLS")
        assert (await sub.next_msg(timeout=2)).data == b"over TLS"
    finally:
        await nc.close()


async def test_a_tls_url_alone_uses_tls(tls_server: TlsServer) -> None:
    # No CA setting: the system's CAs, which do not know the test CA; so it is TLS, and it fails.
    options = nats_connect_options(
        settings(tls_server, nats_url=tls_server.url.replace("nats://", "tls://"), nats_tls_ca_file=None)
    )
    assert options.tls is not None
    with pytest.raises(ssl.SSLCertVerificationError):
        await nats.connect(**options.nats_py(), allow_reconnect=False, connect_timeout=5)


async def test_the_service_broker_connects_with_tls(tls_server: TlsServer, tmp_path: Path) -> None:
    service = ServiceSettings(
        service_name="kit",
        data_dir=tmp_path,
        nats_url=tls_server.url,
        nats_user=USER,
        nats_password=PASSWORD,
        nats_tls_ca_file=tls_server.ca,  # type: ignore[arg-type]
    )
    broker = create_broker(service)
    try:
        await asyncio.wait_for(broker.connect(), 10)
        nc = broker.connection
        assert nc.is_connected
        assert nc._transport._io_writer.get_extra_info("ssl_object") is not None  # type: ignore[union-attr]
    finally:
        await broker.stop()


async def test_a_wrong_ca_fails_with_a_verification_error(tls_server: TlsServer, tmp_path: Path) -> None:
    options = nats_connect_options(settings(tls_server, nats_tls_ca_file=tls_server.other_ca))
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        await nats.connect(**options.nats_py(), allow_reconnect=False, connect_timeout=5)

    # The service's broker keeps trying (the server may be replaced), and says why it cannot.
    service = ServiceSettings(
        service_name="kit",
        data_dir=tmp_path,
        nats_url=tls_server.url,
        nats_user=USER,
        nats_password=PASSWORD,
        nats_tls_ca_file=tls_server.other_ca,  # type: ignore[arg-type]
    )
    broker = create_broker(service)
    with structlog.testing.capture_logs() as logs:
        try:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(broker.connect(), 2)
        finally:
            await broker.stop()
    failures = [e for e in logs if e["event"] == "broker TLS handshake failed; retrying"]
    assert failures, logs
    assert "unable to get local issuer certificate" in failures[0]["reason"]
    assert all(PASSWORD not in str(e) for e in logs)


def test_an_unusable_ca_file_names_the_setting_and_the_path(tmp_path: Path, tls_server: TlsServer) -> None:
    missing = tmp_path / "missing-ca.pem"
    with pytest.raises(NatsTlsError, match=f"nats_tls_ca_file: cannot use {missing} as a CA bundle"):
        nats_connect_options(settings(tls_server, nats_tls_ca_file=missing))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    with pytest.raises(NatsTlsError, match="nats_tls_ca_file"):
        nats_connect_options(settings(tls_server, nats_tls_ca_file=garbage))


def _read_until(sock: socket.socket, marker: bytes, limit: float = 5.0) -> bytes:
    sock.settimeout(limit)
    data = b""
    while marker not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_a_plain_client_is_refused(tls_server: TlsServer) -> None:
    host, port = tls_server.url.removeprefix("nats://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        info = _read_until(sock, b"\r\n")
        assert b'"tls_required":true' in info
        sock.sendall(f'CONNECT {{"user":"{USER}","pass":"{PASSWORD}"}}\r\nPING\r\n'.encode())
        answer = _read_until(sock, b"PONG")
    # The server expects a TLS handshake where the CONNECT came, and hangs up: no PONG, no session.
    assert b"PONG" not in answer, answer
    assert b"+OK" not in answer, answer


async def test_a_client_that_asked_for_tls_never_sends_its_password_in_clear(tmp_path: Path) -> None:
    """A plain NATS server (or whoever answers in its place) gets a TLS hello, nothing else."""
    received = bytearray()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def plain_server() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(3)
            conn.sendall(
                b'INFO {"server_id":"x","version":"2.12.6","auth_required":true,"max_payload":1048576}\r\n'
            )
            with contextlib.suppress(OSError):
                while chunk := conn.recv(4096):
                    received.extend(chunk)

    thread = threading.Thread(target=plain_server, daemon=True)
    thread.start()
    ca = trustme.CA()
    ca_file = _write_pem(ca.cert_pem, tmp_path / "ca.pem")
    options = nats_connect_options(
        NatsConnectionSettings(
            nats_url=f"nats://127.0.0.1:{port}",
            nats_user=USER,
            nats_password=PASSWORD,
            nats_tls_ca_file=ca_file,  # type: ignore[arg-type]
        )
    )
    with pytest.raises((ssl.SSLError, OSError, nats.errors.Error, TimeoutError)):
        await nats.connect(**options.nats_py(), allow_reconnect=False, connect_timeout=2)
    thread.join(timeout=5)
    listener.close()
    assert received[:1] == b"\x16", bytes(received[:40])  # a TLS handshake record
    assert PASSWORD.encode() not in received
    assert b"CONNECT" not in received


async def test_a_server_that_verifies_clients_takes_the_client_certificate(tmp_path: Path) -> None:
    with tls_nats(tmp_path, verify_clients=True) as server:
        without = nats_connect_options(settings(server))

        async def connect_and_flush() -> None:
            nc = await nats.connect(**without.nats_py(), allow_reconnect=False, connect_timeout=3)
            await nc.flush(timeout=2)  # TLS 1.3: the server's refusal may come after the handshake

        with pytest.raises((ssl.SSLError, OSError, nats.errors.Error)):
            await connect_and_flush()
        with_cert = nats_connect_options(
            settings(server, nats_tls_cert_file=server.client_cert, nats_tls_key_file=server.client_key)
        )
        nc = await nats.connect(**with_cert.nats_py(), allow_reconnect=False, connect_timeout=5)
        try:
            await nc.flush(timeout=2)
            assert nc.is_connected
        finally:
            await nc.close()
