"""The programme office's notices with intake as its own process on a real nats-server (SQLite, and
PostgreSQL where ``TSUNAGU_TEST_DATABASE_URL`` is set), on a simulated clock: an emergency web
consultation heads the reply queue ahead of an earlier ordinary one; once their deadlines pass,
the office gets one e-mail per overdue reply (an SMTP server on loopback), and exactly one, also
after the process is killed and started again."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from stack import COUNSELLOR, ServiceProcess, running, wait_until
from tsunagu_servicekit.simclock import write_simulated_instant
from tsunagu_servicekit.testing.smtp import loopback_smtp

pytestmark = pytest.mark.slow

THU_2025_05_01_10_JST = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
FRI_2025_05_09_10_JST = datetime(2025, 5, 9, 1, 0, tzinfo=UTC)  # past both deadlines
OFFICE = "office@tsunagu.example.jp"
OVERDUE = "【つなぐ】返信期限を過ぎたメール相談があります"
BODY = "カナリア相談本文-E2E"


def consult(ic: httpx.Client, declared: str) -> str:
    password = "office notices pass"
    number = ic.post("/web/registrations", json={"password": password}).json()["user_number"]
    token = ic.post("/web/sessions", json={"user_number": number, "password": password}).json()[
        "access_token"
    ]
    sent = ic.post(
        "/web/consultations",
        json={"body": BODY, "declared": declared},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert sent.status_code == 201, sent.text
    return str(sent.json()["consultation_id"])


def overdue_mails(messages: list[EmailMessage]) -> Counter[str]:
    """Overdue notices per consultation id (the one id each names)."""
    found: Counter[str] = Counter()
    for message in messages:
        if message["Subject"] == OVERDUE:
            line = next(x for x in message.get_content().splitlines() if "相談番号" in x)
            found[line.split(":", 1)[1].strip()] += 1
    return found


def test_an_emergency_heads_the_queue_and_each_overdue_reply_is_mailed_once_across_a_restart(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    write_simulated_instant(clock, THU_2025_05_01_10_JST)
    with loopback_smtp() as smtp:
        intake = ServiceProcess(
            "intake",
            nats_url,
            database_url,
            tmp_path,
            {
                "ENVIRONMENT": "local",
                "SIMULATED_CLOCK_FILE": str(clock),
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp.port),
                "OFFICE_MAILBOX": OFFICE,
                "SLA_SCAN_INTERVAL": "0.3",
                "MAIL_INTERVAL": "0.3",
            },
        )
        with running(intake), intake.client() as ic:
            ordinary = consult(ic, "none")
            emergency = consult(ic, "emergency")
            queue = ic.get("/email/queue", headers=COUNSELLOR).json()
            assert [q["consultation_id"] for q in queue] == [emergency, ordinary]
            assert queue[0]["reply_due_at"] == "2025-05-01T08:15:00Z"  # 17:15 in Tokyo: the same business day

            write_simulated_instant(clock, FRI_2025_05_09_10_JST)
            wait_until(
                lambda: overdue_mails(smtp.messages).keys() == {ordinary, emergency},
                timeout=30,
                message="one notice per overdue reply",
            )
            intake.kill()
            intake.start()
            time.sleep(2.0)  # several scans of both timers after the restart; nothing may come again
            assert overdue_mails(smtp.messages) == Counter({ordinary: 1, emergency: 1})

        for message in smtp.messages:
            assert BODY not in message.as_string()
        assert all(m["To"] == OFFICE for m in smtp.messages)
