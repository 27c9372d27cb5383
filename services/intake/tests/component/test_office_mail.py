"""The office is told of an overdue reply by one e-mail, through a real SMTP server on loopback:
queued in the announcement's own transaction, sent by the kit's mail timer, and once — also
across a restart of the service — with nothing of the consultation in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tsunagu_intake.testing import IntakeService, service_without_broker
from tsunagu_servicekit.testing import SettableClock
from tsunagu_servicekit.testing.smtp import SmtpInbox, loopback_smtp

from .test_web_consultation import register_and_login, submit

DUE = datetime(2025, 5, 8, 8, 15, tzinfo=UTC)  # Thu 5/8 17:15 Tokyo, for a consultation of Thu 5/1 10:00
CANARY = "カナリア相談本文ZQX"


def mail_settings(smtp: SmtpInbox) -> dict[str, object]:
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "office_mailbox": "office@tsunagu.example.jp",
        "mail_interval": 3600.0,  # scanned by the test, never by itself
    }


def scan(service: IntakeService, clock: SettableClock, now: datetime) -> tuple[int, int]:
    """The deadline scan, then the mail scan, at ``now``: (announced, mails settled)."""
    clock.set(now)
    announced = service.runtime.timer("reply-deadlines").scan_once(service.context)
    mailed = service.runtime.kit_timer("mail").scan_once(service.runtime.engine)
    return announced, mailed


async def test_an_overdue_reply_sends_the_office_one_mail_even_across_a_restart(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    with loopback_smtp() as smtp:
        async with service_without_broker(database_url, tmp_path, clock, **mail_settings(smtp)) as service:
            _, user = await register_and_login(service)
            sent = await submit(service, user, CANARY)
            assert scan(service, clock, DUE.replace(hour=7)) == (1, 0)  # due soon: announced, no mail
            assert scan(service, clock, DUE.replace(minute=16)) == (1, 1)
            assert scan(service, clock, DUE.replace(minute=30)) == (0, 0)
        async with service_without_broker(database_url, tmp_path, clock, **mail_settings(smtp)) as restarted:
            assert scan(restarted, clock, DUE.replace(hour=12)) == (0, 0)
        [mail] = smtp.messages
    assert mail["To"] == "office@tsunagu.example.jp"
    assert mail["Subject"] == "【つなぐ】返信期限を過ぎたメール相談があります"
    body = mail.get_content()
    assert sent["consultation_id"] in body
    assert "令和7年5月8日 17:15" in body
    assert CANARY not in mail.as_string()
    assert mail["List-Unsubscribe"].strip("<>") in body


async def test_mail_queued_before_a_restart_is_sent_once_after_it(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    with loopback_smtp() as smtp:
        down = {**mail_settings(smtp), "smtp_port": smtp.port + 1 if smtp.port < 65535 else 1}
        async with service_without_broker(database_url, tmp_path, clock, **down) as service:
            _, user = await register_and_login(service)
            await submit(service, user, "相談")
            assert scan(service, clock, DUE.replace(minute=16)) == (1, 0)  # the server is unreachable
        async with service_without_broker(database_url, tmp_path, clock, **mail_settings(smtp)) as restarted:
            assert scan(restarted, clock, DUE.replace(hour=9)) == (0, 1)
            assert scan(restarted, clock, DUE.replace(hour=10)) == (0, 0)
        assert len(smtp.messages) == 1


async def test_without_an_office_mailbox_the_mail_is_settled_unsent(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    with loopback_smtp() as smtp:
        settings = {**mail_settings(smtp), "office_mailbox": None}
        async with service_without_broker(database_url, tmp_path, clock, **settings) as service:
            _, user = await register_and_login(service)
            await submit(service, user, "相談")
            assert scan(service, clock, DUE.replace(minute=16)) == (1, 1)
        assert smtp.messages == []


async def test_an_urgent_escalation_is_mailed_to_the_office_without_its_brief(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    from tsunagu_intake.testing import COUNSELLOR, new_person_consultation

    with loopback_smtp() as smtp:
        async with service_without_broker(database_url, tmp_path, clock, **mail_settings(smtp)) as service:
            opened = await service.client.post(
                "/consultations", json=new_person_consultation(), headers=COUNSELLOR
            )
            case_id = opened.json()["case_id"]
            routine = await service.client.post(
                f"/cases/{case_id}/escalations",
                json={
                    "reason_codes": ["legal_issue"],
                    "urgency": "routine",
                    "brief": {"summary": CANARY, "question": "成年後見の要否"},
                },
                headers=COUNSELLOR,
            )
            assert routine.status_code == 201, routine.text
            assert (
                service.runtime.kit_timer("mail").scan_once(service.runtime.engine) == 0
            )  # routine: no mail
            # Another case: this one has an escalation waiting already.
            opened = await service.client.post(
                "/consultations", json=new_person_consultation(), headers=COUNSELLOR
            )
            case_id = opened.json()["case_id"]
            automatic = await service.client.post(
                f"/cases/{case_id}/risk",
                json={"risk_level": "high", "set_flags": [{"flag": "suicide_risk"}]},
                headers=COUNSELLOR,
            )
            escalation_id = automatic.json()["escalation_id"]
            assert escalation_id is not None
            assert service.runtime.kit_timer("mail").scan_once(service.runtime.engine) == 1
        [mail] = smtp.messages
    assert mail["Subject"] == "【つなぐ】即時対応のエスカレーションがあります"
    body = mail.get_content()
    assert escalation_id in body
    assert case_id in body
    assert "suicide_risk" in body
    assert "リスク評価による自動登録" in body
    assert CANARY not in mail.as_string()


async def test_a_consulter_who_gave_an_address_is_told_a_reply_is_waiting_and_can_unsubscribe(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    from urllib.parse import parse_qs, urlparse

    from tsunagu_intake.testing import COUNSELLOR

    async def reply(service: IntakeService, consultation: dict[str, str]) -> None:
        r = await service.client.post(
            f"/consultations/{consultation['consultation_id']}/replies",
            json={"body": CANARY},
            headers=COUNSELLOR,
        )
        assert r.status_code == 201, r.text

    with loopback_smtp() as smtp:
        settings = {**mail_settings(smtp), "mail_public_base_url": "https://soudan.example.jp"}
        async with service_without_broker(database_url, tmp_path, clock, **settings) as service:
            r = await service.client.post(
                "/web/registrations",
                json={"password": "correct horse battery", "nickname": "ﾊﾅｺ", "email": "hanako@example.jp"},
            )
            number = r.json()["user_number"]
            login = await service.client.post(
                "/web/sessions", json={"user_number": number, "password": "correct horse battery"}
            )
            user = {"Authorization": f"Bearer {login.json()['access_token']}"}
            first = await submit(service, user, CANARY)
            second = await submit(service, user, "二件目")
            _, no_address = await register_and_login(service, nickname="ﾀﾛｳ")
            third = await submit(service, no_address, "三件目")
            await reply(service, first)
            await reply(service, third)  # nobody to tell: no mail queued
            assert service.runtime.kit_timer("mail").scan_once(service.runtime.engine) == 1
            [mail] = smtp.messages
            assert mail["To"] == "hanako@example.jp"
            assert mail["Subject"] == "【つなぐ】ご相談への返信が届いています"
            assert "https://soudan.example.jp" in mail.get_content()
            assert CANARY not in mail.as_string()
            assert number not in mail.as_string()  # the user number is a login credential
            link = urlparse(mail["List-Unsubscribe"].strip("<>"))
            assert link.path == "/mail/unsubscribe"
            done = await service.client.post(link.path, params={"t": parse_qs(link.query)["t"][0]})
            assert done.status_code == 200
            await reply(service, second)
            assert service.runtime.kit_timer("mail").scan_once(service.runtime.engine) == 1  # settled unsent
        assert len(smtp.messages) == 1


async def test_a_person_erased_before_the_mail_goes_gets_none(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    from tsunagu_intake.testing import COUNSELLOR, SUPERVISOR

    with loopback_smtp() as smtp:
        async with service_without_broker(database_url, tmp_path, clock, **mail_settings(smtp)) as service:
            registration = {"password": "password-1", "email": "erased@example.jp"}
            number = (await service.client.post("/web/registrations", json=registration)).json()[
                "user_number"
            ]
            login = await service.client.post(
                "/web/sessions", json={"user_number": number, "password": "password-1"}
            )
            user = {"Authorization": f"Bearer {login.json()['access_token']}"}
            sent = await submit(service, user, "相談")
            replied = await service.client.post(
                f"/consultations/{sent['consultation_id']}/replies", json={"body": "返信"}, headers=COUNSELLOR
            )
            assert replied.status_code == 201
            person_id = (
                await service.client.get(
                    f"/consultations/{sent['consultation_id']}?purpose=email_reply", headers=COUNSELLOR
                )
            ).json()["person_id"]
            erased = await service.client.post(
                f"/persons/{person_id}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
            )
            assert erased.status_code in (200, 202), erased.text
            assert service.runtime.kit_timer("mail").scan_once(service.runtime.engine) == 1  # settled unsent
        assert smtp.messages == []


async def test_supervisors_turn_the_office_mail_on_again_after_a_link_turned_it_off(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    from urllib.parse import parse_qs, urlparse

    from tsunagu_intake.testing import COUNSELLOR, SUPERVISOR

    with loopback_smtp() as smtp:
        async with service_without_broker(database_url, tmp_path, clock, **mail_settings(smtp)) as service:
            _, user = await register_and_login(service)
            await submit(service, user, "相談")
            assert scan(service, clock, DUE.replace(minute=16)) == (1, 1)
            [mail] = smtp.messages
            link = urlparse(mail["List-Unsubscribe"].strip("<>"))
            await service.client.post(link.path, params={"t": parse_qs(link.query)["t"][0]})
            listed = await service.client.get("/mail/office-preferences", headers=SUPERVISOR)
            assert listed.status_code == 200
            assert {t["topic"]: t["subscribed"] for t in listed.json()["topics"]} == {
                "reply_overdue": False,
                "escalation_urgent": True,
            }
            assert (
                await service.client.get("/mail/office-preferences", headers=COUNSELLOR)
            ).status_code == 403
            await submit(service, user, "二件目")
            assert scan(service, clock, DUE + timedelta(days=30)) == (1, 1)  # settled unsent
            on = await service.client.put(
                "/mail/office-preferences/reply_overdue", json={"subscribed": True}, headers=SUPERVISOR
            )
            assert on.status_code == 200, on.text
            assert on.json()["subscribed"] is True
            await submit(service, user, "三件目")
            assert scan(service, clock, DUE + timedelta(days=60)) == (1, 1)
        assert len(smtp.messages) == 2
