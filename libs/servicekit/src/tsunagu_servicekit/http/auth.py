"""Bearer-JWT authentication and role/scope authorisation for the HTTP APIs.

Two modes, chosen by :meth:`Authenticator.from_settings`:

* **local** — HS256 with ``settings.jwt_secret``, or with a secret generated once into
  ``<data_dir>/jwt-secret`` (mode 0600) and reused by every service sharing that directory;
  :meth:`Authenticator.issue` mints tokens (``tsunagu tokens``, tests, demo data).
* **jwks** — production: RS256/ES256 tokens of an OIDC provider, verified against its JWKS
  (``settings.jwt_jwks_url``); this side never issues tokens.

Claims read: ``sub``, ``roles`` (list of :data:`ROLES`), ``scope`` (space-separated, OAuth 2.0),
``municipality`` (code of the one municipality of municipality staff), ``partner`` (id of the one
partner organisation of partner staff). ``exp``, ``iss`` and ``aud`` are always checked.

Over HTTP a refused caller gets a refusal (problem details with a ``rule``): 401 with one of
:data:`AUTHENTICATION_RULES` and ``WWW-Authenticate``, or 403 with :data:`ROLE_REQUIRED` or
:data:`SCOPE_REQUIRED`. Operations that depend on :func:`current_principal` or :func:`require`
document those answers in OpenAPI on their own, under the security scheme :data:`STAFF_BEARER`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tsunagu_servicekit.errors import Refusal, Rule, ServiceError
from tsunagu_servicekit.http.openapi import (
    REFUSALS_ATTRIBUTE,
    ROLES_ATTRIBUTE,
    SCOPES_ATTRIBUTE,
    documents_refusals,
)
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.settings import ServiceSettings

__all__ = [
    "AUTHENTICATION_REQUIRED",
    "AUTHENTICATION_RULES",
    "ROLES",
    "ROLE_REQUIRED",
    "SCOPE_REQUIRED",
    "STAFF_BEARER",
    "TOKEN_EXPIRED",
    "TOKEN_INVALID",
    "TOKEN_UNVERIFIABLE",
    "AuthError",
    "Authenticator",
    "Principal",
    "current_principal",
    "require",
]

_log = get_logger(__name__)

ROLES: tuple[str, ...] = (
    "counsellor",
    "supervisor",
    "municipality_staff",
    "partner_staff",
    "expert",
    "trainer",
    # The start-up subsidy's segregated duties: a reviewer checks, an approver decides.
    "subsidy_reviewer",
    "subsidy_approver",
    # Training: learners outside the staff roles (welfare commissioners, agency staff) and the
    # coordinator who enrols an organisation's people (tied to a municipality or a partner).
    "learner",
    "training_coordinator",
    "admin",
)
ADMIN = "admin"

SECRET_FILE_NAME = "jwt-secret"
_LOCAL_ALGORITHMS = ("HS256",)
_JWKS_ALGORITHMS = ("RS256", "ES256")


class AuthError(ServiceError):
    """A bearer token was refused. ``reason`` is a code (``expired``, ``invalid_signature`` …)."""

    status_code = 401
    code = "unauthorized"

    def __init__(
        self, message: str = "The bearer token is not valid.", *, reason: str = "invalid_token"
    ) -> None:
        super().__init__(message)
        self.reason = reason

    def __repr__(self) -> str:
        return f"AuthError(reason={self.reason!r})"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the token's subject with its roles, scopes and organisational ties."""

    subject: str
    roles: frozenset[str]
    scopes: frozenset[str]
    municipality: str | None = None
    partner: str | None = None

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles


def _check_roles(roles: Iterable[str]) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown role(s) {sorted(unknown)}; known roles are {list(ROLES)}")


