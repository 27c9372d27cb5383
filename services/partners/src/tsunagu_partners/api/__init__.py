"""The partners service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import agreements, offerings, partners

ROUTERS: tuple[APIRouter, ...] = (partners.router, agreements.router, offerings.router)
