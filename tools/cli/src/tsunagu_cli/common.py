"""What every command shares: the consoles, the broker connection, errors the user can act on.

Commands are plain async functions that raise :class:`CliError` for anything the user can fix
(broker down, unknown stream, bad argument); the Typer glue prints those in one red line and
exits 1. Nothing the user can fix ends in a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any, TypeVar

import nats
import nats.errors
import nats.js.errors
import typer
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from tsunagu_servicekit.natsconnect import NatsConnectOptions, NatsTlsError, nats_connect_options
from tsunagu_servicekit.settings import NatsConnectionSettings, SettingsFileError

DEFAULT_NATS_PORT = 4322
"""Not NATS's usual 4222, so a local stack does not collide with a system-wide broker."""
DEFAULT_NATS_URL = f"nats://127.0.0.1:{DEFAULT_NATS_PORT}"
NATS_URL_ENV = "TSUNAGU_NATS_URL"
DEFAULT_DATA_DIR = ".tsunagu"

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

T = TypeVar("T")


class CliError(Exception):
    """A failure the user can act on; shown as one line, without a traceback."""


class BrokerUnavailable(CliError):
    """The broker cannot be reached (not running, wrong URL, JetStream disabled)."""


class BrokerRefused(CliError):
    """The broker was reached and refused the connection: credentials or TLS."""


def nats_settings(url: str | None = None) -> NatsConnectionSettings:
    """How the command reaches NATS: ``url`` if given, and ``TSUNAGU_NATS_*`` (each also as
    ``..._FILE``) for the rest, read as the services read theirs."""
    try:
        return NatsConnectionSettings() if url is None else NatsConnectionSettings(nats_url=url)
    except SettingsFileError as exc:
        raise CliError(str(exc)) from None
    except ValidationError as exc:
        # The settings hide their input in errors: what is shown names settings and rules only.
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise CliError(f"NATS settings (TSUNAGU_NATS_*): {problems}") from None


def default_nats_url() -> str:
    """``TSUNAGU_NATS_URL`` (or ``TSUNAGU_NATS_URL_FILE``) if set, else the port ``tsunagu up``
    uses by default."""
    settings = nats_settings()
    return settings.nats_url if "nats_url" in settings.model_fields_set else DEFAULT_NATS_URL


def connect_options(url: str) -> NatsConnectOptions:
    """The kit's connection options for ``url`` with the credentials and TLS of ``TSUNAGU_NATS_*``."""
    try:
        return nats_connect_options(nats_settings(url))
    except NatsTlsError as exc:
        raise CliError(f"TSUNAGU_NATS_TLS_*: {exc}") from None


def display_url(url: str) -> str:
    """``url`` fit to print: a user, password or token in it is replaced by ``***``."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))


def _tokyo() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Tokyo")
    except Exception:  # no time zone database: Japan has kept +09:00 without DST since 1951
        return timezone(timedelta(hours=9), "JST")


TOKYO = _tokyo()


def tokyo_time(value: datetime) -> str:
    """A UTC instant as Tokyo wall-clock time for display, e.g. ``2025-04-01 09:30:00.123 JST``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(TOKYO)
    return local.strftime("%Y-%m-%d %H:%M:%S.") + f"{local.microsecond // 1000:03d} JST"


