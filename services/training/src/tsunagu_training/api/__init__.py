"""The training service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import learners, reports

ROUTERS: tuple[APIRouter, ...] = (learners.router, reports.router)

# -- sessions --
from . import sessions  # noqa: E402  (appended per area, so that merges stay mechanical)

ROUTERS += (sessions.router,)
# -- video --
from . import video  # noqa: E402  (appended per area, so that merges stay mechanical)

ROUTERS += (video.router,)
# -- certificates --
from . import certificates, verification  # noqa: E402  (one block per area)

ROUTERS += (certificates.router, verification.router)
