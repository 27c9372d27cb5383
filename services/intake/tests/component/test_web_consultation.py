"""Web (e-mail) consultation: registration, login, any-hour submission, replies, triage, deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tsunagu_calendar import TOKYO
from tsunagu_intake.domain import rules
from tsunagu_intake.testing import COUNSELLOR, SUPERVISOR, IntakeService, bearer, new_person_consultation
from tsunagu_servicekit.metrics import REGISTRY
from tsunagu_servicekit.testing import SettableClock, ids_counting_down, problem_of

PASSWORD = "correct horse battery"


async def register_and_login(service: IntakeService, nickname: str = "ﾊﾅｺ") -> tuple[str, dict[str, str]]:
    r = await service.client.post("/web/registrations", json={"password": PASSWORD, "nickname": nickname})
    assert r.status_code == 201, r.text
    number = r.json()["user_number"]
    login = await service.client.post("/web/sessions", json={"user_number": number, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return number, {"Authorization": f"Bearer {login.json()['access_token']}"}


async def submit(service: IntakeService, user: dict[str, str], body: str, **extra: object) -> dict:
    r = await service.client.post("/web/consultations", json={"body": body, **extra}, headers=user)
    assert r.status_code == 201, r.text
    return r.json()


async def test_submission_at_night_is_due_in_three_business_days(
    service: IntakeService, clock: SettableClock
) -> None:
    _, user = await register_and_login(service)
    clock.set(datetime(2025, 5, 2, 14, 30, tzinfo=UTC))  # Fri 23:30 in Tokyo, Golden Week ahead
    sent = await submit(service, user, "息子のことで相談です")
    assert sent["reply_due_at"] == "2025-05-12T17:15:00+09:00"
    assert sent["immediate_answer"] is None
    event = service.new_events()[-1]
    assert event.type == "tsunagu.intake.consultation.received.v1"
    assert event.data.channel == "email"
    assert event.data.reply_due_at == datetime(2025, 5, 12, 8, 15, tzinfo=UTC)


async def test_staff_reply_and_the_person_reads_it_after_login(service: IntakeService) -> None:
    number, user = await register_and_login(service)
    sent = await submit(service, user, "最近眠れません")
    r = await service.client.post(
        f"/consultations/{sent['consultation_id']}/replies",
        json={"body": "ご相談ありがとうございます"},
        headers=COUNSELLOR,
    )
    assert r.status_code == 201, r.text
    replied = service.new_events()[-1]
    assert replied.type == "tsunagu.intake.email.replied.v1"
    assert replied.data.within_due is True
    again = await service.client.post("/web/sessions", json={"user_number": number, "password": PASSWORD})
    mine = await service.client.get(
        "/web/consultations", headers={"Authorization": f"Bearer {again.json()['access_token']}"}
    )
    assert mine.status_code == 200
    [consultation] = mine.json()
    assert consultation["body"] == "最近眠れません"
    assert [x["body"] for x in consultation["replies"]] == ["ご相談ありがとうございます"]
    twice = await service.client.post(
        f"/consultations/{sent['consultation_id']}/replies", json={"body": "追伸"}, headers=COUNSELLOR
    )
    assert twice.status_code == 422
    assert twice.json()["rule"] == "already_replied"


async def test_a_reply_to_a_closed_case_is_refused_and_nothing_is_written(service: IntakeService) -> None:
    _, user = await register_and_login(service)
    sent = await submit(service, user, "相談です")
    summary = (
        await service.client.get(
            f"/consultations/{sent['consultation_id']}?purpose=email_reply", headers=COUNSELLOR
        )
    ).json()
    closed = await service.client.post(
        f"/cases/{summary['case_id']}/close", json={"reason": "no_contact"}, headers=COUNSELLOR
    )
    assert closed.status_code == 200
    before = service.counts()
    r = await service.client.post(
        f"/consultations/{sent['consultation_id']}/replies",
        json={"body": "CANARY-返信-本文"},
        headers=COUNSELLOR,
    )
    assert r.status_code == 422
    assert r.json() == problem_of(rules.CASE_CLOSED)
    assert "CANARY" not in r.text
    assert service.counts() == before


async def test_emergencies_get_an_immediate_answer_and_are_flagged(service: IntakeService) -> None:
    _, user = await register_and_login(service)
    sent = await submit(service, user, "もうｼﾆﾀｲです")
    assert sent["triage"] == "emergency"
    assert sent["immediate_answer"]["code"] == "emergency_services"
    assert "119" in sent["immediate_answer"]["message"]
    diagnosis = await submit(service, user, "相談です", declared="diagnosis_request")
    assert diagnosis["immediate_answer"]["code"] == "medical_care"
    queue = (await service.client.get("/email/queue", headers=SUPERVISOR)).json()
    assert {q["triage"] for q in queue} == {"emergency", "diagnosis_request"}
    assert set(queue[0]["flags"]) == {"emergency_contact", "diagnosis_request"}
    events = [e for e in service.new_events() if e.type.endswith("consultation.received.v1")]
    assert [e.data.triage for e in events] == ["emergency", "diagnosis_request"]


async def test_an_emergency_is_due_the_same_business_day_and_tops_the_queue(
    service: IntakeService, clock: SettableClock
) -> None:
    _, user = await register_and_login(service)
    routine = await submit(service, user, "相談です")  # Thu 5/1 10:00 -> Thu 5/8 17:15 (Golden Week)
    clock.set(clock.now + timedelta(hours=1))
    emergency = await submit(service, user, "もうｼﾆﾀｲです")
    assert emergency["triage"] == "emergency"
    assert routine["reply_due_at"] == "2025-05-08T17:15:00+09:00"
    assert emergency["reply_due_at"] == "2025-05-01T17:15:00+09:00"  # the same business day
    clock.set(datetime(2025, 5, 1, 10, 0, tzinfo=UTC))  # 19:00 Tokyo, after the office has closed
    late = await submit(service, user, "今すぐ消えたい")
    assert late["triage"] == "emergency"
    assert late["reply_due_at"] == "2025-05-02T17:15:00+09:00"  # the next business day
    queue = (await service.client.get("/email/queue", headers=SUPERVISOR)).json()
    assert [q["consultation_id"] for q in queue] == [
        emergency["consultation_id"],
        late["consultation_id"],
        routine["consultation_id"],
    ]


async def test_logins_fail_alike_and_tokens_do_not_cross(service: IntakeService) -> None:
    number, user = await register_and_login(service)
    wrong = await service.client.post(
        "/web/sessions", json={"user_number": number, "password": "wrong password"}
    )
    unknown = await service.client.post(
        "/web/sessions", json={"user_number": "1234567890", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["rule"] == "login_failed"
    assert (
        await service.client.get("/email/queue", headers=user)
    ).status_code == 401  # web token, staff route
    staff_token = await service.client.get("/web/consultations", headers=COUNSELLOR)
    assert staff_token.status_code == 401
    assert staff_token.json()["rule"] == "web_login_invalid"
    assert staff_token.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    none = await service.client.get("/web/consultations")
    assert none.status_code == 401
    assert none.json()["rule"] == "web_login_required"
    assert none.headers["www-authenticate"] == "Bearer"


async def test_the_queue_is_ordered_by_due_time_for_supervisors(
    service: IntakeService, clock: SettableClock
) -> None:
    _, user = await register_and_login(service)
    ids = []
    for when in (
        datetime(2025, 5, 7, 3, 0, tzinfo=UTC),  # Wed 12:00 -> due Mon 5/12
        datetime(2025, 5, 1, 3, 0, tzinfo=UTC),  # Thu 12:00 -> due Thu 5/8
        datetime(2025, 5, 2, 14, 0, tzinfo=UTC),  # Fri 23:00 -> due Mon 5/12, received earlier
    ):
        clock.set(when)
        ids.append((await submit(service, user, "相談"))["consultation_id"])
    clock.set(datetime(2025, 5, 8, 1, 0, tzinfo=UTC))  # Thu 10:00: the second is due today
    queue = await service.client.get("/email/queue", headers=SUPERVISOR)
    assert queue.status_code == 200
    assert [q["consultation_id"] for q in queue.json()] == [ids[1], ids[2], ids[0]]
    assert [q["state"] for q in queue.json()] == ["due_soon", "on_time", "on_time"]
    assert (await service.client.get("/email/queue", headers=bearer("expert"))).status_code == 403


def scan_at(service: IntakeService, clock: SettableClock, now: datetime) -> int:
    """One scan of the service's reply-deadline timer at ``now``: how many it announced."""
    clock.set(now)
    return service.runtime.timer("reply-deadlines").scan_once(service.context)


