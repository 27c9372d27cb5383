"""HTTP chassis: the FastAPI app factory, readiness checks and bearer-JWT auth."""

from tsunagu_servicekit.http.app import create_http_app
from tsunagu_servicekit.http.auth import (
    ROLES,
    Authenticator,
    AuthError,
    Principal,
    current_principal,
    require,
)
from tsunagu_servicekit.http.context import context_dependency
from tsunagu_servicekit.http.health import Readiness

__all__ = [
    "ROLES",
    "AuthError",
    "Authenticator",
    "Principal",
    "Readiness",
    "context_dependency",
    "create_http_app",
    "current_principal",
    "require",
]
