"""The partners service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import partners
from . import referrals as referrals_api

ROUTERS: tuple[APIRouter, ...] = (partners.router,)
ROUTERS += (referrals_api.router,)