async def test_the_scan_announces_due_soon_and_overdue_once_each(
    service: IntakeService, clock: SettableClock
) -> None:
    _, user = await register_and_login(service)
    sent = await submit(service, user, "相談")  # Thu 5/1 10:00 -> due Thu 5/8 17:15
    other = await submit(service, user, "もう一件")
    await service.client.post(
        f"/consultations/{other['consultation_id']}/replies", json={"body": "返信"}, headers=COUNSELLOR
    )
    service.new_events()
    assert scan_at(service, clock, datetime(2025, 5, 7, 8, 0, tzinfo=UTC)) == 0
    due = datetime(2025, 5, 8, 8, 15, tzinfo=UTC)
    assert scan_at(service, clock, due - timedelta(hours=7)) == 1
    assert scan_at(service, clock, due - timedelta(hours=6)) == 0
    assert scan_at(service, clock, due + timedelta(minutes=1)) == 1
    assert scan_at(service, clock, due + timedelta(days=3)) == 0
    events = service.new_events()
    assert service.types(events) == [
        "tsunagu.intake.email_reply.due_soon.v1",
        "tsunagu.intake.email_reply.overdue.v1",
    ]
    assert {e.data.consultation_id for e in events} == {sent["consultation_id"]}
    assert events[0].correlationid != events[1].correlationid
    clock.set(due + timedelta(days=1))
    late = await service.client.post(
        f"/consultations/{sent['consultation_id']}/replies",
        json={"body": "遅くなりました"},
        headers=COUNSELLOR,
    )
    assert late.status_code == 201
    assert service.new_events()[-1].data.within_due is False


