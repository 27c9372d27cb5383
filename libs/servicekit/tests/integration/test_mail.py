"""The kit's mail: queued in the caller's transaction, sent by the mail timer to a real SMTP server
on loopback (aiosmtpd), once; refusals counted and quarantined, outages blamed on no mail;
unsubscribing through the service's own HTTP pages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jinja2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tsunagu_servicekit.db import create_db_engine, migrate
from tsunagu_servicekit.mail import (
    QUARANTINED,
    SENT,
    SUPPRESSED,
    MailPolicy,
    MailSender,
    MailTemplates,
    SmtpServer,
    UnsubscribeLinks,
    is_unsubscribed,
    mail_outbox,
    queue_mail,
    unsubscribe,
)
from tsunagu_servicekit.messaging.tables import metadata
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.testing import schema_drift
from tsunagu_servicekit.testing.smtp import SmtpInbox, free_port, loopback_smtp

T0 = datetime(2025, 6, 2, 1, 0, tzinfo=UTC)

TEMPLATES = {
    "reply_overdue.txt": (
        "{% block subject %}【つなぐ】返信期限を過ぎた相談があります（{{ reference }}）{% endblock %}\n"
        "{% block body %}相談 {{ reference }} の返信期限（{{ due_label }}）を過ぎました。\n\n"
        "配信停止: {{ unsubscribe_url }}{% endblock %}\n"
    ),
    "broken.txt": "{% block subject %}件名{% endblock %}{% block body %}{{ missing }}{% endblock %}",
}


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpInbox, int]]:
    with loopback_smtp() as inbox:
        yield inbox, inbox.port


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Directory:
    """The service's side: where each recipient's mail goes (None: nowhere any more)."""

    def __init__(self) -> None:
        self.addresses: dict[str, str | None] = {"office": "office@tsunagu.example.jp"}

    def address(self, session: Session, recipient: str) -> str | None:
        return self.addresses.get(recipient)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_db_engine(database_url)
    migrate(engine, service="mailtest")
    yield engine
    engine.dispose()


def sender(
    engine: sa.Engine, port: int | None, clock: Clock, directory: Directory, **policy: Any
) -> MailSender:
    return MailSender(
        service="mailtest",
        engine=engine,
        server=SmtpServer("127.0.0.1", port, timeout=5) if port else None,
        sender="東京都ひきこもりサポート <no-reply@tsunagu.example.jp>",
        templates=MailTemplates(jinja2.DictLoader(TEMPLATES)),
        recipients=directory,
        links=UnsubscribeLinks("s" * 40, "https://intake.example.jp"),
        clock=clock,
        policy=MailPolicy(**policy),
    )


def queue(engine: sa.Engine, key: str = "reply-overdue:c1", recipient: str = "office", **kw: Any) -> bool:
    with Session(engine) as session:
        queued = queue_mail(
            session,
            key=key,
            topic="reply_overdue",
            template=kw.pop("template", "reply_overdue"),
            recipient=recipient,
            context={"reference": "C-0001", "due_label": "令和7年6月5日 17:15"},
            now=T0,
            **kw,
        )
        session.commit()
    return queued


def rows(engine: sa.Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(mail_outbox).order_by(mail_outbox.c.created_at)))


def test_the_kit_migrations_make_exactly_the_mail_tables_declared(engine: sa.Engine) -> None:
    assert {"tsunagu_mail_outbox", "tsunagu_mail_preferences"} <= set(metadata.tables)
    assert schema_drift(engine, "tsunagu_mail", declared=metadata) == []


def test_a_queued_mail_is_sent_once_in_japanese_with_a_stable_message_id_and_an_unsubscribe_link(
    engine: sa.Engine, smtp: tuple[SmtpInbox, int]
) -> None:
    inbox, port = smtp
    clock, directory = Clock(), Directory()
    assert queue(engine)
    assert not queue(engine)  # the same key again: nothing more
    mails = sender(engine, port, clock, directory)
    assert mails.scan() == 1
    assert mails.scan() == 0
    [message] = inbox.messages
    assert message["Subject"] == "【つなぐ】返信期限を過ぎた相談があります（C-0001）"
    assert message["To"] == "office@tsunagu.example.jp"
    [row] = rows(engine)
    assert message["Message-ID"] == f"<{row.id}@tsunagu.example.jp>"
    body = message.get_content()
    assert "令和7年6月5日 17:15" in body
    link = message["List-Unsubscribe"].strip("<>")
    assert link in body
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (row.outcome, row.sent_at is not None, row.failures) == (SENT, True, 0)
    # The queue holds a reference and codes, never the address.
    assert "office@" not in repr(tuple(row))


def test_a_refusing_server_counts_failures_backs_off_and_quarantines(
    engine: sa.Engine, smtp: tuple[SmtpInbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse_with = "550 mailbox unavailable"
    clock, directory = Clock(), Directory()
    queue(engine)
    mails = sender(engine, port, clock, directory, quarantine_after=3, retry_base=60, retry_max=600)
    assert mails.scan() == 1
    [row] = rows(engine)
    assert (row.failures, row.last_error, row.outcome) == (1, "SMTPDataError", None)
    assert mails.scan() == 0  # not due again yet
    for _ in range(2):
        clock.now += timedelta(minutes=30)
        assert mails.scan() == 1
    [row] = rows(engine)
    assert (row.failures, row.outcome) == (3, QUARANTINED)
    clock.now += timedelta(days=1)
    assert mails.scan() == 0
    assert inbox.messages == []


def test_an_unreachable_server_blames_no_mail_and_the_mail_goes_once_it_is_back(
    engine: sa.Engine, smtp: tuple[SmtpInbox, int]
) -> None:
    inbox, port = smtp
    clock, directory = Clock(), Directory()
    queue(engine, key="a")
    queue(engine, key="b")
    down = sender(engine, free_port(), clock, directory, quarantine_after=1)
    for _ in range(3):
        assert down.scan() == 0
    assert [(r.failures, r.outcome, r.claimed_until) for r in rows(engine)] == [(0, None, None)] * 2
    assert sender(engine, port, clock, directory).scan() == 2
    assert len(inbox.messages) == 2


def test_without_a_server_mail_waits_in_the_queue(engine: sa.Engine) -> None:
    queue(engine)
    assert sender(engine, None, Clock(), Directory()).scan() == 0
    [row] = rows(engine)
    assert (row.sent_at, row.settled_at) == (None, None)


def test_a_mail_claimed_by_another_sender_is_left_to_it_until_its_claim_runs_out(
    engine: sa.Engine, smtp: tuple[SmtpInbox, int]
) -> None:
    inbox, port = smtp
    clock = Clock()
    queue(engine)
    with engine.begin() as conn:
        conn.execute(sa.update(mail_outbox).values(claimed_until=T0 + timedelta(minutes=2)))
    mails = sender(engine, port, clock, Directory())
    assert mails.scan() == 0
    clock.now += timedelta(minutes=3)  # the other sender died holding it
    assert mails.scan() == 1
    assert len(inbox.messages) == 1


def test_mail_to_an_unsubscribed_or_vanished_recipient_is_settled_unsent(
    engine: sa.Engine, smtp: tuple[SmtpInbox, int]
) -> None:
    inbox, port = smtp
    directory = Directory()
    directory.addresses["web_user:gone"] = None
    unsubscribe(engine, "office", "reply_overdue", T0)
    queue(engine, key="to-office")
    queue(engine, key="to-gone", recipient="web_user:gone")
    assert sender(engine, port, Clock(), directory).scan() == 2
    assert inbox.messages == []
    assert {r.outcome for r in rows(engine)} == {SUPPRESSED}


def test_a_template_with_a_hole_fails_loudly_rather_than_send() -> None:
    templates = MailTemplates(jinja2.DictLoader(TEMPLATES))
    with pytest.raises(jinja2.UndefinedError):
        templates.render("broken", {})


def test_unsubscribe_links_are_signed() -> None:
    links = UnsubscribeLinks("s" * 40, "https://x.example.jp/")
    token = links.token("web_user:1", "reply_waiting")
    assert links.read(token) == ("web_user:1", "reply_waiting")
    payload, signature = token.split(".")
    forged = UnsubscribeLinks("t" * 40, "https://x.example.jp").token("web_user:2", "reply_waiting")
    for bad in (forged, f"{forged.split('.')[0]}.{signature}", payload, "", "x.y"):
        with pytest.raises(Exception, match="not valid"):
            links.read(bad)


def test_the_unsubscribe_pages_of_a_service_record_the_choice(database_url: str, tmp_path: Path) -> None:
    settings = ServiceSettings(
        service_name="mailtest",
        database_url=database_url,
        environment="test",
        data_dir=tmp_path,
        mail_public_base_url="https://svc.example.jp",
    )
    runtime = ServiceRuntime(
        Infrastructure(settings),
        None,
        title="mail test",
        mail=(MailTemplates(jinja2.DictLoader(TEMPLATES)), Directory()),
    )
    runtime.migrate()
    assert runtime.mail_links is not None
    url = runtime.mail_links.url("office", "reply_overdue")
    token = parse_qs(urlparse(url).query)["t"][0]
    client = TestClient(runtime.http_app)
    page = client.get("/mail/unsubscribe", params={"t": token})
    assert page.status_code == 200
    assert 'method="post"' in page.text
    assert "配信を停止する" in page.text
    assert not is_unsubscribed(runtime.engine, "office", "reply_overdue")  # opening the link is not enough
    done = client.post("/mail/unsubscribe", params={"t": token}, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert is_unsubscribed(runtime.engine, "office", "reply_overdue")
    bad = client.post("/mail/unsubscribe", params={"t": token[:-3] + "AAA"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert bad.json()["rule"] == "mail_unsubscribe_link_invalid"
    assert token[:10] not in bad.text  # the problem echoes nothing of the request
    runtime.engine.dispose()


def test_a_staff_member_sees_and_changes_their_own_preferences_as_the_link_records_them(
    database_url: str, tmp_path: Path
) -> None:
    from tsunagu_servicekit.mail import MailTopic, preferences_router
    from tsunagu_servicekit.testing import local_bearer

    secret = "kit-mail-test-" + "k" * 40
    settings = ServiceSettings(
        service_name="mailtest",
        database_url=database_url,
        environment="test",
        data_dir=tmp_path,
        jwt_secret=secret,
        mail_public_base_url="https://svc.example.jp",
    )
    topics = [MailTopic("reply_overdue", "返信期限超過のお知らせ"), MailTopic("digest", "週のまとめ")]
    runtime = ServiceRuntime(
        Infrastructure(settings),
        None,
        title="mail test",
        routers=[preferences_router(topics)],
        mail=(MailTemplates(jinja2.DictLoader(TEMPLATES)), Directory()),
    )
    runtime.migrate()
    assert runtime.mail_links is not None
    bearer = local_bearer(secret)
    me, other = bearer("counsellor", subject="staff-7"), bearer("counsellor", subject="staff-8")
    client = TestClient(runtime.http_app)

    def mine(headers: dict[str, str]) -> dict[str, bool]:
        listed = client.get("/mail/preferences", headers=headers)
        assert listed.status_code == 200, listed.text
        return {t["topic"]: t["subscribed"] for t in listed.json()["topics"]}

    assert mine(me) == {"reply_overdue": True, "digest": True}
    off = client.put("/mail/preferences/digest", json={"subscribed": False}, headers=me)
    assert off.status_code == 200
    assert off.json()["label"] == "週のまとめ"
    assert off.json()["unsubscribed_at"].endswith("Z") or off.json()["unsubscribed_at"].endswith("+00:00")
    again = client.put("/mail/preferences/digest", json={"subscribed": False}, headers=me)
    assert again.json() == off.json()  # the first time stands
    assert is_unsubscribed(runtime.engine, "staff:staff-7", "digest")
    assert mine(other) == {"reply_overdue": True, "digest": True}
    # The mail's link and this page are one choice, both ways.
    token = parse_qs(urlparse(runtime.mail_links.url("staff:staff-7", "reply_overdue")).query)["t"][0]
    assert client.post("/mail/unsubscribe", params={"t": token}).status_code == 200
    assert mine(me) == {"reply_overdue": False, "digest": False}
    on = client.put("/mail/preferences/reply_overdue", json={"subscribed": True}, headers=me)
    assert on.json() == {
        "topic": "reply_overdue",
        "label": "返信期限超過のお知らせ",
        "subscribed": True,
        "unsubscribed_at": None,
    }
    assert not is_unsubscribed(runtime.engine, "staff:staff-7", "reply_overdue")
    unknown = client.put("/mail/preferences/newsletter", json={"subscribed": False}, headers=me)
    assert unknown.status_code == 404
    assert unknown.json()["rule"] == "mail_topic_unknown"
    assert client.put("/mail/preferences/digest", json={"subscribed": "no"}, headers=me).status_code == 422
    assert client.get("/mail/preferences").status_code == 401
    runtime.engine.dispose()
