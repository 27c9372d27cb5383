"""Mail queued in the sender's own transaction, and sent by a timer over SMTP.

- :func:`queue_mail` adds a row in the caller's session: the mail exists exactly when the state
  change that wants it commits. Its ``key`` makes it one mail: queuing the same key again (a
  redelivered event, a scan run twice) does nothing.
- A row names its recipient by an opaque reference the service resolves when sending
  (:class:`Recipients`), and its template's context holds no personal data: the queue never holds
  an address, and a recipient erased meanwhile gets nothing.
- :class:`MailSender` takes due rows one by one: it *claims* a row (``claimed_until``, so replicas
  never send the same row at once), sends it, and marks it sent. A server that refuses the mail
  counts a failure against the row, which is tried again later (growing delays) and set aside
  (quarantined) after ``quarantine_after`` refusals. A server that cannot be reached blames no
  row: the scan stops and tries again next tick, however long the outage.
- Exactly once is not on offer from SMTP: a sender that dies after the server accepted the mail
  and before the row is marked sends it again once the claim has run out. The mail then carries
  the same ``Message-ID`` (``<row id@domain>``), by which mail systems recognise a duplicate.
- Every mail can be unsubscribed from: it carries a signed link (``List-Unsubscribe``, one-click
  per RFC 8058) to :mod:`.unsubscribe`; a row whose recipient has unsubscribed from its topic is
  settled as ``suppressed`` without sending.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from typing import Any, Protocol

import sqlalchemy as sa
from prometheus_client import Counter
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..logging import get_logger
from ..messaging.backoff import backoff_delay
from ..metrics import REGISTRY
from .tables import mail_outbox
from .templates import MailTemplates
from .unsubscribe import UnsubscribeLinks, unsubscribed_query

log = get_logger(__name__)

MAILS = Counter(
    "tsunagu_mails_total",
    "Mails settled by the mail timer, by template and outcome: sent, suppressed, refused, quarantined",
    ["service", "template", "outcome"],
    registry=REGISTRY,
)

SENT = "sent"
SUPPRESSED = "suppressed"
QUARANTINED = "quarantined"

_KEY_LENGTH = 200


class Recipients(Protocol):
    """The service's answer to "where does this recipient's mail go": an address, or None when
    there is none any more (erased, never given). Called in the sender's own session."""

    def address(self, session: Session, recipient: str) -> str | None: ...


