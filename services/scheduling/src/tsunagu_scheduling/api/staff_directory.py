"""The staff directory: who a token's ``sub`` is, and where their mail goes (managers only: it
holds staff's names and addresses)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import staff_directory
from ..handlers.commands import PutStaffMember, StaffSubject
from ..handlers.views import StaffMemberView
from .deps import Ctx, Manager

router = APIRouter(prefix="/staff-directory", tags=["staff directory"])

SubjectPath = Annotated[StaffSubject, Path(description="The `sub` of the staff member's token")]


@router.get("")
def list_staff(
    ctx: Ctx,
    _: Manager,
    active: Annotated[bool | None, Query(description="Only active, or inactive, entries")] = None,
) -> list[StaffMemberView]:
    """Every entry, by display name."""
    return staff_directory.listing(ctx, active)


@router.get("/{subject}", responses=refusals(rules.STAFF_MEMBER_NOT_FOUND))
def get_staff(ctx: Ctx, subject: SubjectPath, _: Manager) -> StaffMemberView:
    return staff_directory.get(ctx, subject)


@router.put("/{subject}", responses=refusals(rules.STAFF_NAME_INVALID, rules.STAFF_EMAIL_INVALID))
def put_staff(ctx: Ctx, subject: SubjectPath, body: PutStaffMember, _: Manager) -> StaffMemberView:
    """Create or replace the entry of a staff member. ``active: false`` keeps the entry and stops
    their mail (it is settled unsent, and counted); mail goes to the address the entry has when
    it is sent, not when it was queued."""
    return staff_directory.put(ctx, subject, body)
