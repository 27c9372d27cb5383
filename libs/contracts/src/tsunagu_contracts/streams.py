"""JetStream stream definitions: one stream per producing service, and the dead-letter stream.

Plain data (no NATS client here): the service kit turns these into stream configurations, the
deploy/ manifests and the CLI read them. Subjects follow ``tsunagu.<producer>.<entity>.<event>.v<major>``.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 24 * 60 * 60

PRODUCERS: tuple[str, ...] = ("intake", "scheduling", "partners", "subsidy", "training")


@dataclass(frozen=True, slots=True)
class StreamDefinition:
    """One JetStream stream: its name, the subjects it captures, and its limits."""

    name: str
    subjects: tuple[str, ...]
    description: str
    max_age_seconds: int = 400 * DAY
    """Retention by age: a fiscal year and a margin, so a year can be replayed."""
    max_bytes: int = 1024**3
    duplicate_window_seconds: int = 2 * 60 * 60
    """De-duplication window by ``Nats-Msg-Id``; longer than any relay outage we expect to ride out."""
    replicas: int = 1


def stream_name(producer: str) -> str:
    """``intake`` -> ``TSUNAGU_INTAKE``."""
    return f"TSUNAGU_{producer.upper()}"


def producer_stream(producer: str) -> StreamDefinition:
    """The stream that holds every event the given service produces."""
    return StreamDefinition(
        name=stream_name(producer),
        subjects=(f"tsunagu.{producer}.>",),
        description=f"Events produced by the {producer} service",
    )


DLQ_SUBJECT_PREFIX = "tsunagu.dlq"

DLQ_STREAM = StreamDefinition(
    name="TSUNAGU_DLQ",
    subjects=(f"{DLQ_SUBJECT_PREFIX}.>",),
    description="Dead letters: messages a consumer could not process, with where they came from and why",
    max_age_seconds=400 * DAY,
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
