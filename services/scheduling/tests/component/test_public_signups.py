"""Sign-ups from intake's public pages (``intake.session_signup.requested``): a seat, the waitlist
or a refusal raised back, each carrying the sign-up's id, and a promotion later carrying it too.
Intake vouches for the person, so no case or earlier consultation is needed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tsunagu_contracts import new_event
from tsunagu_contracts.events.intake import ErasureBasis, PersonErased, SessionSignupRequested
from tsunagu_scheduling.testing import COUNSELLOR, Service

from .test_sessions import seminar

REQUESTED_AT = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def signup(session_id: str, person_id: str | None = None) -> tuple[str, str, SessionSignupRequested]:
    signup_id, person = str(uuid.uuid4()), person_id or str(uuid.uuid4())
    data = SessionSignupRequested(
        signup_id=signup_id, person_id=person, session_id=session_id, requested_at=REQUESTED_AT
    )
    return signup_id, person, data


def answer(service: Service, data: SessionSignupRequested) -> object:
    assert service.deliver(new_event(data)) is True
    [event] = service.new_events()
    return event


async def test_a_seat_then_the_waitlist_then_a_promotion_each_carry_the_signup(service: Service) -> None:
    session_id = await seminar(service, capacity=1)
    service.new_events()
    first, first_person, data = signup(session_id)
    seated = answer(service, data)
    assert seated.type == "tsunagu.scheduling.session.registered.v1"
    assert (seated.data.signup_id, seated.data.person_id, seated.data.case_id) == (first, first_person, None)
    second, _, data = signup(session_id)
    waiting = answer(service, data)
    assert waiting.type == "tsunagu.scheduling.session.waitlisted.v1"
    assert (waiting.data.signup_id, waiting.data.position) == (second, 1)

    await service.post(
        f"/sessions/{session_id}/registrations/{seated.data.registration_id}/cancel", {}, COUNSELLOR
    )
    cancelled, promoted = service.new_events()
    assert cancelled.data.signup_id == first
    assert promoted.type == "tsunagu.scheduling.session.waitlist_promoted.v1"
    assert (promoted.data.signup_id, promoted.data.seat_no) == (second, 1)


async def test_refusals_are_raised_back_with_their_reason(service: Service) -> None:
    full = await seminar(service, capacity=1, waitlist=False)
    service.new_events()
    _, person, data = signup(full)
    answer(service, data)
    again = answer(service, signup(full, person)[2])
    assert again.type == "tsunagu.scheduling.session.signup_refused.v1"
    assert again.data.reason == "already_registered"
    no_room = answer(service, signup(full)[2])
    assert no_room.data.reason == "session_full"
    unknown = answer(service, signup(str(uuid.uuid4()))[2])
    assert unknown.data.reason == "session_not_found"

    open_one = await seminar(service, capacity=5)
    service.new_events()
    erased = str(uuid.uuid4())
    service.deliver(
        new_event(PersonErased(person_id=erased, erased_at=REQUESTED_AT, basis=ErasureBasis.PERSON_REQUEST))
    )
    service.new_events()
    gone = answer(service, signup(open_one, erased)[2])
    assert gone.data.reason == "person_erased"


async def test_a_redelivered_signup_changes_nothing(service: Service) -> None:
    session_id = await seminar(service, capacity=2)
    service.new_events()
    _, _, data = signup(session_id)
    event = new_event(data)
    assert service.deliver(event) is True
    assert service.deliver(event) is False
    assert [e.type for e in service.new_events()] == ["tsunagu.scheduling.session.registered.v1"]
