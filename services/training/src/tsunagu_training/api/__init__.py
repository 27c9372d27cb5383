"""The training service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import learners, reports

ROUTERS: tuple[APIRouter, ...] = (learners.router, reports.router)

# -- certificates --
from . import certificates, verification  # noqa: E402  (one block per area)

ROUTERS += (certificates.router, verification.router)
