"""Staff are told of their coming appointments by one e-mail each, through a real SMTP server on
loopback: queued in the transaction that fires the reminder, sent by the kit's mail timer to the
address the staff directory has when it goes, with nothing of the person in it; a staff member
who turned the reminders off (here, or by the mail's link), is inactive or has no entry gets none.
The directory is kept by managers, normalised, and never reaches events or logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
from tsunagu_scheduling.testing import (
    COUNSELLOR,
    SUPERVISOR,
    Service,
    bearer,
    new_uuid,
    service_without_broker,
    tokyo,
)
from tsunagu_servicekit.mail import mail_outbox
from tsunagu_servicekit.testing import SettableClock
from tsunagu_servicekit.testing.canary import Markers, fold
from tsunagu_servicekit.testing.smtp import SmtpInbox, loopback_smtp

SUB = "auth0|staff-yamada"
ADDRESS = "yamada.hanako@tsunagu.example.jp"
ME = bearer("counsellor", subject=SUB)
TOPIC = "appointment_reminder"


def mail_settings(smtp: SmtpInbox) -> dict[str, object]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "mail_public_base_url": "https://scheduling.example.jp",
        "mail_interval": 3600.0,  # scanned by the test, never by itself
    }


@pytest.fixture
async def mailing(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> AsyncIterator[tuple[Service, SmtpInbox]]:
    with loopback_smtp() as smtp:
        async with service_without_broker(database_url, tmp_path, clock, **mail_settings(smtp)) as service:
            yield service, smtp


def send(service: Service) -> int:
    """One scan of the kit's mail timer: how many mails it settled (sent or suppressed)."""
    return service.runtime.kit_timer("mail").scan_once(service.runtime.engine)


def outcomes(service: Service) -> list[str | None]:
    with service.engine.connect() as conn:
        return list(
            conn.execute(sa.select(mail_outbox.c.outcome).order_by(mail_outbox.c.created_at)).scalars()
        )


async def enter(service: Service, subject: str = SUB, **body: Any) -> dict[str, Any]:
    entry = {"display_name": "山田 花子", "email": ADDRESS, **body}
    response = await service.client.put(f"/staff-directory/{subject}", json=entry, headers=SUPERVISOR)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def book(
    service: Service, *, subject: str | None = SUB, person_id: str | None = None, case_id: str | None = None
) -> dict[str, Any]:
    """An in-person consultation on Wednesday 8 April 2026 at 10:00, in room 相談室A, with a
    counsellor whose token's ``sub`` is ``subject``."""
    extra = {"subject": subject} if subject else {}
    staff = await service.resource("counsellor", f"C-{new_uuid()[:4]}", **extra)
    room = await service.resource("room", "相談室A", capacity=4)
    person = service.known_person(person_id, case_id)
    body = {
        "kind": "in_person",
        "person_id": person,
        "staff_id": staff,
        "room_id": room,
        "starts_at": tokyo(2026, 4, 8, 10),
        "minutes": 60,
    }
    if case_id:
        body["case_id"] = case_id
    return await service.post("/appointments", body, COUNSELLOR)


# -- the reminder mail ---------------------------------------------------------------------------


async def test_the_staff_member_is_mailed_once_in_japanese_without_the_person(
    mailing: tuple[Service, SmtpInbox],
) -> None:
    service, smtp = mailing
    person, case = new_uuid(), new_uuid()
    await enter(service)
    appointment = await book(service, person_id=person, case_id=case)
    assert send(service) == 0  # nothing before the reminder fires
    service.clock.advance(days=1, hours=1)  # Tuesday 10:00: a day ahead
    assert service.scan_reminders() == 1
    assert send(service) == 1
    assert service.scan_reminders() == 0
    assert send(service) == 0
    service.clock.advance(hours=3)
    assert (service.scan_reminders(), send(service)) == (0, 0)
    [mail] = smtp.messages
    assert mail["To"] == ADDRESS
    assert mail["Subject"] == "【つなぐ】予約のお知らせ：令和8年4月8日（水） 10:00〜11:00 来所相談"
    body = mail.get_content()
    assert "令和8年4月8日（水） 10:00〜11:00" in body
    assert "来所相談" in body
    assert "相談室A" in body
    assert appointment["id"] in body
    assert mail["List-Unsubscribe"].strip("<>") in body
    # Canary: nothing of the person (nor of the staff member beyond the address) is in the mail.
    text = fold(mail.as_string())
    for secret in (person, case, "山田", SUB):
        assert fold(secret) not in text


