"""The network with the 62 municipalities (地域連携ネットワーク): each municipality's consultation
windows, its network status, and its information-exchange meetings with the Support Net.

Contacts and participants are people: their names, like the topics' texts and the follow-ups, stay
here. ``NetworkMeetingRecorded`` carries the meeting's id, the municipality's code, the date and the
number of follow-ups.
"""

from __future__ import annotations

from collections.abc import Sequence

from tsunagu_contracts.events.partners import NetworkMeetingRecorded, ResourceKind
from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal

from ..adapters import network, resources
from ..adapters import subsidy as subsidy_store
from ..adapters.tables import FollowUpRow, NetworkMeetingRow, NetworkStatusRow
from ..domain import rules
from ..domain.network import SupportBase, follow_up_done_refusal, meeting_refusal
from ..domain.resources import municipality_refusal
from ..domain.subsidy import latest_status, of_each_year, years_used
from .commands import CompleteFollowUp, RecordMeeting, SetNetworkStatus
from .context import PartnersContext
from .resources import actor_of, check, resource_view, tokyo_today
from .subsidy import year_views
from .views import (
    FollowUpView,
    MeetingView,
    MunicipalityNetworkView,
    NetworkContactView,
    NetworkOverviewRow,
    NetworkStatusView,
    ParticipantView,
    TopicView,
)


def _status_view(row: NetworkStatusRow | None) -> NetworkStatusView | None:
    if row is None:
        return None
    return NetworkStatusView(
        council_established=row.council_established,
        support_base=SupportBase(row.support_base),
        contacts=[NetworkContactView.model_validate(contact) for contact in row.contacts],
        updated_at=row.updated_at,
    )


def _meeting_view(row: NetworkMeetingRow, follow_ups: Sequence[FollowUpRow]) -> MeetingView:
    return MeetingView(
        id=row.id,
        municipality_code=row.municipality_code,
        held_on=row.held_on,
        participants=[ParticipantView.model_validate(p) for p in row.participants],
        topics=[TopicView.model_validate(t) for t in row.topics],
        follow_ups=[FollowUpView.model_validate(f) for f in follow_ups],
        recorded_at=row.recorded_at,
    )


def municipality_network(ctx: PartnersContext, principal: Principal, code: str) -> MunicipalityNetworkView:
    """One municipality's windows, status, latest meeting, open follow-ups and start-up subsidy by
    fiscal year; municipality staff read their own municipality's only."""
    check(municipality_refusal(actor_of(principal), code))
    municipality = tokyo_municipalities().get(code)
    assert municipality is not None  # the route takes only the 62 codes
    now = ctx.now()
    with ctx.reading() as uow:
        windows = resources.resources_where(uow, municipality_code=code, kind=ResourceKind.MUNICIPAL_WINDOW)
        return MunicipalityNetworkView(
            municipality_code=code,
            name_ja=municipality.name_ja,
            name_en=municipality.name_en,
            windows=[resource_view(row, now) for row in windows],
            status=_status_view(network.find_status(uow, code)),
            last_meeting_on=network.last_meetings(uow).get(code),
            open_follow_ups=network.open_follow_up_counts(uow).get(code, 0),
            subsidy=year_views(of_each_year(subsidy_store.applications_of(uow, code))),
        )


def network_overview(ctx: PartnersContext) -> list[NetworkOverviewRow]:
    """All 62 municipalities, in code order, with what the network knows of each."""
    with ctx.reading() as uow:
        statuses = network.all_statuses(uow)
        windows = network.window_counts(uow)
        last = network.last_meetings(uow)
        open_counts = network.open_follow_up_counts(uow)
        applications = subsidy_store.all_applications(uow)
    rows: list[NetworkOverviewRow] = []
    for municipality in tokyo_municipalities():
        status = statuses.get(municipality.code)
        subsidy = of_each_year(applications.get(municipality.code, []))
        rows.append(
            NetworkOverviewRow(
                municipality_code=municipality.code,
                name_ja=municipality.name_ja,
                name_en=municipality.name_en,
                council_established=None if status is None else status.council_established,
                support_base=None if status is None else SupportBase(status.support_base),
                window_count=windows.get(municipality.code, 0),
                last_meeting_on=last.get(municipality.code),
                open_follow_ups=open_counts.get(municipality.code, 0),
                subsidy_years_used=years_used(subsidy),
                subsidy_status=latest_status(subsidy),
            )
        )
    return rows


