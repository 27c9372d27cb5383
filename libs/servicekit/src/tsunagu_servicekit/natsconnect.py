"""How every client of the kit connects to NATS: servers, credentials and TLS, from one place.

:func:`nats_connect_options` turns :class:`~tsunagu_servicekit.settings.NatsConnectionSettings`
(a service's settings, or the ``tsunagu`` command's ``TSUNAGU_NATS_*``) into the options of a
connection: the FastStream broker takes them as ``security``, a raw nats-py connection as
keyword arguments. Nothing else builds an ``ssl.SSLContext`` or passes a NATS password.

TLS, once asked for (a CA bundle, a client certificate or a ``tls://`` URL), starts with the
first byte (``tls_handshake_first``). nats-py otherwise reads the server's INFO in clear and
upgrades only if that INFO asks for TLS: a server (or anyone in between) that does not ask would
receive the password in clear. The production server configuration accepts TLS first
(``handshake_first`` in ``deploy/nats/nats-server.conf``).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faststream.nats import NatsSecurity
from faststream.nats.security import NatsUserPassword
from faststream.security import BaseSecurity

from .settings import NatsConnectionSettings

__all__ = ["NatsConnectOptions", "NatsTlsError", "nats_connect_options", "tls_context"]


class NatsTlsError(ValueError):
    """A TLS file of the settings that cannot be used; the message names the setting and the path."""


def tls_context(
    ca_file: Path | None, cert_file: Path | None = None, key_file: Path | None = None
) -> ssl.SSLContext:
    """A client context that verifies the server against ``ca_file`` (the system's CAs without
    one) and hostname, and presents ``cert_file``/``key_file`` when given."""
    try:
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None)
    except (OSError, ssl.SSLError) as exc:
        raise NatsTlsError(f"nats_tls_ca_file: cannot use {ca_file} as a CA bundle ({_why(exc)})") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert_file is not None:
        try:
            context.load_cert_chain(str(cert_file), str(key_file) if key_file is not None else None)
        except (OSError, ssl.SSLError) as exc:
            raise NatsTlsError(
                f"nats_tls_cert_file/nats_tls_key_file: cannot use {cert_file} with {key_file} ({_why(exc)})"
            ) from None
    return context


def _why(exc: OSError | ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLError):
        return exc.reason or type(exc).__name__
    return exc.strerror or type(exc).__name__


@dataclass(frozen=True)
class NatsConnectOptions:
    """The servers and how to authenticate and encrypt; ``repr`` leaves the password out."""

    servers: list[str]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    tls: ssl.SSLContext | None = None

    def nats_py(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect`` (besides name, timeouts and callbacks)."""
        options: dict[str, Any] = {"servers": self.servers}
        if self.user is not None:
            options["user"] = self.user
            options["password"] = self.password
        if self.tls is not None:
            options["tls"] = self.tls
            options["tls_handshake_first"] = True
        return options

    def faststream_security(self) -> BaseSecurity | None:
        """The same, as the ``security`` of FastStream's ``NatsBroker``."""
        if self.user is not None:
            return NatsUserPassword(
                self.user,
                self.password or "",
                ssl_context=self.tls,
                tls_handshake_first=self.tls is not None,
            )
        if self.tls is not None:
            return NatsSecurity(ssl_context=self.tls, tls_handshake_first=True)
        return None


def nats_connect_options(settings: NatsConnectionSettings) -> NatsConnectOptions:
    """The connection options ``settings`` describe (see the module). Raises :class:`NatsTlsError`
    for a CA bundle or client certificate that cannot be loaded."""
    context = (
        tls_context(settings.nats_tls_ca_file, settings.nats_tls_cert_file, settings.nats_tls_key_file)
        if settings.nats_tls
        else None
    )
    password = settings.nats_password.get_secret_value() if settings.nats_password is not None else None
    return NatsConnectOptions(
        servers=settings.nats_servers(), user=settings.nats_user, password=password, tls=context
    )
