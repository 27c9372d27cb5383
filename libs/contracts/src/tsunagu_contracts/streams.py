"""JetStream stream definitions: one stream per producing service, and the dead-letter stream.

Plain data (no NATS client here): the service kit turns these into stream configurations, the
deploy/ manifests and the CLI read them. Subjects follow ``tsunagu.<producer>.<entity>.<event>.v<major>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DAY = 24 * 60 * 60
GIB = 1024**3

PRODUCERS: tuple[str, ...] = ("intake", "scheduling", "partners", "subsidy", "training")


@dataclass(frozen=True, slots=True)
class StreamDefinition:
    """One JetStream stream: its name, the subjects it captures, and its limits.

    The limits come from the capacity arithmetic in ``docs/deploy.md`` ("Stream capacity"): a
    fiscal year of Tokyo's traffic, with a margin, fits well inside ``max_bytes``.
    """

    name: str
    subjects: tuple[str, ...]
    description: str
    max_age_seconds: int = 400 * DAY
    """Retention by age: a fiscal year and a margin, so a year can be replayed. ``0``: no limit
    by age (a message leaves only when an operator removes it)."""
    max_bytes: int = GIB
    """Size limit. What happens there is ``discard``'s business."""
    discard: Literal["new", "old"] = "new"
    """At ``max_bytes``: ``new`` refuses the publish (the publisher sees an error and retries; the
    stream keeps everything it has), ``old`` silently deletes the oldest messages, consumed or
    not. Every Tsunagu stream refuses: nothing unconsumed and no dead letter is evicted to make
    room."""
    duplicate_window_seconds: int = 2 * 60 * 60
    """De-duplication window by ``Nats-Msg-Id``; longer than any relay outage we expect to ride out."""
    replicas: int = 1


def stream_name(producer: str) -> str:
    """``intake`` -> ``TSUNAGU_INTAKE``."""
    return f"TSUNAGU_{producer.upper()}"


STREAM_MAX_BYTES: dict[str, int] = {
    "intake": 4 * GIB,
    "scheduling": 4 * GIB,
    "partners": 1 * GIB,
    "subsidy": 1 * GIB,
    "training": 1 * GIB,
}
"""Size limit of each producer's stream: a fiscal year of its events with a margin of at least
three (``docs/deploy.md``, "Stream capacity"); 1 GiB is the floor."""


def producer_stream(producer: str) -> StreamDefinition:
    """The stream that holds every event the given service produces."""
    return StreamDefinition(
        name=stream_name(producer),
        subjects=(f"tsunagu.{producer}.>",),
        description=f"Events produced by the {producer} service",
        max_bytes=STREAM_MAX_BYTES.get(producer, GIB),
    )


DLQ_SUBJECT_PREFIX = "tsunagu.dlq"

DLQ_STREAM = StreamDefinition(
    name="TSUNAGU_DLQ",
    subjects=(f"{DLQ_SUBJECT_PREFIX}.>",),
    description="Dead letters: messages a consumer could not process, with where they came from and why",
    # A dead letter leaves only when an operator retries or removes it: never by age, and at the
    # size limit new dead letters are refused (the consumer keeps the message and tries again).
    max_age_seconds=0,
    max_bytes=2 * GIB,
)

STREAMS: tuple[StreamDefinition, ...] = (*(producer_stream(p) for p in PRODUCERS), DLQ_STREAM)


def stream_for_subject(subject: str) -> StreamDefinition | None:
    """The stream whose subjects capture ``subject`` (only ``prefix.>`` patterns are used here)."""
    for stream in STREAMS:
        for pattern in stream.subjects:
            if pattern.endswith(".>") and subject.startswith(pattern[:-1]):
                return stream
    return None


def dlq_subject(consumer: str) -> str:
    """Subject a consumer's dead letters go to: ``tsunagu.dlq.<consumer durable name>``."""
    return f"{DLQ_SUBJECT_PREFIX}.{consumer}"
