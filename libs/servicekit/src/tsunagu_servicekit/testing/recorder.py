"""Record everything that crosses the bus, for assertions and personal-data canary tests.

A core NATS subscription to ``>`` sees every message published in the account: event publishes
(and, for JetStream publishes, the acknowledgements sent back to the publisher's inbox), JetStream
API requests and replies, advisories, messages delivered to consumers. ``$SYS`` traffic of the
system account is not visible from an ordinary account.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

from .waiting import wait_for


@dataclass(frozen=True, slots=True)
class RecordedMessage:
    """One message as it was seen on the bus."""

    subject: str
    headers: dict[str, str]
    data: bytes
    received_at: datetime
    reply: str = ""

    def text(self) -> str:
        """The payload decoded as UTF-8 (invalid bytes replaced)."""
        return self.data.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The payload parsed as JSON (raises ``ValueError`` when it is not JSON)."""
        return json.loads(self.data)


@dataclass
class BusRecorder:
    """Record every message on ``subjects`` with a core NATS subscription.

    ::

        async with BusRecorder(nats_url) as rec:
            ...  # run the scenario
            await rec.wait_for_count(3, subject_prefix="tsunagu.intake.")
            assert "山田" not in rec.all_text()

    The subscriptions are registered at the server before ``__aenter__`` returns, so nothing
    published afterwards is missed. Overlapping subject patterns record a message once per match.
    """

    nats_url: str
    subjects: tuple[str, ...] = (">",)
    name: str = "tsunagu-bus-recorder"
    messages: list[RecordedMessage] = field(default_factory=list, init=False)
    errors: list[BaseException] = field(default_factory=list, init=False)
    _nc: Client | None = field(default=None, init=False, repr=False)

    async def start(self) -> None:
        if self._nc is not None:
            return

        async def on_error(exc: Exception) -> None:  # slow consumer and the like: keep, do not log
            self.errors.append(exc)

        self._nc = await nats.connect(
            self.nats_url,
            name=self.name,
            error_cb=on_error,
            max_reconnect_attempts=-1,  # follows a server a test restarts on the same port
            reconnect_time_wait=0.1,
        )
        for subject in self.subjects:
            await self._nc.subscribe(subject, cb=self._on_message)
        await self._nc.flush()

    async def stop(self) -> None:
        if self._nc is None:
            return
        nc, self._nc = self._nc, None
        if nc.is_connected:
            try:
                await nc.drain()
                return
            except Exception:  # the server went away meanwhile (crash tests)
                pass
        await nc.close()

    async def _on_message(self, msg: Msg) -> None:
        self.messages.append(
            RecordedMessage(
                subject=msg.subject,
                headers=dict(msg.headers or {}),
                data=bytes(msg.data),
                received_at=datetime.now(UTC),
                reply=msg.reply or "",
            )
        )

    async def flush(self, timeout: float = 5.0) -> None:
        """Round trip to the server: everything it routed to us before is then recorded."""
        if self._nc is not None:
            await self._nc.flush(timeout=timeout)  # type: ignore[arg-type]  # nats-py annotates int, takes seconds as float

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- reading -----------------------------------------------------------------------------

    def matching(self, subject_prefix: str = "") -> list[RecordedMessage]:
        """Messages whose subject starts with ``subject_prefix``, in arrival order."""
        return [m for m in self.messages if m.subject.startswith(subject_prefix)]

    async def wait_for_count(
        self,
        n: int,
        subject_prefix: str = "",
        timeout: float = 10.0,
    ) -> list[RecordedMessage]:
        """Wait until at least ``n`` messages match ``subject_prefix``; returns the matches."""

        def enough() -> list[RecordedMessage] | None:
            found = self.matching(subject_prefix)
            return found if len(found) >= n else None

        if n <= 0:
            return self.matching(subject_prefix)
        result: list[RecordedMessage] = await wait_for(
            enough, timeout=timeout, message=f"{n} message(s) on {subject_prefix or '>'!r}"
        )
        return result

    def all_text(self) -> str:
        """Everything seen, as text: subjects, header keys and values, payloads (UTF-8, replaced).

        For canary tests (``assert canary not in rec.all_text()``). A JSON payload is added a
        second time re-encoded without ``\\uXXXX`` escapes, so non-ASCII text hidden behind JSON
        escaping is found as well.
        """
        parts: list[str] = []
        for m in self.messages:
            parts.append(m.subject)
            if m.reply:
                parts.append(m.reply)
            for key, value in m.headers.items():
                parts.append(f"{key}: {value}")
            parts.append(m.text())
            with contextlib.suppress(ValueError, RecursionError):
                parts.append(json.dumps(json.loads(m.data), ensure_ascii=False))
        return "\n".join(parts)
