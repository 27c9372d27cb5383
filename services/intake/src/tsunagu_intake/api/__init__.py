"""The intake service's HTTP API (FastAPI routers, mounted by the kit's app factory)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from . import cases, consultations, escalations, home_visits, persons, reference, statistics, web

    return [
        consultations.router,
        cases.router,
        escalations.router,
        persons.router,
        home_visits.router,
        statistics.router,
        reference.router,
        web.router,
    ]