def load_or_create_secret(data_dir: Path, name: str = SECRET_FILE_NAME) -> str:
    """The local secret in ``data_dir/<name>`` (the HS256 one by default), generated (mode 0600) on
    first use.

    Creation is atomic (written aside, then hard-linked into place), so processes starting
    together agree on one secret and never read a half-written file.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / name
    if not path.exists():
        tmp = data_dir / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(48) + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            with contextlib.suppress(FileExistsError):  # another process won the race: use its secret
                os.link(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        _log.warning("auth.secret_file_too_open", mode=oct(mode))
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        raise RuntimeError(f"The local secret file {name} is empty or too short; delete it to regenerate.")
    return secret


def _string_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise AuthError("The bearer token has malformed claims.", reason="malformed_claims")


def _optional_string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise AuthError("The bearer token has malformed claims.", reason="malformed_claims")


class Authenticator:
    """Verifies bearer tokens (and, in local mode, issues them)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        secret: str | None = None,
        jwks_client: jwt.PyJWKClient | None = None,
        leeway_seconds: float = 30.0,
    ) -> None:
        if (secret is None) == (jwks_client is None):
            raise ValueError("Give exactly one of a secret (local mode) or a JWKS client.")
        self.issuer = issuer
        self.audience = audience
        self._secret = secret
        self._jwks = jwks_client
        self.leeway_seconds = leeway_seconds
        self.algorithms = list(_LOCAL_ALGORITHMS if secret is not None else _JWKS_ALGORITHMS)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Authenticator:
        issuer, audience = settings.jwt_issuer, settings.jwt_audience
        if settings.jwt_jwks_url:
            client = jwt.PyJWKClient(settings.jwt_jwks_url, cache_jwk_set=True, lifespan=300, timeout=5)
            return cls(jwks_client=client, issuer=issuer, audience=audience)
        if settings.jwt_secret is not None:
            return cls(secret=settings.jwt_secret.get_secret_value(), issuer=issuer, audience=audience)
        if settings.environment == "production":
            raise RuntimeError("Production needs jwt_jwks_url (or an explicit jwt_secret); none is set.")
        return cls(secret=load_or_create_secret(settings.data_dir), issuer=issuer, audience=audience)

    @property
    def mode(self) -> str:
        return "local" if self._secret is not None else "jwks"

    @property
    def verifies_remotely(self) -> bool:
        """True when :meth:`verify` may fetch keys over the network (call it off the event loop)."""
        return self._jwks is not None

    def issue(
        self,
        subject: str,
        roles: Iterable[str],
        scopes: Iterable[str] = (),
        *,
        municipality: str | None = None,
        partner: str | None = None,
        ttl_seconds: int = 3600,
    ) -> str:
        """A signed HS256 token; local mode only (production tokens come from the OIDC provider)."""
        if self._secret is None:
            raise RuntimeError("Tokens are issued by the OIDC provider in JWKS mode.")
        roles = sorted(set(roles))
        _check_roles(roles)
        if "municipality_staff" in roles and not municipality:
            raise ValueError("municipality_staff needs the municipality it belongs to.")
        if "partner_staff" in roles and not partner:
            raise ValueError("partner_staff needs the partner organisation it belongs to.")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
            "jti": str(uuid.uuid4()),
            "roles": roles,
            "scope": " ".join(sorted(set(scopes))),
        }
        if municipality is not None:
            claims["municipality"] = municipality
        if partner is not None:
            claims["partner"] = partner
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; :class:`AuthError` (value-free) for any failure."""
        try:
            key: Any = self._jwks.get_signing_key_from_jwt(token) if self._jwks is not None else self._secret
            claims = jwt.decode(
                token,
                key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("The bearer token has expired.", reason="expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError(reason="invalid_audience") from None
        except jwt.InvalidIssuerError:
            raise AuthError(reason="invalid_issuer") from None
        except jwt.InvalidSignatureError:
            raise AuthError(reason="invalid_signature") from None
        except jwt.MissingRequiredClaimError:
            raise AuthError(reason="missing_claim") from None
        except jwt.ImmatureSignatureError:
            raise AuthError(reason="not_yet_valid") from None
        except jwt.PyJWKClientConnectionError:
            raise AuthError("The token's signing keys are unavailable.", reason="jwks_unavailable") from None
        except jwt.PyJWKClientError:
            raise AuthError(reason="unknown_key") from None
        except jwt.PyJWTError:
            raise AuthError(reason="malformed") from None

        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise AuthError(reason="missing_claim")
        principal = Principal(
            subject=subject,
            roles=frozenset(_string_list(claims.get("roles"))),
            scopes=frozenset(_string_list(claims.get("scope"))),
            municipality=_optional_string(claims.get("municipality")),
            partner=_optional_string(claims.get("partner")),
        )
        if principal.has_role("municipality_staff") and principal.municipality is None:
            raise AuthError(reason="missing_municipality")
        if principal.has_role("partner_staff") and principal.partner is None:
            raise AuthError(reason="missing_partner")
        return principal


# --------------------------------------------------------------------------------------------
# FastAPI dependencies

STAFF_BEARER = "StaffBearer"
"""The OpenAPI security scheme of staff tokens; other kinds of callers get schemes of their own."""

AUTHENTICATION_REQUIRED = Rule(
    "authentication_required", 401, "Authentication with a bearer token is required."
)
TOKEN_INVALID = Rule("token_invalid", 401, "The bearer token is not valid.")
TOKEN_EXPIRED = Rule("token_expired", 401, "The bearer token has expired.")
TOKEN_UNVERIFIABLE = Rule("token_unverifiable", 401, "The token's signing keys are unavailable.")
AUTHENTICATION_RULES = (AUTHENTICATION_REQUIRED, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_UNVERIFIABLE)
ROLE_REQUIRED = Rule("role_required", 403, "The caller lacks a required role.")
SCOPE_REQUIRED = Rule("scope_required", 403, "The caller lacks a required scope.")

# The finer reasons (wrong audience, bad signature …) are logged, never told to the caller.
_RULE_OF_REASON = {"expired": TOKEN_EXPIRED, "jwks_unavailable": TOKEN_UNVERIFIABLE}

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name=STAFF_BEARER,
    description="A staff member's JWT: roles and scopes as claims (see ADR 0004).",
)


def _authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator | None = getattr(request.app.state, "authenticator", None)
    if authenticator is None:
        settings: ServiceSettings | None = getattr(request.app.state, "settings", None)
        if settings is None:
            raise RuntimeError("No authenticator is configured for this application.")
        authenticator = Authenticator.from_settings(settings)
        request.app.state.authenticator = authenticator
    return authenticator


@documents_refusals(*AUTHENTICATION_RULES)
async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Dependency: the authenticated caller, or a 401 refusal with ``WWW-Authenticate``."""
    if credentials is None or not credentials.credentials:
        raise Refusal(AUTHENTICATION_REQUIRED, headers={"WWW-Authenticate": "Bearer"})
    authenticator = _authenticator(request)
    try:
        if authenticator.verifies_remotely:
            principal = await run_in_threadpool(authenticator.verify, credentials.credentials)
        else:
            principal = authenticator.verify(credentials.credentials)
    except AuthError as exc:
        _log.info("auth.token_rejected", reason=exc.reason)
        raise Refusal(
            _RULE_OF_REASON.get(exc.reason, TOKEN_INVALID),
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
    request.state.principal = principal
    return principal


def require(*roles: str, scopes: Sequence[str] = ()) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the caller must hold one of ``roles`` (any role when none given) and
    every scope in ``scopes``; ``admin`` passes every check. Otherwise a 403 refusal
    (``role_required`` or ``scope_required``).

    ``principal: Annotated[Principal, Depends(require("counsellor", "supervisor"))]``

    The dependency carries its roles, scopes and refusals as attributes, which the OpenAPI rewrite
    reads to document its 401 and 403 answers (and ``x-tsunagu-roles``) on every operation using it.
    """
    _check_roles(roles)
    if isinstance(scopes, str):
        raise TypeError("scopes must be a sequence of scope names, not one string")
    needed_roles = tuple(dict.fromkeys(roles))
    needed_scopes = tuple(dict.fromkeys(scopes))

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.is_admin:
            return principal
        if needed_roles and not (set(needed_roles) & principal.roles):
            _log.info("auth.forbidden", missing="role")
            raise Refusal(ROLE_REQUIRED)
        if not all(s in principal.scopes for s in needed_scopes):
            _log.info("auth.forbidden", missing="scope")
            raise Refusal(SCOPE_REQUIRED)
        return principal

    refusals = (ROLE_REQUIRED,) * bool(needed_roles) + (SCOPE_REQUIRED,) * bool(needed_scopes)
    setattr(dependency, REFUSALS_ATTRIBUTE, refusals)
    setattr(dependency, ROLES_ATTRIBUTE, needed_roles)
    setattr(dependency, SCOPES_ATTRIBUTE, needed_scopes)
    return dependency
