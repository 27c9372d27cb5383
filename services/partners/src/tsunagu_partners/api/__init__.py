"""The partners service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import directory, network, partners, public, resources

ROUTERS: tuple[APIRouter, ...] = (
    partners.router,
    resources.router,
    network.router,
    directory.router,
    public.router,
)
