"""Signing up on the public pages for family seminars and individual consultation days.

Scheduling owns the sessions and their seats; intake never calls it. Intake learns the sessions
from ``session.scheduled`` and the seats taken from the registration events, and a sign-up goes
to scheduling as ``session_signup.requested``. Scheduling answers through the bus: the
registration's event (a seat or the waitlist) carrying the sign-up's id, a promotion from the
waitlist later, or ``session.signup_refused``. A person promoted to a seat is told by mail (their
address read at send time; nothing of them in the mail).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.intake import SessionSignupRequested
from tsunagu_contracts.events.scheduling import (
    SessionRegistered,
    SessionRegistrationCancelled,
    SessionScheduled,
    SessionSignupRefused,
    SessionWaitlisted,
    WaitlistPromoted,
)
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import mail, signups
from ..adapters.tables import SessionSignup
from ..adapters.web_logins import WebUser
from ..domain.signups import (
    ACTIVE,
    PUBLIC_KINDS,
    SessionFacts,
    SignupStatus,
    advances,
    seats_left,
    signup_problem,
)
from .context import IntakeContext
from .persons import load_person
from .views import OwnSignup, SignupRequested


@dataclass(frozen=True, slots=True)
class OpenSession:
    """A session open to the public, as the pages list it."""

    session_id: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    seats_left: int
    waitlist: bool


def open_sessions(ctx: IntakeContext) -> list[OpenSession]:
    """The family seminars and individual consultation days still to come, soonest first."""
    with ctx.reading() as uow:
        found = signups.upcoming_sessions(uow, frozenset(k.value for k in PUBLIC_KINDS), ctx.now())
    return [
        OpenSession(
            session_id=s.id,
            kind=s.kind,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            seats_left=seats_left(s.capacity, s.seats_taken),
            waitlist=s.waitlist,
        )
        for s in found
    ]


def sign_up(ctx: IntakeContext, user: WebUser, session_id: str) -> SignupRequested:
    """Ask scheduling for a place for the person (the sign-up's id): recorded and announced in one
    transaction. 404 ``signup_session_not_open``, 409 ``already_signed_up``, 410 once erased."""
    now = ctx.now()
    with ctx.uow() as uow:
        load_person(ctx, uow, user.person_id)  # 410 once erased
        session = signups.find_session(uow, session_id)
        facts = SessionFacts(session.kind, session.starts_at) if session is not None else None
        already = signups.has_active_signup(uow, user.person_id, session_id, frozenset(ACTIVE))
        problem = signup_problem(facts, already=already, now=now)
        if problem is not None:
            refuse(problem)
        signup = SessionSignup(
            id=ctx.new_id(),
            person_id=user.person_id,
            session_id=session_id,
            status=SignupStatus.REQUESTED.value,
            requested_at=now,
            updated_at=now,
        )
        signups.add_signup(uow, signup)
        uow.emit(
            SessionSignupRequested(
                signup_id=signup.id, person_id=user.person_id, session_id=session_id, requested_at=now
            ),
            subject=signup.id,
        )
        uow.commit()
    return SignupRequested(signup_id=signup.id)


def own_signups(ctx: IntakeContext, user: WebUser) -> list[OwnSignup]:
    with ctx.reading() as uow:
        rows = signups.signups_of(uow, user.person_id)
    return [
        OwnSignup(
            signup_id=signup.id,
            session_id=signup.session_id,
            kind=session.kind if session else None,
            starts_at=session.starts_at if session else None,
            status=signup.status,
            seat_no=signup.seat_no,
            position=signup.position,
            reason=signup.reason,
        )
        for signup, session in rows
    ]


# -- what scheduling announces ---------------------------------------------------------------


def on_session_scheduled(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[SessionScheduled]) -> None:
    data = event.data
    signups.record_session(
        uow,
        {
            "id": data.session_id,
            "kind": data.kind.value,
            "starts_at": data.starts_at,
            "ends_at": data.ends_at,
            "capacity": data.capacity,
            "waitlist": data.waitlist,
            "seats_taken": 0,
            "recorded_at": ctx.now(),
        },
    )


def _answered(
    ctx: IntakeContext, uow: UnitOfWork, signup_id: str | None, status: SignupStatus
) -> SessionSignup | None:
    """The sign-up ``signup_id`` names, moved to ``status`` if that moves it on (see
    :func:`~..domain.signups.advances`); None when there is none or the answer came late."""
    signup = signups.find_signup(uow, signup_id) if signup_id is not None else None
    if signup is None or not advances(signup.status, status):
        return None
    signup.status, signup.updated_at = status.value, ctx.now()
    return signup


def on_session_registered(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[SessionRegistered]) -> None:
    data = event.data
    signups.count_seat(uow, data.session_id, +1)
    signup = _answered(ctx, uow, data.signup_id, SignupStatus.REGISTERED)
    if signup is not None:
        signup.registration_id, signup.seat_no, signup.position = data.registration_id, data.seat_no, None


def on_session_waitlisted(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[SessionWaitlisted]) -> None:
    data = event.data
    signup = _answered(ctx, uow, data.signup_id, SignupStatus.WAITLISTED)
    if signup is not None:
        signup.registration_id, signup.position = data.registration_id, data.position


def on_waitlist_promoted(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[WaitlistPromoted]) -> None:
    """A seat came free and went to the first on the waitlist; a person who signed up is told."""
    data = event.data
    signups.count_seat(uow, data.session_id, +1)
    signup = _answered(ctx, uow, data.signup_id, SignupStatus.REGISTERED)
    if signup is None:
        return
    signup.registration_id, signup.seat_no, signup.position = data.registration_id, data.seat_no, None
    mail.queue_seat_confirmed(
        uow, person_id=signup.person_id, signup_id=signup.id, site_url=ctx.public_site_url, now=ctx.now()
    )


def on_registration_cancelled(
    ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[SessionRegistrationCancelled]
) -> None:
    data = event.data
    if not data.was_waitlisted:
        signups.count_seat(uow, data.session_id, -1)
    signup = _answered(ctx, uow, data.signup_id, SignupStatus.CANCELLED)
    if signup is not None:
        signup.seat_no, signup.position = None, None


def on_signup_refused(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[SessionSignupRefused]) -> None:
    signup = _answered(ctx, uow, event.data.signup_id, SignupStatus.REFUSED)
    if signup is not None:
        signup.reason = event.data.reason.value