async def test_announcements_of_one_scan_each_start_their_own_flow(
    service: IntakeService, clock: SettableClock
) -> None:
    _, user = await register_and_login(service)
    first = await submit(service, user, "一件目")
    second = await submit(service, user, "二件目")  # both due Thu 5/8 17:15
    service.new_events()
    assert scan_at(service, clock, datetime(2025, 5, 8, 8, 16, tzinfo=UTC)) == 2  # both overdue at once
    events = service.new_events()
    assert service.types(events) == ["tsunagu.intake.email_reply.overdue.v1"] * 2
    assert {e.data.consultation_id for e in events} == {first["consultation_id"], second["consultation_id"]}
    assert events[0].correlationid != events[1].correlationid
    assert all(e.causationid is None for e in events)


async def test_messages_due_at_one_time_are_announced_in_the_order_they_were_received(
    service: IntakeService, clock: SettableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everything received on one business day is due at its closing time: one scan announces those
    messages in the order they came in, whatever order they were stored in and whatever their ids
    (reversed here)."""
    monkeypatch.setattr(service.context, "new_id", ids_counting_down())
    _, user = await register_and_login(service)
    sent = {}
    for hour in (15, 11, 13):  # Thu 1 May in Tokyo, stored out of the order received
        clock.set(datetime(2025, 5, 1, hour, tzinfo=TOKYO))
        sent[hour] = (await submit(service, user, "相談"))["consultation_id"]
    service.new_events()
    assert scan_at(service, clock, datetime(2025, 5, 8, 8, 16, tzinfo=UTC)) == 3  # all overdue at once
    assert [e.data.consultation_id for e in service.new_events()] == [sent[11], sent[13], sent[15]]


async def test_a_reply_made_while_a_scan_runs_stops_its_announcement(
    service: IntakeService, clock: SettableClock
) -> None:
    from tsunagu_intake.adapters.consultations import deadline_candidates, mark_announced
    from tsunagu_intake.domain.sla import Announcement

    _, user = await register_and_login(service)
    sent = await submit(service, user, "相談")  # due Thu 5/8 17:15
    late = datetime(2025, 5, 8, 8, 16, tzinfo=UTC)
    clock.set(late)
    with service.context.reading() as uow:  # what a scan reads first
        [candidate] = deadline_candidates(uow, now=late, horizon=late)
    assert candidate.id == sent["consultation_id"]
    replied = await service.client.post(
        f"/consultations/{sent['consultation_id']}/replies", json={"body": "返信"}, headers=COUNSELLOR
    )
    assert replied.status_code == 201
    service.new_events()
    with service.context.uow() as uow:
        assert mark_announced(uow, candidate, Announcement.OVERDUE, late) is False
        uow.commit()
    assert scan_at(service, clock, late) == 0
    assert service.new_events() == []


async def test_an_e_mail_from_someone_without_a_login_is_answered_outside_and_recorded(
    service: IntakeService,
) -> None:
    body = new_person_consultation(channel="email", person={"nickname": "外部", "email": "x@example.jp"})
    recorded = await service.client.post("/consultations", json=body, headers=COUNSELLOR)
    assert recorded.status_code == 201, recorded.text
    consultation_id = recorded.json()["consultation_id"]
    path = f"/consultations/{consultation_id}/replies"
    unreadable = await service.client.post(
        path, json={"body": "ご相談ありがとうございます"}, headers=COUNSELLOR
    )
    assert unreadable.status_code == 409
    assert unreadable.json() == problem_of(rules.REPLY_NOT_READABLE)
    service.new_events()
    outside = await service.client.post(
        path, json={"body": "ご相談ありがとうございます", "sent_outside": True}, headers=COUNSELLOR
    )
    assert outside.status_code == 201, outside.text
    [replied] = service.new_events()
    assert replied.type == "tsunagu.intake.email.replied.v1"
    assert service.count("tsunagu_mail_outbox") == 0  # nothing waits on the site for them to read
    queue = await service.client.get("/email/queue", headers=COUNSELLOR)
    assert consultation_id not in {q["consultation_id"] for q in queue.json()}


def replies_overdue(triage: str) -> float | None:
    return REGISTRY.get_sample_value("tsunagu_intake_replies_overdue", {"triage": triage})


def count_at(service: IntakeService, clock: SettableClock, now: datetime) -> None:
    """One run of the service's replies-overdue timer at ``now``: the gauge set from the database."""
    clock.set(now)
    assert service.runtime.timer("replies-overdue").scan_once(service.context) == 0


async def test_the_replies_overdue_gauge_counts_unanswered_consultations_past_their_deadline(
    service: IntakeService, clock: SettableClock
) -> None:
    _, user = await register_and_login(service)
    routine = await submit(service, user, "相談")  # Thu 5/1 10:00 -> due Thu 5/8 17:15
    await submit(service, user, "もう一件")
    emergency = await submit(service, user, "もうｼﾆﾀｲです")  # due Thu 5/1 17:15, the same day
    answered = await submit(service, user, "三件目")
    await service.client.post(
        f"/consultations/{answered['consultation_id']}/replies", json={"body": "返信"}, headers=COUNSELLOR
    )
    count_at(service, clock, datetime(2025, 5, 1, 8, 0, tzinfo=UTC))  # Thu 17:00 in Tokyo
    assert [replies_overdue(t) for t in ("none", "emergency", "diagnosis_request")] == [0, 0, 0]
    count_at(service, clock, datetime(2025, 5, 1, 8, 16, tzinfo=UTC))
    assert (replies_overdue("emergency"), replies_overdue("none")) == (1, 0)
    await service.client.post(
        f"/consultations/{emergency['consultation_id']}/replies",
        json={"body": "お電話します"},
        headers=COUNSELLOR,
    )
    count_at(service, clock, datetime(2025, 5, 8, 8, 16, tzinfo=UTC))
    assert (replies_overdue("emergency"), replies_overdue("none")) == (0, 2)
    await service.client.post(
        f"/consultations/{routine['consultation_id']}/replies",
        json={"body": "遅くなりました"},
        headers=COUNSELLOR,
    )
    count_at(service, clock, datetime(2025, 5, 8, 9, 0, tzinfo=UTC))
    assert replies_overdue("none") == 1