def parse_instant(text: str, *, option: str) -> datetime:
    """An ISO 8601 instant from the command line. Without an offset it is read as Tokyo time."""
    candidate = text.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(candidate)
    except ValueError:
        raise CliError(f"{option}: not an ISO 8601 date or time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=TOKYO)
    return value.astimezone(UTC)


def _refused(url: str, exc: BaseException) -> BrokerRefused | None:
    """The broker's refusal in ``exc`` (bad credentials, TLS not agreed), or ``None``."""
    where = display_url(url)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return BrokerRefused(
            f"the broker at {where} has a certificate this command cannot verify "
            f"({exc.verify_message or exc.reason}): is TSUNAGU_NATS_TLS_CA_FILE the CA that signed it?"
        )
    if isinstance(exc, ssl.SSLError):
        return BrokerRefused(
            f"TLS with the broker at {where} failed ({exc.reason or type(exc).__name__}): does it expect "
            "TLS (a tls:// URL or TSUNAGU_NATS_TLS_CA_FILE), or a client certificate "
            "(TSUNAGU_NATS_TLS_CERT_FILE and TSUNAGU_NATS_TLS_KEY_FILE)?"
        )
    text = str(exc).lower()
    if isinstance(exc, nats.errors.AuthorizationError) or "authorization violation" in text:
        return BrokerRefused(
            f"the broker at {where} refused the credentials (authorization violation): check the user "
            "and password (TSUNAGU_NATS_USER, TSUNAGU_NATS_PASSWORD or _FILE, or the URL)"
        )
    if "secure connection - tls required" in text:
        return BrokerRefused(
            f"the broker at {where} requires TLS: use a tls:// URL or set TSUNAGU_NATS_TLS_CA_FILE"
        )
    return None


def _unreachable(url: str, why: str) -> BrokerUnavailable:
    return BrokerUnavailable(
        f"cannot reach the broker at {display_url(url)} ({why}). Is `tsunagu up` running? "
        f"Point to another broker with --nats-url or {NATS_URL_ENV}."
    )


@asynccontextmanager
async def connect(url: str, *, connect_timeout: float = 3.0) -> AsyncIterator[tuple[NATS, JetStreamContext]]:
    """A connection and its JetStream context, with broker failures turned into :class:`CliError`.

    No reconnection: a command that loses its broker stops with a clear message instead of
    waiting silently.
    """

    options = connect_options(url)
    reported: list[Exception] = []

    async def quiet(exc: Exception) -> None:  # errors surface as exceptions below, not as log noise
        reported.append(exc)

    try:
        # max_reconnect_attempts=0 would mean "forever" while connecting: 1 gives up after a retry.
        nc = await asyncio.wait_for(
            nats.connect(
                **options.nats_py(),
                name="tsunagu-cli",
                connect_timeout=max(1, round(connect_timeout)),
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.1,
                error_cb=quiet,
            ),
            timeout=2 * connect_timeout + 1,
        )
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        # A refusal is what the server said, and may only be in the errors reported on the way
        # (nats-py then gives up with "no servers available").
        for cause in (exc, *reported):
            if (refusal := _refused(url, cause)) is not None:
                raise refusal from None
        raise _unreachable(url, type(exc).__name__) from None
    except ValueError as exc:
        raise CliError(f"--nats-url: {exc}") from None
    try:
        yield nc, nc.jetstream(timeout=max(connect_timeout, 5.0))
    except (nats.errors.NoRespondersError, nats.js.errors.ServiceUnavailableError):
        raise BrokerUnavailable(
            f"the broker at {display_url(url)} does not answer JetStream requests (JetStream off?)"
        ) from None
    except (nats.errors.ConnectionClosedError, nats.errors.StaleConnectionError, nats.errors.UnexpectedEOF):
        raise _unreachable(url, "connection lost") from None
    except nats.js.errors.APIError as exc:
        raise CliError(f"the broker refused the request: {exc.description or type(exc).__name__}") from None
    except (TimeoutError, nats.errors.TimeoutError):
        raise CliError(f"the broker at {display_url(url)} did not answer in time") from None
    finally:
        if not nc.is_closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(nc.close(), timeout=5)


def report(exc: CliError) -> None:
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)


def run(coro_factory: Callable[[], Coroutine[Any, Any, T]], *, interrupted_code: int = 130) -> T:
    """Run a command's coroutine; a :class:`CliError` becomes a red message and exit code 1.

    Ctrl-C cancels the coroutine (its cleanup runs) and exits with ``interrupted_code``.
    """
    try:
        return asyncio.run(coro_factory())
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        if interrupted_code:
            err_console.print("interrupted")
        raise typer.Exit(interrupted_code) from None


def human_bytes(n: int | float) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover
