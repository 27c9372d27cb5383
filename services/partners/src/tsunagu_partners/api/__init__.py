"""The partners service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import agreements, directory, network, offerings, partners, public, referrals, resources, sessions

ROUTERS: tuple[APIRouter, ...] = (
    partners.router,
    agreements.router,
    offerings.router,
    resources.router,
    network.router,
    referrals.router,
    directory.router,
    public.router,
    sessions.router,
)
