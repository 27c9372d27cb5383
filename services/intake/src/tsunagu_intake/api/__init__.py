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
    persons,
    reference,
    statistics,
    web,
)

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
]
