"""What every booking shares: the person and case it is for, the calendar check, resources and their
availability, claims, reminders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import claims, known, reminders, resources
from ..adapters.availability import available_windows
from ..adapters.tables import Resource
from ..domain import rules
from ..domain.availability import Window, covers
from ..domain.codes import ResourceKind
from ..domain.known import booking_refusal
from ..domain.reminders import reminder_due_at
from ..domain.slots import Span, booking_problem
from .context import SchedulingContext

_CLASH_RULES = {
    claims.PERSON: rules.PERSON_DOUBLE_BOOKED,
    claims.STAFF: rules.STAFF_DOUBLE_BOOKED,
    claims.ROOM: rules.ROOM_DOUBLE_BOOKED,
}


def check_bookable(session: Session, person_id: str, case_id: str | None) -> None:
    """Refuse a person or case intake has not announced (yet), an erased person, or a case of
    another person (``domain.known``)."""
    problem = booking_refusal(person_id, case_id, known.what_is_known(session, person_id, case_id))
    if problem is not None:
        refuse(problem)


def check_time(ctx: SchedulingContext, channel: str, span: Span, *, max_minutes: int) -> None:
    """Refuse a time in the past, off the grid, or when the channel is closed (holiday, closure, hours)."""
    problem = booking_problem(ctx.calendar, channel, span, now=ctx.now(), max_minutes=max_minutes)
    if problem is not None:
        refuse(problem)


def load_room(session: Session, room_id: str) -> Resource:
    room = resources.get(session, room_id)
    if room is None or room.kind != ResourceKind.ROOM:
        refuse(rules.ROOM_NOT_FOUND)
    if not room.active:
        refuse(rules.RESOURCE_INACTIVE)
    return room


def load_staff(session: Session, staff_id: str, kinds: Sequence[ResourceKind] | None = None) -> Resource:
    staff = resources.get(session, staff_id)
    if staff is None or not ResourceKind(staff.kind).is_staff:
        refuse(rules.STAFF_NOT_FOUND)
    if not staff.active:
        refuse(rules.RESOURCE_INACTIVE)
    if kinds is not None and ResourceKind(staff.kind) not in kinds:
        refuse(rules.WRONG_RESOURCE_KIND)
    return staff


def channel_windows(ctx: SchedulingContext, channel: str, span: Span) -> list[Window]:
    start, _ = span.in_tokyo()
    out = []
    for interval in ctx.calendar.opening_intervals(channel, start.date()):
        closes = 24 * 60 if interval.closes is None else interval.closes.hour * 60 + interval.closes.minute
        out.append((interval.opens.hour * 60 + interval.opens.minute, closes))
    return out


def check_available(
    ctx: SchedulingContext, session: Session, resource: Resource, channel: str, span: Span
) -> None:
    """Refuse when the resource's weekly pattern and exceptions do not cover the whole span."""
    start, end = span.in_tokyo()
    windows = available_windows(session, resource.id, start.date(), channel_windows(ctx, channel, span))
    end_minute = 24 * 60 if end.date() != start.date() else end.hour * 60 + end.minute
    if not covers(windows, start.hour * 60 + start.minute, end_minute):
        refuse(rules.ROOM_UNAVAILABLE if resource.kind == ResourceKind.ROOM else rules.STAFF_UNAVAILABLE)


def hold(
    uow: UnitOfWork, holder_kind: str, holder_id: str, claimants: Sequence[claims.Claimant], span: Span
) -> None:
    """Claim the slots; when one is taken, roll back and refuse naming who was double booked (409)."""
    if not claims.claim(uow.session, holder_kind, holder_id, claimants, span):
        uow.rollback()
        clash = claims.clashing_kind(uow.session, claimants, span, ignore_holder=holder_id)
        refuse(_CLASH_RULES.get(clash or "", rules.SLOT_TAKEN))


def set_reminder(ctx: SchedulingContext, session: Session, appointment_id: str, span: Span) -> None:
    """(Re)arm the appointment's durable reminder; none when it starts too soon to matter."""
    due = reminder_due_at(span.start, ctx.reminder_lead, ctx.now())
    if due is None:
        reminders.drop(session, appointment_id)
    else:
        reminders.arm(session, appointment_id, due)
