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
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from ..adapters.tables import Appointment, Meeting, ProgrammeSession, Resource
from ..domain import rules
from ..domain.codes import AppointmentStatus, ResourceKind
from ..domain.ics import CalendarEntry, render_calendar
from .context import SchedulingContext
from .errors import refuse

PAST = timedelta(days=31)
FUTURE = timedelta(days=366)

APPOINTMENT_TITLES = {
    "in_person": "来所相談 In-person consultation",
    "online": "オンライン相談 Online consultation",
    "home_visit": "訪問相談 Home visit",
}
SESSION_TITLES = {
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


def token_for(ctx: SchedulingContext, resource_id: str) -> str:
    if ctx.feed_key is None:
        refuse(rules.FEEDS_DISABLED)
    return feed_token(ctx.feed_key, resource_id)


def check_token(ctx: SchedulingContext, resource_id: str, token: str) -> None:
    if ctx.feed_key is None:
        refuse(rules.FEEDS_DISABLED)
    if not hmac.compare_digest(feed_token(ctx.feed_key, resource_id), token):
        refuse(rules.FEED_TOKEN_INVALID)


def _ref(uid: str) -> str:
    return uid.split("-")[0]


def _entry(
    row: Appointment | ProgrammeSession | Meeting, titles: dict[str, str], *, stamp: datetime, **more: Any
) -> CalendarEntry:
    """The feed entry of a booking: its kind's title and a short reference, never a person."""
    return CalendarEntry(
        uid=f"{row.id}@tsunagu",
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        summary=f"{titles.get(row.kind, row.kind)} [{_ref(row.id)}]",
        stamp=stamp,
        categories=(row.kind,),
        **more,
    )


def _room_entries(
    session: Session,
    table: type[ProgrammeSession] | type[Meeting],
    titles: dict[str, str],
    room_id: str,
    start: datetime,
    end: datetime,
) -> list[CalendarEntry]:
    """The sessions or meetings held in a room that start in ``[start, end)``."""
    rows = session.exec(
        select(table).where(table.room_id == room_id, table.starts_at >= start, table.starts_at < end)
    ).all()
    return [_entry(row, titles, stamp=row.created_at) for row in rows]


def feed(ctx: SchedulingContext, resource_id: str) -> str:
    """The ``text/calendar`` document of a staff member's or a room's bookings (a year ahead)."""
    now = ctx.now()
    start, end = now - PAST, now + FUTURE
    with ctx.reading() as uow:
        resource = uow.session.get(Resource, resource_id)
        if resource is None:
            refuse(rules.STAFF_NOT_FOUND)
        is_room = resource.kind == ResourceKind.ROOM
        holder = (
            Appointment.room_id == resource_id
            if is_room
            else sa.or_(Appointment.staff_id == resource_id, Appointment.second_staff_id == resource_id)
        )
        appointments = uow.session.exec(
            select(Appointment).where(holder, Appointment.starts_at >= start, Appointment.starts_at < end)
        ).all()
        entries = [
            _entry(
                a,
                APPOINTMENT_TITLES,
                stamp=a.updated_at,
                status="CANCELLED" if a.status == AppointmentStatus.CANCELLED else "CONFIRMED",
                sequence=a.sequence,
            )
            for a in appointments
        ]
        if is_room:
            entries += _room_entries(uow.session, ProgrammeSession, SESSION_TITLES, resource_id, start, end)
            entries += _room_entries(uow.session, Meeting, MEETING_TITLES, resource_id, start, end)
    return render_calendar(f"Tsunagu {resource.kind} {resource.label}", entries)
