"""A real SMTP server on loopback for tests (aiosmtpd), keeping what it received.

    with loopback_smtp() as smtp:
        ... settings smtp_host="127.0.0.1", smtp_port=smtp.port ...
        assert [m["Subject"] for m in smtp.messages] == [...]

``smtp.refuse_with = "550 …"`` makes it refuse every mail with that answer.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any


@dataclass
class SmtpInbox:
    """What the loopback server received, and what it should answer."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refuse_with: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_with is not None:
            return self.refuse_with
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def loopback_smtp() -> Iterator[SmtpInbox]:
    """An SMTP server on 127.0.0.1 and a free port, for the duration of the block."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