async def test_the_queue_holds_no_address_and_no_person(mailing: tuple[Service, SmtpInbox]) -> None:
    service, _ = mailing
    person = new_uuid()
    await enter(service)
    await book(service, person_id=person)
    service.clock.advance(days=2)
    assert service.scan_reminders() == 1
    with service.engine.connect() as conn:
        [row] = conn.execute(sa.select(mail_outbox)).all()
    assert row.recipient == f"staff:{SUB}"
    assert row.topic == TOPIC
    queued = str(row.context)
    for secret in (ADDRESS, person, "山田"):
        assert secret not in queued


async def test_a_moved_appointment_is_reminded_of_again_and_a_cancelled_one_not(
    mailing: tuple[Service, SmtpInbox],
) -> None:
    service, smtp = mailing
    await enter(service)
    moved = await book(service)
    service.clock.advance(days=1, hours=1)
    assert (service.scan_reminders(), send(service)) == (1, 1)
    await service.post(
        f"/appointments/{moved['id']}/reschedule", {"starts_at": tokyo(2026, 4, 10, 10)}, COUNSELLOR
    )
    service.clock.advance(days=2)
    assert (service.scan_reminders(), send(service)) == (1, 1)
    assert [m["Subject"].split("：")[1] for m in smtp.messages] == [
        "令和8年4月8日（水） 10:00〜11:00 来所相談",
        "令和8年4月10日（金） 10:00〜11:00 来所相談",
    ]


async def test_inactive_or_unknown_staff_and_staff_without_a_subject_get_none(
    mailing: tuple[Service, SmtpInbox],
) -> None:
    service, smtp = mailing
    await enter(service, active=False)
    await book(service)  # inactive entry
    await book(service, subject="auth0|nobody")  # no entry
    await book(service, subject=None)  # no token names this counsellor: nothing is queued
    service.clock.advance(days=2)
    assert service.scan_reminders() == 3
    assert send(service) == 2
    assert outcomes(service) == ["suppressed", "suppressed"]
    assert smtp.messages == []


async def test_an_entry_made_inactive_after_the_reminder_fired_stops_the_mail(
    mailing: tuple[Service, SmtpInbox],
) -> None:
    """The address is looked up when the mail goes, not when it was queued."""
    service, smtp = mailing
    await enter(service)
    await book(service)
    service.clock.advance(days=2)
    assert service.scan_reminders() == 1
    await enter(service, active=False)
    assert send(service) == 1
    assert outcomes(service) == ["suppressed"]
    assert smtp.messages == []


# -- preferences ----------------------------------------------------------------------------------


async def test_a_staff_member_turns_the_reminders_off_and_on_again(
    mailing: tuple[Service, SmtpInbox],
) -> None:
    service, smtp = mailing
    await enter(service)
    listed = await service.client.get("/mail/preferences", headers=ME)
    assert listed.status_code == 200
    [reminders] = listed.json()["topics"]
    assert reminders["topic"] == TOPIC
    assert reminders["subscribed"] is True
    assert reminders["unsubscribed_at"] is None
    off = await service.client.put(f"/mail/preferences/{TOPIC}", json={"subscribed": False}, headers=ME)
    assert off.status_code == 200, off.text
    assert off.json()["subscribed"] is False
    assert off.json()["unsubscribed_at"] is not None

    await book(service)
    service.clock.advance(days=1, hours=1)
    assert (service.scan_reminders(), send(service)) == (1, 1)
    assert outcomes(service) == ["suppressed"]
    assert smtp.messages == []

    # Another member's preferences are their own.
    others = await service.client.get("/mail/preferences", headers=COUNSELLOR)
    assert others.json()["topics"][0]["subscribed"] is True

    on = await service.client.put(f"/mail/preferences/{TOPIC}", json={"subscribed": True}, headers=ME)
    assert on.json() == {**reminders}
    await book(service)  # 10:00 on Wednesday too, with another counsellor of the same subject
    assert (service.scan_reminders(), send(service)) == (1, 1)
    assert len(smtp.messages) == 1


async def test_the_mail_link_and_the_preferences_are_one_choice(mailing: tuple[Service, SmtpInbox]) -> None:
    service, smtp = mailing
    await enter(service)
    await book(service)
    service.clock.advance(days=2)
    assert (service.scan_reminders(), send(service)) == (1, 1)
    [mail] = smtp.messages
    link = urlparse(mail["List-Unsubscribe"].strip("<>"))
    done = await service.client.post(link.path, params={"t": parse_qs(link.query)["t"][0]})
    assert done.status_code == 200
    listed = await service.client.get("/mail/preferences", headers=ME)
    assert listed.json()["topics"][0]["subscribed"] is False


