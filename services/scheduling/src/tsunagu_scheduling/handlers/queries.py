"""Reads for the API: lists and single records, each in its own short transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel, select
from sqlmodel.sql.expression import SelectOfScalar

from ..adapters.tables import (
    Appointment,
    HomeVisit,
    Meeting,
    MeetingParticipant,
    ProgrammeSession,
    Registration,
    Resource,
    Review,
)
from ..domain import rules
from ..domain.codes import MeetingKind, RegistrationStatus
from .context import SchedulingContext
from .errors import refuse
from .reviews import on_agenda
from .sessions import waitlist_positions

MAX_ROWS = 500

Row = TypeVar("Row", bound=SQLModel)
Query = TypeVar("Query", bound=SelectOfScalar[Any])


def read_one(ctx: SchedulingContext, table: type[Row], key: str, missing: str) -> Row:
    """The row of ``table`` with primary key ``key``, read in its own transaction; refused with the
    rule ``missing`` (404) when there is none."""
    with ctx.reading() as uow:
        found = uow.session.get(table, key)
    if found is None:
        refuse(missing)
    return found


def _where_equal(query: Query, *conditions: tuple[Any, str | int | None]) -> Query:
    """Narrow ``query`` to rows whose column equals each given value; an absent value narrows nothing."""
    for column, value in conditions:
        if value:
            query = query.where(column == value)
    return query


def _starting_between(
    query: Query, column: Any, starts_from: datetime | None, starts_before: datetime | None
) -> Query:
    """Narrow ``query`` to rows starting in ``[starts_from, starts_before)`` (either end open)."""
    if starts_from:
        query = query.where(column >= starts_from)
    if starts_before:
        query = query.where(column < starts_before)
    return query


def resources(ctx: SchedulingContext, kind: str | None) -> list[Resource]:
    with ctx.reading() as uow:
        query = select(Resource).order_by(Resource.kind, Resource.label)
        if kind:
            query = query.where(Resource.kind == kind)
        return list(uow.session.exec(query.limit(MAX_ROWS)).all())


def appointment(ctx: SchedulingContext, appointment_id: str) -> Appointment:
    return read_one(ctx, Appointment, appointment_id, rules.APPOINTMENT_NOT_FOUND)


def appointments(
    ctx: SchedulingContext,
    *,
    person_id: str | None,
    resource_id: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
) -> list[Appointment]:
    with ctx.reading() as uow:
        query = select(Appointment).order_by(Appointment.starts_at)
        if person_id:
            query = query.where(Appointment.person_id == person_id)
        if resource_id:
            query = query.where(
                sa.or_(
                    Appointment.staff_id == resource_id,
                    Appointment.second_staff_id == resource_id,
                    Appointment.room_id == resource_id,
                )
            )
        query = _starting_between(query, Appointment.starts_at, starts_from, starts_before)
        return list(uow.session.exec(query.limit(MAX_ROWS)).all())


def visit(ctx: SchedulingContext, visit_id: str) -> HomeVisit:
    return read_one(ctx, HomeVisit, visit_id, rules.VISIT_NOT_FOUND)


def visits(
    ctx: SchedulingContext,
    *,
    status: str | None,
    municipality_code: str | None,
    person_id: str | None,
    request_id: str | None,
) -> list[HomeVisit]:
    with ctx.reading() as uow:
        query = _where_equal(
            select(HomeVisit).order_by(HomeVisit.created_at, HomeVisit.id),
            (HomeVisit.status, status),
            (HomeVisit.municipality_code, municipality_code),
            (HomeVisit.person_id, person_id),
            (HomeVisit.request_id, request_id),
        )
        return list(uow.session.exec(query.limit(MAX_ROWS)).all())


def _session_counts(uow: Any, session_ids: list[str]) -> dict[str, dict[str, int]]:
    if not session_ids:
        return {}
    rows = uow.session.execute(
        sa.select(Registration.session_id, Registration.status, sa.func.count())
        .where(Registration.session_id.in_(session_ids))  # type: ignore[attr-defined]
        .group_by(Registration.session_id, Registration.status)
    ).all()
    out: dict[str, dict[str, int]] = {}
    for session_id, status, n in rows:
        out.setdefault(session_id, {})[status] = int(n)
    return out


def sessions(
    ctx: SchedulingContext, *, kind: str | None, starts_from: datetime | None, starts_before: datetime | None
) -> list[tuple[ProgrammeSession, dict[str, int]]]:
    with ctx.reading() as uow:
        query = select(ProgrammeSession).order_by(ProgrammeSession.starts_at)
        if kind:
            query = query.where(ProgrammeSession.kind == kind)
        query = _starting_between(query, ProgrammeSession.starts_at, starts_from, starts_before)
        rows = list(uow.session.exec(query.limit(MAX_ROWS)).all())
        counts = _session_counts(uow, [r.id for r in rows])
    return [(r, counts.get(r.id, {})) for r in rows]


def session(ctx: SchedulingContext, session_id: str) -> tuple[ProgrammeSession, dict[str, int]]:
    with ctx.reading() as uow:
        row = uow.session.get(ProgrammeSession, session_id)
        if row is None:
            refuse(rules.SESSION_NOT_FOUND)
        return row, _session_counts(uow, [row.id]).get(row.id, {})


def registrations(ctx: SchedulingContext, session_id: str) -> list[tuple[Registration, int | None]]:
    with ctx.reading() as uow:
        if uow.session.get(ProgrammeSession, session_id) is None:
            refuse(rules.SESSION_NOT_FOUND)
        rows = uow.session.exec(
            select(Registration).where(Registration.session_id == session_id).order_by(Registration.id)
        ).all()
        positions = waitlist_positions(uow, session_id)
    return [(r, positions.get(r.id) if r.status == RegistrationStatus.WAITLISTED else None) for r in rows]


def meetings(
    ctx: SchedulingContext, *, kind: str | None, fiscal_year: int | None
) -> list[tuple[Meeting, int]]:
    with ctx.reading() as uow:
        query = _where_equal(
            select(Meeting).order_by(Meeting.starts_at, Meeting.kind),
            (Meeting.kind, kind),
            (Meeting.fiscal_year, fiscal_year),
        )
        rows = list(uow.session.exec(query.limit(MAX_ROWS)).all())
        used = dict(
            uow.session.execute(
                sa.select(Review.meeting_id, sa.func.count())  # type: ignore[arg-type]
                .where(on_agenda())
                .group_by(Review.meeting_id)
            ).all()
        )
    return [(m, int(used.get(m.id, 0))) for m in rows]


def meeting(
    ctx: SchedulingContext, meeting_id: str
) -> tuple[Meeting, list[Review], list[MeetingParticipant]]:
    with ctx.reading() as uow:
        found = uow.session.get(Meeting, meeting_id)
        if found is None:
            refuse(rules.MEETING_NOT_FOUND)
        items: list[Review] = []
        participants: list[MeetingParticipant] = []
        if found.kind == MeetingKind.CASE_REVIEW:
            items = list(
                uow.session.exec(
                    select(Review).where(Review.meeting_id == meeting_id).order_by(Review.position)
                ).all()
            )
        else:
            participants = list(
                uow.session.exec(
                    select(MeetingParticipant).where(MeetingParticipant.meeting_id == meeting_id)
                ).all()
            )
    return found, items, participants


def review(ctx: SchedulingContext, review_id: str) -> Review:
    return read_one(ctx, Review, review_id, rules.REVIEW_NOT_FOUND)


def reviews(
    ctx: SchedulingContext, *, case_id: str | None, status: str | None, escalation_id: str | None
) -> list[Review]:
    with ctx.reading() as uow:
        query = _where_equal(
            select(Review).order_by(Review.created_at, Review.id),
            (Review.case_id, case_id),
            (Review.status, status),
            (Review.escalation_id, escalation_id),
        )
        return list(uow.session.exec(query.limit(MAX_ROWS)).all())
