"""The scheduling service's HTTP API: one router per resource, mounted by the runtime."""

from __future__ import annotations

from fastapi import APIRouter
from tsunagu_servicekit.mail import MailTopic, preferences_router

from ..domain.reminder_mail import APPOINTMENT_REMINDER, APPOINTMENT_REMINDER_LABEL
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
    staff_directory,
)

MAIL_TOPICS = [MailTopic(APPOINTMENT_REMINDER, APPOINTMENT_REMINDER_LABEL)]
"""The mail scheduling sends to staff, each of whom turns it on or off at ``/mail/preferences``."""

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
    staff_directory.router,
    preferences_router(MAIL_TOPICS),
]