async def test_preferences_refuse_an_unknown_topic_and_a_caller_without_a_token(service: Service) -> None:
    unknown = await service.client.put("/mail/preferences/newsletter", json={"subscribed": False}, headers=ME)
    assert unknown.status_code == 404
    assert unknown.json()["rule"] == "mail_topic_unknown"
    anonymous = await service.client.get("/mail/preferences")
    assert anonymous.status_code == 401


# -- the directory --------------------------------------------------------------------------------


async def test_managers_keep_the_directory_normalised(service: Service) -> None:
    entry = await enter(
        service, display_name="　ﾔﾏﾀﾞ　 ﾊﾅｺ ", email=" ｙａｍａｄａ．ｈａｎａｋｏ＠Tsunagu.Example.JP　"
    )
    assert entry["display_name"] == "ヤマダ ハナコ"
    assert entry["email"] == "yamada.hanako@tsunagu.example.jp"
    assert entry["active"] is True
    again = await enter(service, active=False)
    assert again["created_at"] == entry["created_at"]
    assert (again["active"], again["display_name"]) == (False, "山田 花子")
    got = await service.get(f"/staff-directory/{SUB}")
    assert got == again
    assert await service.get("/staff-directory", active="false") == [again]
    assert await service.get("/staff-directory", active="true") == []


@pytest.mark.parametrize(
    "email",
    [
        "yamada",
        "yamada@",
        "@example.jp",
        "ya mada@example.jp",
        "a@b@example.jp",
        "yamada@localhost",
        "yamada@example..jp",
        "yamada@-example.jp",
        "山田@example.jp",
        "yamada@192.168.0.1",
    ],
)
async def test_an_address_that_is_none_is_refused_without_echoing_it(service: Service, email: str) -> None:
    response = await service.client.put(
        f"/staff-directory/{SUB}", json={"display_name": "山田", "email": email}, headers=SUPERVISOR
    )
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == "staff_email_invalid"
    assert email not in response.text


async def test_only_managers_see_or_change_the_directory(service: Service) -> None:
    await enter(service)
    for method, path in (("GET", "/staff-directory"), ("GET", f"/staff-directory/{SUB}")):
        assert (await service.client.request(method, path, headers=COUNSELLOR)).status_code == 403
    changed = await service.client.put(
        f"/staff-directory/{SUB}", json={"display_name": "x", "email": ADDRESS}, headers=ME
    )
    assert changed.status_code == 403
    missing = await service.client.get("/staff-directory/auth0|nobody", headers=SUPERVISOR)
    assert missing.status_code == 404
    assert missing.json()["rule"] == "staff_member_not_found"


async def test_the_directory_reaches_no_event_and_no_log(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    markers = Markers({"name": "NM", "email": "EM"})
    name = markers(1, "name")
    service.new_events()
    with caplog.at_level(logging.DEBUG):
        await enter(service, display_name=name, email=f"{markers.ascii(1, 'email')}@example.jp")
        refused = await service.client.put(
            f"/staff-directory/{SUB}",
            json={"display_name": markers(2, "name"), "email": f"{markers(2, 'email')}@example.jp"},
            headers=SUPERVISOR,
        )
        assert refused.status_code == 422
    assert service.new_events() == []
    assert markers.find(caplog.text) == []
    assert markers.find(refused.text) == []


async def test_both_visitors_of_a_home_visit_are_mailed_without_the_place(
    mailing: tuple[Service, SmtpInbox],
) -> None:
    from tsunagu_scheduling.testing import home_visit_requested

    service, smtp = mailing
    first = await service.qualified_staff("C-01")  # subject staff-C-01
    second = await service.qualified_staff("C-02")
    await enter(service, "staff-C-01", email="c01@tsunagu.example.jp")
    await enter(service, "staff-C-02", email="c02@tsunagu.example.jp")
    request = home_visit_requested(visits=1)
    assert service.deliver(request)
    [visit] = await service.get("/home-visits", status="to_schedule")
    await service.post(
        f"/home-visits/{visit['id']}/schedule",
        {"starts_at": tokyo(2026, 4, 9, 10), "staff_ids": [first, second]},
        COUNSELLOR,
    )
    service.clock.advance(days=3)
    assert (service.scan_reminders(), send(service)) == (1, 2)
    assert sorted(m["To"] for m in smtp.messages) == ["c01@tsunagu.example.jp", "c02@tsunagu.example.jp"]
    for mail in smtp.messages:
        assert "訪問相談" in mail["Subject"]
        text = fold(mail.as_string())
        for secret in (request.data.person_id, request.data.case_id, request.data.municipality_code):
            assert fold(secret) not in text
