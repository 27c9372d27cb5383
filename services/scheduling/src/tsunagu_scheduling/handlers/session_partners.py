"""Partner organisations in joint sessions, learnt from the partners service's events alone (no
call to partners): who is active, who takes part in which session, and who comes off a session
when its agreement stops.

Every handler takes the lock of ``adapters.locks`` and then settles the participations it touches
with ``domain.partners``, which measures by the events' times: whatever order the consumers
handle partners' events in, live or replayed, the same partners take part in the same sessions.
An ending takes a partner off the sessions that start after it, with ``SessionPartnerRemoved``.
"""

from __future__ import annotations

from datetime import date

from tsunagu_calendar import tokyo_date
from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.partners import (
    AgreementEnded,
    AgreementExpired,
    AgreementRenewed,
    AgreementResumed,
    AgreementSigned,
    AgreementSuspended,
    SessionParticipationRegistered,
    SessionParticipationWithdrawn,
)
from tsunagu_contracts.events.scheduling import SessionPartnerRemovalReason, SessionPartnerRemoved
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import group_sessions, locks
from ..adapters import session_partners as store
from ..adapters.tables import PartnerChangeRow, SessionPartner
from ..domain import rules
from ..domain.partners import (
    Change,
    Participation,
    ParticipationStatus,
    PartnerChange,
    ending_of,
    removal,
    standing,
    status,
)
from .context import SchedulingContext
from .views import PartnerStandingView, SessionPartnerView

# -- agreement changes -------------------------------------------------------------------------


def on_agreement_signed(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[AgreementSigned]) -> None:
    d = event.data
    _changed(
        uow,
        d.partner_id,
        d.agreement_id,
        Change(PartnerChange.SIGNED, d.signed_at, effective_on=d.effective_on),
    )


def on_agreement_renewed(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[AgreementRenewed]
) -> None:
    d = event.data
    _changed(uow, d.partner_id, d.agreement_id, Change(PartnerChange.RENEWED, d.signed_at))


def on_agreement_resumed(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[AgreementResumed]
) -> None:
    d = event.data
    _changed(uow, d.partner_id, d.agreement_id, Change(PartnerChange.RESUMED, d.resumed_at))


def on_agreement_suspended(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[AgreementSuspended]
) -> None:
    d = event.data
    _changed(uow, d.partner_id, d.agreement_id, Change(PartnerChange.SUSPENDED, d.suspended_at))


def on_agreement_ended(ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[AgreementEnded]) -> None:
    d = event.data
    _changed(uow, d.partner_id, d.agreement_id, Change(PartnerChange.ENDED, d.ended_at))


def on_agreement_expired(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[AgreementExpired]
) -> None:
    d = event.data
    _changed(
        uow, d.partner_id, d.agreement_id, Change(PartnerChange.EXPIRED, d.expired_at, ends_on=d.ends_on)
    )


def _changed(uow: UnitOfWork, partner_id: str, agreement_id: str, change: Change) -> None:
    """Record the change; an ending settles the partner's participations in sessions after it."""
    locks.hold(uow.session, locks.PARTNER_SESSIONS)
    row = PartnerChangeRow(
        partner_id=partner_id,
        changed_at=change.at,
        change=change.change.value,
        agreement_id=agreement_id,
        effective_on=change.effective_on,
        ends_on=change.ends_on,
    )
    if not store.record_change(uow.session, row):
        return
    ending = ending_of(change)
    if ending is None:
        return
    changes = store.changes(uow.session, partner_id)
    for participation in store.of_partner_after(uow.session, partner_id, ending.effective_at):
        _settle(uow, participation, changes)


# -- participations ----------------------------------------------------------------------------


def on_participation_registered(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[SessionParticipationRegistered]
) -> None:
    d = event.data
    locks.hold(uow.session, locks.PARTNER_SESSIONS)
    if store.find(uow.session, d.participation_id) is not None:
        return  # seen already, or its withdrawal came first and recorded it
    row = SessionPartner(
        participation_id=d.participation_id,
        session_id=d.session_id,
        partner_id=d.partner_id,
        starts_at=d.starts_at,
        registered_at=d.registered_at,
    )
    store.add(uow.session, row)
    _settle(uow, row, store.changes(uow.session, d.partner_id))


