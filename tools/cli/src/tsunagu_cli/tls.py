"""``tsunagu tls generate``: a private CA and the certificates NATS TLS needs in Compose and tests.

One CA (``ca.pem``: what clients verify the server with, ``TSUNAGU_<SERVICE>_NATS_TLS_CA_FILE``),
a server certificate for the given host names and addresses (``server.pem``; also valid as a
client certificate, so cluster routes can present it), and a client certificate (``client.pem``)
for servers that verify clients. Keys are ECDSA P-256, written with mode 0600. Kubernetes gets
its certificates from cert-manager instead; this is for Compose, a laptop and the tests.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .common import CliError

DEFAULT_DAYS = 365
FILES = ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem", "client.pem", "client-key.pem")


@dataclass(frozen=True)
class GeneratedTls:
    """Paths of what :func:`generate_certificates` wrote."""

    ca: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tsunagu"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _alt_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _leaf(
    common_name: str,
    key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    usages: list[x509.ObjectIdentifier],
    hosts: Sequence[str],
    now: dt.datetime,
    days: int,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName(_alt_names(hosts)), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _write(path: Path, data: bytes, *, private: bool) -> None:
    # Created with its final mode: a key is never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600 if private else 0o644)


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def generate_certificates(
    out: Path,
    hosts: Sequence[str],
    *,
    days: int = DEFAULT_DAYS,
    client_name: str = "tsunagu-client",
    force: bool = False,
) -> GeneratedTls:
    """A new CA, and a server and a client certificate it signs, written into ``out``.

    ``hosts``: the names and addresses clients reach the server by (``nats``, ``localhost``,
    ``127.0.0.1``); at least one. Existing files are kept unless ``force``.
    """
    if not hosts:
        raise CliError("--host: give at least one name or address clients reach the server by")
    if days < 1:
        raise CliError("--days: at least 1")
    out.mkdir(parents=True, exist_ok=True)
    existing = [name for name in FILES if (out / name).exists()]
    if existing and not force:
        raise CliError(f"{out} already holds {', '.join(existing)}: use --force to replace them")

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Tsunagu NATS CA"))
        .issuer_name(_name("Tsunagu NATS CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _leaf(
        hosts[0],
        server_key,
        ca_cert,
        ca_key,
        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
        hosts,
        now,
        days,
    )
    client_key = ec.generate_private_key(ec.SECP256R1())
    client_cert = _leaf(
        client_name, client_key, ca_cert, ca_key, [ExtendedKeyUsageOID.CLIENT_AUTH], (), now, days
    )

    paths = GeneratedTls(*(out / name for name in FILES))
    _write(paths.ca, _pem(ca_cert), private=False)
    _write(paths.ca_key, _key_pem(ca_key), private=True)
    _write(paths.server_cert, _pem(server_cert), private=False)
    _write(paths.server_key, _key_pem(server_key), private=True)
    _write(paths.client_cert, _pem(client_cert), private=False)
    _write(paths.client_key, _key_pem(client_key), private=True)
    return paths
