"""Sign-up rules without I/O: who may sign up for what, and how scheduling's answers move a
sign-up on whatever order they arrive in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tsunagu_intake.domain import rules
from tsunagu_intake.domain.signups import SessionFacts, SignupStatus, advances, seats_left, signup_problem

NOW = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=20)


def test_only_public_sessions_to_come_take_sign_ups_once() -> None:
    seminar = SessionFacts("family_seminar", LATER)
    assert signup_problem(seminar, already=False, now=NOW) is None
    assert signup_problem(SessionFacts("individual_consultation", LATER), already=False, now=NOW) is None
    assert signup_problem(seminar, already=True, now=NOW) is rules.ALREADY_SIGNED_UP
    for closed in (None, SessionFacts("peer_online", LATER), SessionFacts("family_seminar", NOW)):
        assert signup_problem(closed, already=False, now=NOW) is rules.SIGNUP_SESSION_NOT_OPEN


def test_a_sign_up_only_moves_forward() -> None:
    assert advances("requested", SignupStatus.WAITLISTED)
    assert advances("requested", SignupStatus.REGISTERED)
    assert advances("waitlisted", SignupStatus.REGISTERED)
    assert advances("registered", SignupStatus.CANCELLED)
    assert advances("requested", SignupStatus.REFUSED)
    # A waitlisting that arrives after the promotion it led to, or a seat after its cancellation:
    assert not advances("registered", SignupStatus.WAITLISTED)
    assert not advances("cancelled", SignupStatus.REGISTERED)
    assert not advances("refused", SignupStatus.WAITLISTED)
    assert not advances("registered", SignupStatus.REGISTERED)


def test_seats_left_never_go_below_none() -> None:
    assert seats_left(3, 1) == 2
    assert seats_left(1, 2) == 0
