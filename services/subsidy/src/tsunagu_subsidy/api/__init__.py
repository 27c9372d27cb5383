"""The subsidy service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import applications, municipalities, reports

ROUTERS: tuple[APIRouter, ...] = (applications.router, municipalities.router, reports.router)
