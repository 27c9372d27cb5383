"""Joint briefing and consultation sessions (合同説明相談会): partners take part in scheduling's
sessions of kind ``joint_briefing``.

Scheduling announces its sessions (``SessionScheduled``); partners keeps those of kind
``joint_briefing`` (id and times) and nothing else. Partner staff register their own organisation,
or the programme office registers any, and withdraw it; participation is declared here, so that
scheduling learns who takes part from partners' events alone (``SessionParticipationRegistered``,
``SessionParticipationWithdrawn``). When an agreement stops, scheduling takes the partner off its
future sessions and says so (``SessionPartnerRemoved``); partners records it, so the partner may
register again once it is active.
"""

from __future__ import annotations

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.partners import SessionParticipationRegistered, SessionParticipationWithdrawn
from tsunagu_contracts.events.scheduling import SessionKind, SessionPartnerRemoved, SessionScheduled
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import agreements as partner_store
from ..adapters import sessions as store
from ..adapters.partners import is_active
from ..adapters.tables import JointSessionRow, ParticipationRow
from ..domain import rules
from ..domain.sessions import ParticipationStatus, has_started
from .commands import JoinSession
from .context import PartnersContext
from .offerings import check_acting_for
from .views import JointSessionView, ParticipationView

# -- what scheduling announces -------------------------------------------------------------------


def on_session_scheduled(ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SessionScheduled]) -> None:
    """Keep a joint session (id and times); sessions of other kinds are none of partners' business.
    A session announced again keeps what was first recorded."""
    data = event.data
    if data.kind != SessionKind.JOINT_BRIEFING or store.find_session(uow, data.session_id) is not None:
        return
    store.add_session(
        uow,
        JointSessionRow(
            id=data.session_id, starts_at=data.starts_at, ends_at=data.ends_at, announced_at=event.time
        ),
    )


def on_partner_removed(
    ctx: PartnersContext, uow: UnitOfWork, event: CloudEvent[SessionPartnerRemoved]
) -> None:
    """Scheduling took a partner off a session: the participation no longer stands (a withdrawal
    recorded earlier stays what it was)."""
    data = event.data
    row = store.find_participation(uow, data.participation_id)
    if row is None or row.status != ParticipationStatus.REGISTERED:
        return
    row.status = ParticipationStatus.REMOVED.value
    row.removed_at = data.removed_at
    row.removal_reason = data.reason.value
    store.save(uow, row)


# -- taking part -------------------------------------------------------------------------------


def join(
    ctx: PartnersContext, principal: Principal, session_id: str, command: JoinSession
) -> ParticipationView:
    """Register the partner for the joint session: it must be active, the session known and not
    begun, and the partner not registered already."""
    partner_id = command.partner_id
    check_acting_for(principal, partner_id)
    with ctx.uow() as uow:
        session = _session(uow, session_id)
        # The partner's row is held until the commit, so an agreement ending at the same moment
        # either sees this registration or is seen by it (the event order follows).
        if partner_store.lock_partner(uow, partner_id) is None:
            refuse(rules.PARTNER_NOT_FOUND)
        if not is_active(uow, partner_id):
            refuse(rules.PARTNER_NOT_ACTIVE)
        now = ctx.now()
        if has_started(session.starts_at, now):
            refuse(rules.JOINT_SESSION_STARTED)
        if store.registered(uow, session_id, partner_id) is not None:
            refuse(rules.ALREADY_PARTICIPATING)
        row = ParticipationRow(
            id=ctx.ordered_id(),  # time-ordered: registrations at one instant keep their order
            session_id=session_id,
            partner_id=partner_id,
            status=ParticipationStatus.REGISTERED.value,
            registered_at=now,
        )
        if not store.add_participation(uow, row):
            refuse(rules.ALREADY_PARTICIPATING)
        uow.emit(
            SessionParticipationRegistered(
                participation_id=row.id,
                session_id=session_id,
                partner_id=partner_id,
                starts_at=session.starts_at,
                registered_at=now,
            ),
            subject=row.id,
        )
        uow.commit()
        return ParticipationView.model_validate(row)


def withdraw(
    ctx: PartnersContext, principal: Principal, session_id: str, partner_id: str
) -> ParticipationView:
    """Withdraw the partner from a joint session that has not begun. A partner whose agreement has
    stopped may still withdraw: it is taking itself off, not joining."""
    check_acting_for(principal, partner_id)
    with ctx.uow() as uow:
        session = _session(uow, session_id)
        if partner_store.lock_partner(uow, partner_id) is None:
            refuse(rules.PARTNER_NOT_FOUND)
        row = store.registered(uow, session_id, partner_id)
        if row is None:
            refuse(rules.NOT_PARTICIPATING)
        now = ctx.now()
        if has_started(session.starts_at, now):
            refuse(rules.JOINT_SESSION_STARTED)
        row.status = ParticipationStatus.WITHDRAWN.value
        row.withdrawn_at = now
        store.save(uow, row)
        uow.emit(
            SessionParticipationWithdrawn(
                participation_id=row.id,
                session_id=session_id,
                partner_id=partner_id,
                starts_at=session.starts_at,
                registered_at=row.registered_at,
                withdrawn_at=now,
            ),
            subject=row.id,
        )
        uow.commit()
        return ParticipationView.model_validate(row)


# -- reads ---------------------------------------------------------------------------------------


def upcoming(ctx: PartnersContext) -> list[JointSessionView]:
    """Joint sessions not begun yet, the soonest first, each with the partners registered."""
    with ctx.reading() as uow:
        sessions = store.sessions_from(uow, ctx.now())
        taking_part: dict[str, list[str]] = {s.id: [] for s in sessions}
        for row in store.participations(uow, list(taking_part)):
            if row.status == ParticipationStatus.REGISTERED:
                taking_part[row.session_id].append(row.partner_id)
        return [
            JointSessionView(id=s.id, starts_at=s.starts_at, ends_at=s.ends_at, partners=taking_part[s.id])
            for s in sessions
        ]


def participants(ctx: PartnersContext, session_id: str) -> list[ParticipationView]:
    """Every participation in the joint session, withdrawn and removed ones included."""
    with ctx.reading() as uow:
        _session(uow, session_id)
        return [ParticipationView.model_validate(row) for row in store.participations(uow, [session_id])]


def _session(uow: UnitOfWork, session_id: str) -> JointSessionRow:
    session = store.find_session(uow, session_id)
    if session is None:
        refuse(rules.JOINT_SESSION_NOT_FOUND)
    return session
