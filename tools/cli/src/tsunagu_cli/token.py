"""``tsunagu token``: a local bearer token the services running under ``tsunagu up`` accept.

Locally every service verifies HS256 tokens with one secret: ``tsunagu up`` creates it once in
``<data dir>/jwt-secret`` (mode 0600, through the service kit's authenticator) and hands it to
each service as ``TSUNAGU_<SERVICE>_JWT_SECRET``. This command signs with the same secret, found
through the same ``--data-dir``. ``TSUNAGU_JWT_SECRET``, when set, takes the file's place on both
sides. Production tokens come from the OIDC provider, never from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .common import CliError

if TYPE_CHECKING:
    from tsunagu_servicekit.settings import ServiceSettings


def _settings(data_dir: Path) -> ServiceSettings:
    # Imported here: pydantic-settings is slow to import and most commands never need it.
    from tsunagu_servicekit.settings import ServiceSettings

    return ServiceSettings(data_dir=data_dir)


def local_secret(data_dir: Path) -> str | None:
    """The HS256 secret of the local stack in ``data_dir`` (created on first use).

    ``None`` when the environment points verification at a JWKS URL instead (then no secret is
    passed to the services and no token can be issued here).
    """
    from tsunagu_servicekit.http.auth import Authenticator, load_or_create_secret

    settings = _settings(data_dir)
    try:
        authenticator = Authenticator.from_settings(settings)  # creates data_dir/jwt-secret if needed
    except RuntimeError as exc:
        raise CliError(str(exc)) from None
    if authenticator.mode != "local":
        return None
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    secret: str = load_or_create_secret(settings.data_dir)
    return secret


def issue_token(
    data_dir: Path,
    *,
    roles: Sequence[str],
    scopes: Sequence[str] = (),
    subject: str = "local-dev",
    municipality: str | None = None,
    partner: str | None = None,
    ttl_seconds: int = 3600,
) -> str:
    """A signed token for ``subject`` with ``roles``/``scopes``, valid ``ttl_seconds``."""
    from tsunagu_servicekit.http.auth import ROLES, Authenticator

    if not roles:
        raise CliError(f"give at least one --role (one of: {', '.join(ROLES)})")
    if ttl_seconds <= 0:
        raise CliError("--ttl must be a positive number of seconds")
    try:
        authenticator = Authenticator.from_settings(_settings(data_dir))
        return authenticator.issue(
            subject,
            roles,
            scopes,
            municipality=municipality,
            partner=partner,
            ttl_seconds=ttl_seconds,
        )
    except (ValueError, RuntimeError) as exc:
        raise CliError(str(exc)) from None
