"""The intake service's HTTP API: module-level routers, mounted by the kit's runtime."""

from __future__ import annotations

from fastapi import APIRouter
from tsunagu_servicekit.mail import MailTopic, preferences_router

from ..adapters.mail import ESCALATION_URGENT, OFFICE, REPLY_OVERDUE
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

OFFICE_MAIL_TOPICS = [
    MailTopic(REPLY_OVERDUE, "返信期限を過ぎたメール相談のお知らせ"),
    MailTopic(ESCALATION_URGENT, "至急・即時対応のエスカレーションのお知らせ"),
]
"""The mail intake sends to staff. It goes to the office's shared mailbox, not to anyone's own:
so its preferences are the office mailbox's, kept by supervisors (who can also turn on again what
a click on a mail's unsubscribe link turned off)."""

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
    preferences_router(
        OFFICE_MAIL_TOPICS,
        recipient=lambda _: OFFICE,
        roles=("supervisor",),
        path="/mail/office-preferences",
        summary_whose="the office mailbox's",
    ),
]

__all__ = ["PAGES", "ROUTERS"]
