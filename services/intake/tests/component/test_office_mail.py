"""The office is told of an overdue reply by one e-mail, through a real SMTP server on loopback:
queued in the announcement's own transaction, sent by the kit's mail timer, and once — also
across a restart of the service — with nothing of the consultation in it."""

from __future__ import annotations

from datetime import UTC, datetime
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
