"""Tsunagu event contracts: the envelope, the registry of every event, the stream definitions.

Depends on pydantic alone, so any consumer (another service, a replay tool, a test) can read
Tsunagu events without the rest of the platform.
"""

from . import events as events
from .envelope import (
    ID_PATTERN,
    SPECVERSION,
    CloudEvent,
    EventData,
    EventType,
    caused_by,
    data_schema_uri,
    envelope_schema_uri,
    new_event,
)
from .errors import (
    EventParseError,
    InvalidEnvelopeError,
    InvalidEventDataError,
    MalformedEventError,
    NotUpcastableError,
    UnknownEventTypeError,
    UnknownEventVersionError,
)
from .ids import new_event_id, uuid7
from .registry import REGISTRY, Registry, event, parse_event, upcaster
from .streams import DLQ_STREAM, PRODUCERS, STREAMS, StreamDefinition, dlq_subject, stream_for_subject

__all__ = [
    "DLQ_STREAM",
    "ID_PATTERN",
    "PRODUCERS",
    "REGISTRY",
    "SPECVERSION",
    "STREAMS",
    "CloudEvent",
    "EventData",
    "EventParseError",
    "EventType",
    "InvalidEnvelopeError",
    "InvalidEventDataError",
    "MalformedEventError",
    "NotUpcastableError",
    "Registry",
    "StreamDefinition",
    "UnknownEventTypeError",
    "UnknownEventVersionError",
    "caused_by",
    "data_schema_uri",
    "dlq_subject",
    "envelope_schema_uri",
    "event",
    "events",
    "new_event",
    "new_event_id",
    "parse_event",
    "stream_for_subject",
    "upcaster",
    "uuid7",
]
