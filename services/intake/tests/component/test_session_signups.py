"""Signing up on the public pages for family seminars and individual consultation days: intake
lists the sessions scheduling announced, asks scheduling for a place through the bus, and follows
its answers (a seat, the waitlist, a promotion told by mail, a refusal) on the person's page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tsunagu_contracts import new_event
from tsunagu_contracts.events.scheduling import (
    SessionKind,
    SessionScheduled,
    SessionSignupRefused,
    SessionWaitlisted,
    SignupRefusal,
    WaitlistPromoted,
)
from tsunagu_intake.testing import IntakeService

from .test_public_pages import post_form, register

STARTS = datetime(2025, 5, 24, 5, 0, tzinfo=UTC)  # Saturday 24 May 2025, 14:00 in Tokyo
ENDS = datetime(2025, 5, 24, 7, 0, tzinfo=UTC)


def scheduled(kind: SessionKind = SessionKind.FAMILY_SEMINAR, capacity: int = 1) -> SessionScheduled:
    return SessionScheduled(
        session_id=str(uuid.uuid4()),
        kind=kind,
        starts_at=STARTS,
        ends_at=ENDS,
        capacity=capacity,
        waitlist=True,
    )


async def test_a_person_signs_up_waits_and_is_promoted_and_told(service: IntakeService) -> None:
    seminar = scheduled()
    peer = scheduled(SessionKind.PEER_ONLINE)
    for data in (seminar, peer):
        assert service.deliver(new_event(data))
    listing = await service.client.get("/seminars")
    assert "家族セミナー" in listing.text
    assert "令和7年5月24日 14時00分〜16時00分" in listing.text
    assert "残り1席" in listing.text
    assert peer.session_id not in listing.text  # arranged by staff, not signed up for by the public

    await register(service.client, email="hanako@example.jp")
    service.new_events()
    sent = await post_form(service.client, f"/seminars/{seminar.session_id}", {}, form_page="/seminars")
    assert sent.status_code == 303
    assert sent.headers["location"] == "/my#signups"
    [requested] = service.new_events()
    assert requested.type == "tsunagu.intake.session_signup.requested.v1"
    assert requested.data.session_id == seminar.session_id
    assert "受付中（結果をお待ちください）" in (await service.client.get("/my")).text

    twice = await post_form(service.client, f"/seminars/{seminar.session_id}", {}, form_page="/seminars")
    assert twice.status_code == 409
    assert "already_signed_up" in twice.text
    assert service.new_events() == []

    common = {
        "registration_id": str(uuid.uuid4()),
        "session_id": seminar.session_id,
        "session_kind": SessionKind.FAMILY_SEMINAR,
        "person_id": requested.data.person_id,
        "starts_at": STARTS,
        "signup_id": requested.data.signup_id,
    }
    service.deliver(new_event(SessionWaitlisted(**common, position=1, registered_at=STARTS)))
    assert "キャンセル待ち（お申し込み時点で1番目）" in (await service.client.get("/my")).text
    assert service.count("tsunagu_mail_outbox") == 0

    promoted = new_event(WaitlistPromoted(**common, seat_no=1, promoted_at=STARTS))
    assert service.deliver(promoted)
    assert not service.deliver(promoted)  # redelivered: one mail
    page = (await service.client.get("/my")).text
    assert "参加が決まりました（席番号 1）" in page
    assert service.count("tsunagu_mail_outbox") == 1


async def test_a_refusal_shows_its_reason_and_unknown_sessions_are_refused_alike(
    service: IntakeService,
) -> None:
    seminar = scheduled()
    service.deliver(new_event(seminar))
    await register(service.client)
    service.new_events()
    await post_form(service.client, f"/seminars/{seminar.session_id}", {}, form_page="/seminars")
    [requested] = service.new_events()
    refused = SessionSignupRefused(
        signup_id=requested.data.signup_id,
        person_id=requested.data.person_id,
        session_id=seminar.session_id,
        reason=SignupRefusal.SESSION_FULL,
        refused_at=STARTS,
    )
    service.deliver(new_event(refused))
    assert "お申し込みを受けられませんでした：定員に達しました。" in (await service.client.get("/my")).text

    unknown = await post_form(service.client, f"/seminars/{uuid.uuid4()}", {}, form_page="/seminars")
    assert unknown.status_code == 404
    assert "signup_session_not_open" in unknown.text
    assert service.new_events() == []


async def test_signing_up_needs_a_login(service: IntakeService) -> None:
    seminar = scheduled()
    service.deliver(new_event(seminar))
    page = await service.client.get("/seminars")
    assert "お申し込みにはログインが必要です" in page.text.replace('<a href="/login">', "").replace(
        "</a>", ""
    )
    # No form without a login: a token from another page, as a stale tab would hold.
    r = await post_form(service.client, f"/seminars/{seminar.session_id}", {}, form_page="/login")
    assert r.status_code == 303
    assert r.headers["location"] == "/login"


async def test_the_json_api_signs_up_and_lists_as_the_pages_do(service: IntakeService) -> None:
    from .test_web_consultation import register_and_login

    seminar = scheduled()
    service.deliver(new_event(seminar))
    _, user = await register_and_login(service)
    service.new_events()
    made = await service.client.post("/web/signups", json={"session_id": seminar.session_id}, headers=user)
    assert made.status_code == 201, made.text
    [requested] = service.new_events()
    assert requested.data.signup_id == made.json()["signup_id"]
    again = await service.client.post("/web/signups", json={"session_id": seminar.session_id}, headers=user)
    assert again.status_code == 409
    assert again.json()["rule"] == "already_signed_up"
    [mine] = (await service.client.get("/web/signups", headers=user)).json()
    assert (mine["status"], mine["kind"], mine["session_id"]) == (
        "requested",
        "family_seminar",
        seminar.session_id,
    )


async def test_a_promotion_that_arrives_before_its_waitlisting_stands(service: IntakeService) -> None:
    seminar = scheduled()
    service.deliver(new_event(seminar))
    await register(service.client)
    service.new_events()
    await post_form(service.client, f"/seminars/{seminar.session_id}", {}, form_page="/seminars")
    [requested] = service.new_events()
    common = {
        "registration_id": str(uuid.uuid4()),
        "session_id": seminar.session_id,
        "session_kind": SessionKind.FAMILY_SEMINAR,
        "person_id": requested.data.person_id,
        "starts_at": STARTS,
        "signup_id": requested.data.signup_id,
    }
    # Each answer has a consumer of its own: the promotion may be handled first.
    service.deliver(new_event(WaitlistPromoted(**common, seat_no=1, promoted_at=STARTS)))
    service.deliver(new_event(SessionWaitlisted(**common, position=1, registered_at=STARTS)))
    assert "参加が決まりました（席番号 1）" in (await service.client.get("/my")).text
