"""The network with the 62 municipalities over HTTP: windows, status, meetings and follow-ups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.http.openapi import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain import rules
from ..handlers import network
from ..handlers.commands import CompleteFollowUp, RecordMeeting, SetNetworkStatus
from ..handlers.views import MeetingView, MunicipalityNetworkView, NetworkOverviewRow, NetworkStatusView
from .deps import Ctx, DirectoryStaff, FollowUpId, MeetingId, NetworkKeeper, Reader

router = APIRouter(prefix="/municipalities", tags=["municipal network"])

Code = Annotated[TokyoCode, Path(description="The municipality's local government code")]


@router.get("/network")
def overview(ctx: Ctx, _: Reader) -> list[NetworkOverviewRow]:
    """All 62 municipalities with their council, support base, windows, latest meeting, open
    follow-ups, and their start-up subsidy (years with a standing decision, the latest year's status)."""
    return network.network_overview(ctx)


@router.get("/{code}/network", responses=refusals(rules.OWN_MUNICIPALITY_ONLY))
def municipality(ctx: Ctx, actor: DirectoryStaff, code: Code) -> MunicipalityNetworkView:
    """One municipality in the network, with its start-up subsidy by fiscal year; municipality staff
    read their own only."""
    return network.municipality_network(ctx, actor, code)


@router.put("/{code}/network/status", responses=refusals(rules.OWN_MUNICIPALITY_ONLY))
def set_status(body: SetNetworkStatus, ctx: Ctx, actor: NetworkKeeper, code: Code) -> NetworkStatusView:
    """Record the municipality's network status; municipality staff keep their own only."""
    return network.set_status(ctx, actor, code, body)


@router.get("/{code}/meetings", responses=refusals(rules.OWN_MUNICIPALITY_ONLY))
def meetings(ctx: Ctx, actor: DirectoryStaff, code: Code) -> list[MeetingView]:
    """The municipality's meeting log, latest first; municipality staff read their own only."""
    return network.meetings(ctx, actor, code)


@router.post(
    "/{code}/meetings",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(rules.DATE_IN_FUTURE, rules.FOLLOW_UP_BEFORE_MEETING),
)
def record_meeting(body: RecordMeeting, ctx: Ctx, _: Reader, code: Code) -> MeetingView:
    """Record an information-exchange meeting between the Support Net and the municipality."""
    return network.record_meeting(ctx, code, body)


@router.post(
    f"/{{code}}/meetings/{{meeting_id:{ID}}}/follow-ups/{{follow_up_id:{ID}}}/done",
    responses=refusals(
        rules.MEETING_NOT_FOUND,
        rules.FOLLOW_UP_NOT_FOUND,
        rules.FOLLOW_UP_BEFORE_MEETING,
        rules.DATE_IN_FUTURE,
    ),
)
def complete_follow_up(
    body: CompleteFollowUp,
    ctx: Ctx,
    _: Reader,
    code: Code,
    meeting_id: MeetingId,
    follow_up_id: FollowUpId,
) -> MeetingView:
    """Mark a follow-up of the meeting done."""
    return network.complete_follow_up(ctx, code, meeting_id, follow_up_id, body)
