"""HTTP chassis: the FastAPI app factory, problem details, readiness checks and bearer-JWT auth."""

from tsunagu_servicekit.http.app import create_http_app
from tsunagu_servicekit.http.auth import (
    ROLES,
    STAFF_BEARER,
    Authenticator,
    AuthError,
    Principal,
    current_principal,
    require,
)
from tsunagu_servicekit.http.context import context_dependency
from tsunagu_servicekit.http.health import Readiness
from tsunagu_servicekit.http.openapi import documents_refusals, refusals
from tsunagu_servicekit.http.problems import PROBLEM_MEDIA_TYPE, problem_type

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "ROLES",
    "STAFF_BEARER",
    "AuthError",
    "Authenticator",
    "Principal",
    "Readiness",
    "context_dependency",
    "create_http_app",
    "current_principal",
    "documents_refusals",
    "problem_type",
    "refusals",
    "require",
]
