"""The staff directory: managers say who a token's ``sub`` is and where their mail goes.

Entries are staff's own data: nothing of them is emitted as an event or written to a log (a
refusal names the rule, never the value).
"""

from __future__ import annotations

from tsunagu_servicekit.errors import refuse

from ..adapters import staff_directory
from ..adapters.tables import StaffMember
from ..domain import rules
from ..domain.staff import normalise_address, normalise_name
from .commands import PutStaffMember
from .context import SchedulingContext
from .views import StaffMemberView


def put(ctx: SchedulingContext, subject: str, cmd: PutStaffMember) -> StaffMemberView:
    """Create or replace the entry of ``subject``."""
    name = normalise_name(cmd.display_name)
    if name is None:
        refuse(rules.STAFF_NAME_INVALID)
    email = normalise_address(cmd.email)
    if email is None:
        refuse(rules.STAFF_EMAIL_INVALID)
    now = ctx.now()
    with ctx.uow() as uow:
        member = staff_directory.get(uow.session, subject)
        if member is None:
            member = StaffMember(subject=subject, created_at=now, display_name=name, email=email)
        member.display_name, member.email, member.active = name, email, cmd.active
        member.updated_at = now
        staff_directory.save(uow.session, member)
        view = StaffMemberView.model_validate(member)
        uow.commit()
    return view


def get(ctx: SchedulingContext, subject: str) -> StaffMemberView:
    with ctx.reading() as uow:
        member = staff_directory.get(uow.session, subject)
        if member is None:
            refuse(rules.STAFF_MEMBER_NOT_FOUND)
        return StaffMemberView.model_validate(member)


def listing(ctx: SchedulingContext, active: bool | None) -> list[StaffMemberView]:
    with ctx.reading() as uow:
        return [
            StaffMemberView.model_validate(m) for m in staff_directory.listing(uow.session, active=active)
        ]
