"""Login tokens of web users (people using web consultation), issued by intake itself.

People who consult are not staff and have no account at the programme's identity provider: they
log in with their user number and password, and get a short-lived HS256 token whose subject is
their pseudonymous person id. The signing key is derived from the vault's master key, and the
audience is intake's own, so a web user's token is never accepted as a staff token (nor the
other way round). While a master key rotation is under way, tokens signed with a key derived from
a retired master key are still accepted, so nobody is logged out by it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from tsunagu_servicekit.http import AuthError

ISSUER = "tsunagu-intake"
AUDIENCE = "tsunagu-intake-web"
ROLE = "web_user"


@dataclass(frozen=True, slots=True)
class WebUser:
    """The person behind a web token."""

    person_id: str


class WebLogins:
    """Issues and verifies web users' login tokens."""

    def __init__(
        self,
        key: bytes,
        *,
        ttl_seconds: int = 1800,
        leeway_seconds: float = 30.0,
        accepted_keys: Sequence[bytes] = (),
    ) -> None:
        """``key`` signs (and verifies); ``accepted_keys`` only verify (those of retired master keys)."""
        self._key = key
        self._verify_keys = [key, *(k for k in accepted_keys if k != key)]
        self.ttl_seconds = ttl_seconds
        self.leeway_seconds = leeway_seconds

    def issue(self, person_id: str) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": person_id,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl_seconds,
            "jti": str(uuid.uuid4()),
            "role": ROLE,
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify(self, token: str) -> WebUser:
        claims = self._decode(token)
        if claims.get("role") != ROLE or not isinstance(claims.get("sub"), str):
            raise AuthError(reason="invalid_web_token")
        return WebUser(person_id=claims["sub"])

    def _decode(self, token: str) -> dict[str, Any]:
        for key in self._verify_keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=["HS256"],
                    audience=AUDIENCE,
                    issuer=ISSUER,
                    leeway=self.leeway_seconds,
                    options={"require": ["exp", "iss", "aud", "sub"]},
                )
            except jwt.InvalidSignatureError:
                continue  # perhaps signed with a retired master key's
            except jwt.ExpiredSignatureError:
                raise AuthError("The login has expired.", reason="expired") from None
            except jwt.PyJWTError:
                raise AuthError(reason="invalid_web_token") from None
            return claims
        raise AuthError(reason="invalid_web_token")