def on_participation_withdrawn(
    ctx: SchedulingContext, uow: UnitOfWork, event: CloudEvent[SessionParticipationWithdrawn]
) -> None:
    d = event.data
    locks.hold(uow.session, locks.PARTNER_SESSIONS)
    row = store.find(uow.session, d.participation_id)
    if row is None:  # the withdrawal overtook its registration: it carries all the registration did
        row = SessionPartner(
            participation_id=d.participation_id,
            session_id=d.session_id,
            partner_id=d.partner_id,
            starts_at=d.starts_at,
            registered_at=d.registered_at,
        )
    elif row.withdrawn_at is not None:
        return
    row.withdrawn_at = d.withdrawn_at
    store.save(uow.session, row)
    _settle(uow, row, store.changes(uow.session, d.partner_id))


def _settle(uow: UnitOfWork, row: SessionPartner, changes: list[Change]) -> None:
    """Bring the participation's removal in line with every change known, announcing a removal
    the first time one applies."""
    ending = removal(Participation(row.registered_at, row.starts_at, row.withdrawn_at), changes)
    removed_at = None if ending is None else ending.effective_at
    reason = None if ending is None else ending.reason.value
    if (row.removed_at, row.removal_reason) == (removed_at, reason):
        return
    announce = row.removed_at is None and ending is not None
    row.removed_at, row.removal_reason = removed_at, reason
    store.save(uow.session, row)
    if announce and ending is not None:
        uow.emit(
            SessionPartnerRemoved(
                participation_id=row.participation_id,
                session_id=row.session_id,
                partner_id=row.partner_id,
                starts_at=row.starts_at,
                reason=SessionPartnerRemovalReason(ending.reason),
                removed_at=ending.effective_at,
            ),
            subject=row.participation_id,
        )


# -- reads -------------------------------------------------------------------------------------


def participating(uow: UnitOfWork, session_ids: list[str]) -> dict[str, list[str]]:
    """The ids of the partners taking part in each session, in the order they registered."""
    out: dict[str, list[str]] = {sid: [] for sid in session_ids}
    for row in store.of_sessions(uow.session, session_ids):
        if status(row.withdrawn_at, row.removed_at) == ParticipationStatus.PARTICIPATING:
            out[row.session_id].append(row.partner_id)
    return out


def session_partners(ctx: SchedulingContext, session_id: str) -> list[SessionPartnerView]:
    """Every partner's participation in a session of scheduling's, removed and withdrawn included."""
    with ctx.reading() as uow:
        if group_sessions.get(uow.session, session_id) is None:
            refuse(rules.GROUP_SESSION_NOT_FOUND)
        return [SessionPartnerView.of(r) for r in store.of_sessions(uow.session, [session_id])]


def listing(
    ctx: SchedulingContext, *, session_id: str | None, partner_id: str | None
) -> list[SessionPartnerView]:
    """Participations as partners' events made them, whether or not this instance holds the session."""
    with ctx.reading() as uow:
        found = store.listing(uow.session, session_id=session_id, partner_id=partner_id)
        return [SessionPartnerView.of(r) for r in found]


def standings(ctx: SchedulingContext, *, active: bool | None) -> list[PartnerStandingView]:
    """Every partner the partners service has announced an agreement change of, with where it
    stands; ``active`` on today's date in Tokyo (an agreement signed ahead is active from its day)."""
    today: date = tokyo_date(ctx.now())
    with ctx.reading() as uow:
        views = []
        for partner_id, changes in sorted(store.all_changes(uow.session).items()):
            found = standing(changes)
            if found is None:
                continue
            view = PartnerStandingView(
                partner_id=partner_id,
                standing=found.standing,
                since=found.since,
                active_from=found.active_from,
                active=found.active_on(today),
            )
            if active is None or view.active == active:
                views.append(view)
        return views
