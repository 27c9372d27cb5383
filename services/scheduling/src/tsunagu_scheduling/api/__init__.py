"""The scheduling service's HTTP API (FastAPI routers, each built around the use-case context)."""

from __future__ import annotations

from fastapi import APIRouter

from ..handlers.context import SchedulingContext
from . import appointments, calendars, home_visits, meetings, resources, reviews, sessions


def routers(ctx: SchedulingContext) -> list[APIRouter]:
    return [
        resources.router(ctx),
        appointments.router(ctx),
        home_visits.router(ctx),
        sessions.router(ctx),
        meetings.router(ctx),
        reviews.router(ctx),
        calendars.router(ctx),
    ]
