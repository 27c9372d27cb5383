"""Dead letters: a copy of the original message, with where it came from and why it failed.

Published to ``tsunagu.dlq.<consumer>`` (stream ``TSUNAGU_DLQ``). The payload is the original
bytes, untouched; the reason is the error *class*, never its message or any payload value.
"""

from __future__ import annotations

from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from tsunagu_contracts import dlq_subject

H_SUBJECT = "Tsunagu-Dlq-Subject"
H_STREAM = "Tsunagu-Dlq-Stream"
H_SEQUENCE = "Tsunagu-Dlq-Sequence"
H_CONSUMER = "Tsunagu-Dlq-Consumer"
H_ERROR = "Tsunagu-Dlq-Error"
H_ATTEMPTS = "Tsunagu-Dlq-Attempts"
H_TIME = "Tsunagu-Dlq-Time"

_CARRIED = ("traceparent", "tracestate", "Nats-Msg-Id")


def dead_letter_headers(msg: Msg, *, consumer: str, error_class: str) -> dict[str, str]:
    md = msg.metadata
    headers = {
        H_SUBJECT: msg.subject,
        H_STREAM: md.stream,
        H_SEQUENCE: str(md.sequence.stream),
        H_CONSUMER: consumer,
        H_ERROR: error_class,
        H_ATTEMPTS: str(md.num_delivered),
        H_TIME: datetime.now(UTC).isoformat(),
        "Nats-Msg-Id": f"dlq-{md.stream}-{md.sequence.stream}-{consumer}",
    }
    for key in _CARRIED[:2]:
        if msg.headers and key in msg.headers:
            headers[key] = msg.headers[key]
    if msg.headers and "Nats-Msg-Id" in msg.headers:
        headers["Tsunagu-Dlq-Original-Msg-Id"] = msg.headers["Nats-Msg-Id"]
    return headers


async def publish_dead_letter(js: JetStreamContext, msg: Msg, *, consumer: str, error_class: str) -> None:
    """Copy ``msg`` to the dead-letter stream; raises if the broker does not acknowledge it."""
    await js.publish(
        dlq_subject(consumer),
        msg.data,
        headers=dead_letter_headers(msg, consumer=consumer, error_class=error_class),
    )
