"""Calendars out: an iCalendar feed per staff member and per room.

Calendar programs subscribe to a URL and cannot send bearer tokens, so each resource also has a
private link: ``?token=`` carries an HMAC of the resource id under the feed key. Query strings are
stripped from spans and never logged (ADR 0004). Summaries name the kind and a short reference,
never a person.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from tsunagu_servicekit.errors import refuse

from ..adapters import appointments, group_sessions, meetings, resources
from ..adapters.tables import Appointment, GroupSession, Meeting
from ..domain import rules
from ..domain.codes import AppointmentStatus, ResourceKind
from ..domain.ics import CalendarEntry, render_calendar
from .context import SchedulingContext
from .views import FeedLinkView

PAST = timedelta(days=31)
FUTURE = timedelta(days=366)

APPOINTMENT_TITLES = {
    "in_person": "来所相談 In-person consultation",
    "online": "オンライン相談 Online consultation",
    "home_visit": "訪問相談 Home visit",
}
GROUP_SESSION_TITLES = {
    "peer_online": "ピアオンライン相談 Peer online session",
    "family_seminar": "家族セミナー Family seminar",
    "individual_consultation": "個別相談会 Individual consultation session",
    "joint_briefing": "合同説明相談会 Joint briefing session",
    "lecture": "講演会 Lecture",
}
MEETING_TITLES = {
    "case_review": "多職種専門チーム事例検討 Case review meeting",
    "supporter_exchange": "支援者交流会 Supporter exchange meeting",
    "council": "支援協議会 Council meeting",
}


def feed_token(key: bytes, resource_id: str) -> str:
    digest = hmac.new(key, f"ics:{resource_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def link(ctx: SchedulingContext, resource_id: str) -> FeedLinkView:
    """The private feed link of a staff member or room, to paste into a calendar program."""
    if ctx.feed_key is None:
        refuse(rules.FEEDS_DISABLED)
    return FeedLinkView(path=f"/calendars/{resource_id}.ics?token={feed_token(ctx.feed_key, resource_id)}")


def check_token(ctx: SchedulingContext, resource_id: str, token: str) -> None:
    """Refuse a private link's token that is not the one of ``resource_id``."""
    if ctx.feed_key is None:
        refuse(rules.FEEDS_DISABLED)
    if not hmac.compare_digest(feed_token(ctx.feed_key, resource_id), token):
        refuse(rules.FEED_TOKEN_INVALID)


def _ref(uid: str) -> str:
    return uid.split("-")[0]


def _entry(
    row: Appointment | GroupSession | Meeting,
    titles: dict[str, str],
    *,
    stamp: datetime,
    status: str = "CONFIRMED",
    sequence: int = 0,
) -> CalendarEntry:
    """The feed entry of a booking: its kind's title and a short reference, never a person."""
    return CalendarEntry(
        uid=f"{row.id}@tsunagu",
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        summary=f"{titles.get(row.kind, row.kind)} [{_ref(row.id)}]",
        stamp=stamp,
        status=status,
        sequence=sequence,
        categories=(row.kind,),
    )


def _appointment_entry(appointment: Appointment) -> CalendarEntry:
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    return _entry(
        appointment,
        APPOINTMENT_TITLES,
        stamp=appointment.updated_at,
        status="CANCELLED" if cancelled else "CONFIRMED",
        sequence=appointment.sequence,
    )


def feed(ctx: SchedulingContext, resource_id: str) -> str:
    """The ``text/calendar`` document of a staff member's or a room's bookings (a year ahead)."""
    now = ctx.now()
    start, end = now - PAST, now + FUTURE
    with ctx.reading() as uow:
        resource = resources.get(uow.session, resource_id)
        if resource is None:
            refuse(rules.STAFF_NOT_FOUND)
        is_room = resource.kind == ResourceKind.ROOM
        held = appointments.of_resource(uow.session, resource_id, room=is_room, start=start, end=end)
        entries = [_appointment_entry(a) for a in held]
        if is_room:
            entries += [
                _entry(g, GROUP_SESSION_TITLES, stamp=g.created_at)
                for g in group_sessions.in_room(uow.session, resource_id, start, end)
            ]
            entries += [
                _entry(m, MEETING_TITLES, stamp=m.created_at)
                for m in meetings.in_room(uow.session, resource_id, start, end)
            ]
    return render_calendar(f"Tsunagu {resource.kind} {resource.label}", entries)
