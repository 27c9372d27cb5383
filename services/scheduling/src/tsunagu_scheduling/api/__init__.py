"""The scheduling service's HTTP API: one router per resource, mounted by the runtime."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    appointments,
    calendars,
    exports,
    group_sessions,
    home_visits,
    meetings,
    resources,
    reviews,
    session_partners,
)

ROUTERS: list[APIRouter] = [
    resources.router,
    appointments.router,
    home_visits.router,
    group_sessions.router,
    meetings.router,
    reviews.router,
    calendars.router,
    session_partners.router,
    exports.router,
]
