"""Dead letters: a copy of the original message, with where it came from and why it failed.

Published to ``tsunagu.dlq.<consumer>`` (stream ``TSUNAGU_DLQ``). The payload is the original
bytes, untouched; the reason is the error *class*, never its message or any payload value. Every
original header is kept: as it was, or, for the broker's own ``Nats-*`` directives (which must not
act on the dead-letter stream), under ``Tsunagu-Dlq-Original-<name>`` (``Nats-Msg-Id`` as
``Tsunagu-Dlq-Original-Msg-Id``).

A dead letter's ``Nats-Msg-Id`` names the consumer, the original message (its id, or a digest of
its bytes when it had none) and its stream sequence, so it is unique even after a stream is
recreated and its sequences start again. A duplicate acknowledgement therefore means this very
dead letter is stored already (a retry after the publish succeeded and the termination did not).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from tsunagu_contracts import dlq_subject

from ..logging import get_logger

H_SUBJECT = "Tsunagu-Dlq-Subject"
H_STREAM = "Tsunagu-Dlq-Stream"
H_SEQUENCE = "Tsunagu-Dlq-Sequence"
H_CONSUMER = "Tsunagu-Dlq-Consumer"
H_ERROR = "Tsunagu-Dlq-Error"
H_ATTEMPTS = "Tsunagu-Dlq-Attempts"
"""Deliveries of the original message, the last included."""
H_FAILURES = "Tsunagu-Dlq-Failures"
"""Handler failures recorded for it (0: it never reached its handler, or never failed there)."""
H_TIME = "Tsunagu-Dlq-Time"

H_RETRY_FOR = "Tsunagu-Dlq-Retry-For"
"""On a dead letter republished by ``tsunagu dlq retry``: the consumer it is retried for. Every other
consumer of the subject acknowledges it without handling it: it had its own verdict on the event
long ago, and its inbox may no longer remember it (:mod:`.horizons`)."""

H_ORIGINAL_PREFIX = "Tsunagu-Dlq-Original-"
H_ORIGINAL_MSG_ID = "Tsunagu-Dlq-Original-Msg-Id"

_log = get_logger(__name__)


def _original_headers(msg: Msg) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in (msg.headers or {}).items():
        if name == "Nats-Msg-Id":
            kept[H_ORIGINAL_MSG_ID] = value
        elif name.lower().startswith("nats-"):
            kept[H_ORIGINAL_PREFIX + name] = value
        else:
            kept[name] = value
    return kept


def dead_letter_id(msg: Msg, consumer: str) -> str:
    """The dead letter's ``Nats-Msg-Id``: consumer, original id (or digest) and stream sequence."""
    original = (msg.headers or {}).get("Nats-Msg-Id") or hashlib.sha256(msg.data).hexdigest()[:32]
    return f"dlq-{consumer}-{original}-{msg.metadata.sequence.stream}"


def dead_letter_headers(msg: Msg, *, consumer: str, error_class: str, failures: int = 0) -> dict[str, str]:
    md = msg.metadata
    headers = _original_headers(msg)
    headers |= {
        H_SUBJECT: msg.subject,
        H_STREAM: md.stream,
        H_SEQUENCE: str(md.sequence.stream),
        H_CONSUMER: consumer,
        H_ERROR: error_class,
        H_ATTEMPTS: str(md.num_delivered),
        H_FAILURES: str(failures),
        H_TIME: datetime.now(UTC).isoformat(),
        "Nats-Msg-Id": dead_letter_id(msg, consumer),
    }
    return headers


async def publish_dead_letter(
    js: JetStreamContext, msg: Msg, *, consumer: str, error_class: str, failures: int = 0
) -> None:
    """Copy ``msg`` to the dead-letter stream; raises if the broker does not acknowledge it."""
    ack = await js.publish(
        dlq_subject(consumer),
        msg.data,
        headers=dead_letter_headers(msg, consumer=consumer, error_class=error_class, failures=failures),
    )
    if ack.duplicate:
        # Only this same dead letter has this id: stored by an earlier try whose termination failed.
        _log.info("dead letter already stored", consumer=consumer, dlq_sequence=ack.seq)
