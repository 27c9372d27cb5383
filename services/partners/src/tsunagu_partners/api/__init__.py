"""The partners service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import network, partners, resources

ROUTERS: tuple[APIRouter, ...] = (partners.router, resources.router, network.router)
