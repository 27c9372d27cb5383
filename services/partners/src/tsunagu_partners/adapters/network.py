"""Queries and writes of the network with the municipalities: status, meetings, follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select
from tsunagu_contracts.events.partners import ResourceKind
from tsunagu_servicekit.unit_of_work import UnitOfWork

from .tables import FollowUpRow, NetworkMeetingRow, NetworkStatusRow, ResourceRow


def find_status(uow: UnitOfWork, municipality_code: str) -> NetworkStatusRow | None:
    return uow.session.get(NetworkStatusRow, municipality_code)


def all_statuses(uow: UnitOfWork) -> dict[str, NetworkStatusRow]:
    return {row.municipality_code: row for row in uow.session.exec(select(NetworkStatusRow)).all()}


def save_status(uow: UnitOfWork, row: NetworkStatusRow) -> None:
    uow.session.add(row)


def window_counts(uow: UnitOfWork) -> dict[str, int]:
    """The number of consultation windows per municipality."""
    query = (
        select(ResourceRow.municipality_code, func.count())
        .where(ResourceRow.kind == ResourceKind.MUNICIPAL_WINDOW.value)
        .group_by(col(ResourceRow.municipality_code))
    )
    return {code: int(count) for code, count in uow.session.exec(query).all()}


def add_meeting(uow: UnitOfWork, meeting: NetworkMeetingRow, follow_ups: Sequence[FollowUpRow]) -> None:
    uow.session.add(meeting)
    # The meeting row goes first: the follow-ups refer to it.
    uow.session.flush()
    for row in follow_ups:
        uow.session.add(row)


def find_meeting(uow: UnitOfWork, meeting_id: str) -> NetworkMeetingRow | None:
    return uow.session.get(NetworkMeetingRow, meeting_id)


def meetings_of(uow: UnitOfWork, municipality_code: str) -> Sequence[NetworkMeetingRow]:
    """A municipality's meetings, latest first."""
    query = (
        select(NetworkMeetingRow)
        .where(NetworkMeetingRow.municipality_code == municipality_code)
        .order_by(col(NetworkMeetingRow.held_on).desc(), col(NetworkMeetingRow.recorded_at).desc())
    )
    return uow.session.exec(query).all()


def follow_ups_of(uow: UnitOfWork, meeting_ids: Sequence[str]) -> dict[str, list[FollowUpRow]]:
    """The follow-ups of the meetings, by meeting, in the order they were recorded."""
    found: dict[str, list[FollowUpRow]] = {meeting_id: [] for meeting_id in meeting_ids}
    if not meeting_ids:
        return found
    query = (
        select(FollowUpRow)
        .where(col(FollowUpRow.meeting_id).in_(meeting_ids))
        .order_by(col(FollowUpRow.meeting_id), col(FollowUpRow.position))
    )
    for row in uow.session.exec(query).all():
        found[row.meeting_id].append(row)
    return found


def find_follow_up(uow: UnitOfWork, follow_up_id: str) -> FollowUpRow | None:
    return uow.session.get(FollowUpRow, follow_up_id)


def save_follow_up(uow: UnitOfWork, row: FollowUpRow) -> None:
    uow.session.add(row)


def last_meetings(uow: UnitOfWork) -> dict[str, date]:
    """The date of each municipality's latest meeting."""
    query = select(NetworkMeetingRow.municipality_code, func.max(NetworkMeetingRow.held_on)).group_by(
        col(NetworkMeetingRow.municipality_code)
    )
    return {code: held_on for code, held_on in uow.session.exec(query).all()}


def open_follow_up_counts(uow: UnitOfWork) -> dict[str, int]:
    """The number of follow-ups not done yet, per municipality."""
    query = (
        select(NetworkMeetingRow.municipality_code, func.count())
        .join(FollowUpRow, col(FollowUpRow.meeting_id) == col(NetworkMeetingRow.id))
        .where(col(FollowUpRow.done_on).is_(None))
        .group_by(col(NetworkMeetingRow.municipality_code))
    )
    return {code: int(count) for code, count in uow.session.exec(query).all()}