def set_status(
    ctx: PartnersContext, principal: Principal, code: str, command: SetNetworkStatus
) -> NetworkStatusView:
    """Record a municipality's network status as it stands (no event: its contacts are people,
    and nobody else needs the rest yet)."""
    check(municipality_refusal(actor_of(principal), code))
    with ctx.uow() as uow:
        row = network.find_status(uow, code)
        contacts = [contact.model_dump() for contact in command.contacts]
        if row is None:
            row = NetworkStatusRow(
                municipality_code=code,
                council_established=command.council_established,
                support_base=command.support_base.value,
                contacts=contacts,
                updated_at=ctx.now(),
            )
        else:
            row.council_established = command.council_established
            row.support_base = command.support_base.value
            row.contacts = contacts
            row.updated_at = ctx.now()
        network.save_status(uow, row)
        uow.commit()
        view = _status_view(row)
        assert view is not None
        return view


def record_meeting(ctx: PartnersContext, code: str, command: RecordMeeting) -> MeetingView:
    """Record an information-exchange meeting with its follow-ups, and announce it."""
    check(
        meeting_refusal(
            command.held_on,
            [f.due_on for f in command.follow_ups],
            [f.done_on for f in command.follow_ups if f.done_on is not None],
            tokyo_today(ctx),
        )
    )
    now = ctx.now()
    meeting = NetworkMeetingRow(
        id=ctx.new_id(),
        municipality_code=code,
        held_on=command.held_on,
        participants=[p.model_dump(mode="json") for p in command.participants],
        topics=[t.model_dump(mode="json") for t in command.topics],
        recorded_at=now,
    )
    follow_ups = [
        FollowUpRow(
            id=ctx.new_id(),
            meeting_id=meeting.id,
            position=position,
            action=f.action,
            owner=f.owner,
            due_on=f.due_on,
            done_on=f.done_on,
        )
        for position, f in enumerate(command.follow_ups)
    ]
    with ctx.uow() as uow:
        network.add_meeting(uow, meeting, follow_ups)
        uow.emit(
            NetworkMeetingRecorded(
                meeting_id=meeting.id,
                municipality_code=code,
                held_on=meeting.held_on,
                follow_up_count=len(follow_ups),
                recorded_at=now,
            ),
            subject=meeting.id,
        )
        uow.commit()
        return _meeting_view(meeting, follow_ups)


def meetings(ctx: PartnersContext, principal: Principal, code: str) -> list[MeetingView]:
    """A municipality's meeting log, latest first; municipality staff read their own only."""
    check(municipality_refusal(actor_of(principal), code))
    with ctx.reading() as uow:
        rows = network.meetings_of(uow, code)
        follow_ups = network.follow_ups_of(uow, [row.id for row in rows])
        return [_meeting_view(row, follow_ups[row.id]) for row in rows]


def complete_follow_up(
    ctx: PartnersContext, code: str, meeting_id: str, follow_up_id: str, command: CompleteFollowUp
) -> MeetingView:
    """Mark a follow-up done (on or after its meeting, not in the future)."""
    with ctx.uow() as uow:
        meeting = network.find_meeting(uow, meeting_id)
        if meeting is None or meeting.municipality_code != code:
            refuse(rules.MEETING_NOT_FOUND)
        follow_up = network.find_follow_up(uow, follow_up_id)
        if follow_up is None or follow_up.meeting_id != meeting.id:
            refuse(rules.FOLLOW_UP_NOT_FOUND)
        check(follow_up_done_refusal(meeting.held_on, [command.done_on], tokyo_today(ctx)))
        follow_up.done_on = command.done_on
        network.save_follow_up(uow, follow_up)
        uow.commit()
        return _meeting_view(meeting, network.follow_ups_of(uow, [meeting.id])[meeting.id])