def queue_mail(
    session: Session,
    *,
    key: str,
    topic: str,
    template: str,
    recipient: str,
    context: Mapping[str, Any],
    now: datetime,
    due_at: datetime | None = None,
) -> bool:
    """Queue one mail in ``session`` (the caller's transaction); False when ``key`` was queued before.

    ``context`` is what the template may show: codes, dates, links — never personal data (the
    queue is read by operators, and it outlives what an erasure removes).
    """
    if len(key) > _KEY_LENGTH:
        raise ValueError(f"a mail key is at most {_KEY_LENGTH} characters")
    values = {
        "id": str(uuid.uuid4()),
        "key": key,
        "topic": topic,
        "template": template,
        "recipient": recipient,
        "context": dict(context),
        "created_at": now,
        "due_at": due_at or now,
        "failures": 0,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(mail_outbox).values(**values).on_conflict_do_nothing(index_elements=["key"])
    # RETURNING, not rowcount: drivers differ in what they count for a skipped conflict.
    return session.execute(statement.returning(mail_outbox.c.id)).first() is not None


@dataclass(frozen=True)
class SmtpServer:
    """Where mail goes, and how to talk to it."""

    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


class SmtpUnavailable(Exception):
    """The server could not be reached or dropped the conversation: no mail is to blame."""


@dataclass(frozen=True)
class MailPolicy:
    batch: int = 20
    claim: timedelta = timedelta(minutes=2)
    quarantine_after: int = 5
    retry_base: float = 30.0
    retry_max: float = 3600.0


class MailSender:
    """The mail timer's scan: send what is due, one row at a time (see the module's docstring)."""

    def __init__(
        self,
        *,
        service: str,
        engine: Engine,
        server: SmtpServer | None,
        sender: str,
        templates: MailTemplates,
        recipients: Recipients,
        links: UnsubscribeLinks,
        clock: Callable[[], datetime],
        policy: MailPolicy = MailPolicy(),
    ) -> None:
        self.service = service
        self.engine = engine
        self.server = server
        self.sender = sender
        self.templates = templates
        self.recipients = recipients
        self.links = links
        self.clock = clock
        self.policy = policy
        _, address = parseaddr(sender)
        self.domain = address.rpartition("@")[2] or "localhost"

    def scan(self, _engine: Engine | None = None) -> int:
        """Settle up to ``batch`` due mails; how many. Stops early when the server is unreachable."""
        if self.server is None:
            return 0  # nowhere to send: the rows wait, and the service's start said so
        settled = 0
        for row_id in self._due():
            if not self._claim(row_id):
                continue  # another sender has it
            try:
                self._settle(row_id)
            except SmtpUnavailable as exc:
                self._release(row_id)
                log.warning(
                    "mail server unavailable", service=self.service, error=type(exc.__cause__).__name__
                )
                break
            settled += 1
        return settled

    # -- one row --------------------------------------------------------------------------------
    def _due(self) -> list[str]:
        now = self.clock()
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(mail_outbox.c.id)
                    .where(
                        mail_outbox.c.sent_at.is_(None),
                        mail_outbox.c.settled_at.is_(None),
                        mail_outbox.c.due_at <= now,
                        sa.or_(mail_outbox.c.claimed_until.is_(None), mail_outbox.c.claimed_until < now),
                    )
                    .order_by(mail_outbox.c.due_at, mail_outbox.c.created_at, mail_outbox.c.id)
                    .limit(self.policy.batch)
                ).scalars()
            )

    def _claim(self, row_id: str) -> bool:
        now = self.clock()
        with self.engine.begin() as conn:
            claimed = conn.execute(
                sa.update(mail_outbox)
                .where(
                    mail_outbox.c.id == row_id,
                    mail_outbox.c.sent_at.is_(None),
                    mail_outbox.c.settled_at.is_(None),
                    sa.or_(mail_outbox.c.claimed_until.is_(None), mail_outbox.c.claimed_until < now),
                )
                .values(claimed_until=now + self.policy.claim)
            )
            return claimed.rowcount == 1

    def _release(self, row_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(mail_outbox).where(mail_outbox.c.id == row_id).values(claimed_until=None))

    def _settle(self, row_id: str) -> None:
        with Session(self.engine) as session:
            row = session.execute(sa.select(mail_outbox).where(mail_outbox.c.id == row_id)).one()
            unsubscribed = session.execute(unsubscribed_query(row.recipient, row.topic)).first()
            address = None if unsubscribed else self.recipients.address(session, row.recipient)
        if address is None:
            self._finish(row_id, row.template, SUPPRESSED, settled=True)
            return
        message = self._message(row, address)
        try:
            self._send(message)
        except smtplib.SMTPException as exc:  # the server answered about this mail (an outage propagates)
            self._refused(row_id, row.template, row.failures + 1, type(exc).__name__)
            return
        self._finish(row_id, row.template, SENT, settled=False)

    def _message(self, row: sa.Row[Any], address: str) -> EmailMessage:
        link = self.links.url(row.recipient, row.topic)
        rendered = self.templates.render(row.template, {**row.context, "unsubscribe_url": link})
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = formataddr(("", address))
        message["Subject"] = rendered.subject
        message["Message-ID"] = f"<{row.id}@{self.domain}>"
        message["List-Unsubscribe"] = f"<{link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(rendered.body, charset="utf-8")
        return message

    def _send(self, message: EmailMessage) -> None:
        assert self.server is not None
        server = self.server
        try:
            with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
                if server.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if server.username:
                    smtp.login(server.username, server.password or "")
                smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
            raise SmtpUnavailable() from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code == 421:  # the server is closing for everyone: no mail is to blame
                raise SmtpUnavailable() from exc
            raise  # it answered, about this mail
        except smtplib.SMTPException:
            raise
        except OSError as exc:  # after the SMTP errors: they are OSErrors too
            raise SmtpUnavailable() from exc

    def _finish(self, row_id: str, template: str, outcome: str, *, settled: bool) -> None:
        now = self.clock()
        values: dict[str, Any] = {"claimed_until": None, "outcome": outcome}
        values["settled_at" if settled else "sent_at"] = now
        with self.engine.begin() as conn:
            conn.execute(sa.update(mail_outbox).where(mail_outbox.c.id == row_id).values(**values))
        MAILS.labels(service=self.service, template=template, outcome=outcome).inc()

    def _refused(self, row_id: str, template: str, failures: int, error: str) -> None:
        now = self.clock()
        values: dict[str, Any] = {"claimed_until": None, "failures": failures, "last_error": error}
        if failures >= self.policy.quarantine_after:
            values |= {"settled_at": now, "outcome": QUARANTINED}
            outcome = QUARANTINED
        else:
            delay = backoff_delay(failures, base=self.policy.retry_base, cap=self.policy.retry_max)
            values["due_at"] = now + timedelta(seconds=delay)
            outcome = "refused"
        with self.engine.begin() as conn:
            conn.execute(sa.update(mail_outbox).where(mail_outbox.c.id == row_id).values(**values))
        MAILS.labels(service=self.service, template=template, outcome=outcome).inc()
        log.warning("mail refused by the server", service=self.service, template=template, error=error)
