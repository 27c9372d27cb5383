"""The intake service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    cases,
    consultations,
    disclosures,
    escalations,
    exports,
    home_visits,
    pages,
    persons,
    reference,
    statistics,
    web,
)
from .pages import PAGES

ROUTERS: list[APIRouter] = [
    consultations.router,
    cases.router,
    escalations.router,
    persons.router,
    home_visits.router,
    statistics.router,
    exports.router,
    reference.router,
    web.router,
    disclosures.router,
    pages.router,
]

__all__ = ["PAGES", "ROUTERS"]
