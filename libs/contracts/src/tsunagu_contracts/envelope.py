"""The CloudEvents 1.0 envelope (structured JSON mode) shared by every Tsunagu event.

Every event is ``CloudEvent[SomeEventData]``. The ``type`` is also the NATS subject
(``tsunagu.<producer>.<entity>.<event>.v<major>``), the ``id`` a UUIDv7 that doubles as the
JetStream ``Nats-Msg-Id`` and the consumer's inbox key, and ``dataschema`` the URI of the JSON
Schema of ``data`` (``urn:tsunagu:dataschema:<type>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_serializer, field_validator

from .ids import new_event_id
from .streams import stream_name

ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
"""A canonical lower-case UUID: event ids and the pseudonymous ids of people and cases."""

TYPE_PATTERN = r"^tsunagu\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$"
_TYPE_RE = re.compile(TYPE_PATTERN)
_TOKEN_RE = re.compile(r"^[a-z][a-z0-9_]*$")

SPECVERSION = "1.0"
"""The CloudEvents version of every Tsunagu event."""

DATA_SCHEMA_PATTERN = r"^urn:tsunagu:dataschema:" + TYPE_PATTERN.removeprefix("^")
"""``dataschema`` as producers write it: ``urn:tsunagu:dataschema:<type>``."""

LEGACY_DATA_SCHEMA_PATTERN = r"^urn:tsunagu:schema:[a-z0-9_.]+$"
"""``dataschema`` as events written before it named the data schema carry it.

It is the ``$id`` of the envelope schema of the type. Readers accept exactly what they accepted
then, so stored streams and exported logs replay; producers never write it.
"""


def data_schema_uri(type_name: str) -> str:
    """``dataschema`` of events of ``type_name``: the ``$id`` of the JSON Schema of their ``data``.

    It carries the type and so its major version only: within a major version a schema changes
    additively, so every event of the version validates against every revision of it.
    """
    return f"urn:tsunagu:dataschema:{type_name}"


def envelope_schema_uri(type_name: str) -> str:
    """``$id`` of the JSON Schema of the whole envelope of ``type_name``.

    Events written before ``dataschema`` named the data schema carry this value as their
    ``dataschema``; it keeps naming what it named then.
    """
    return f"urn:tsunagu:schema:{type_name}"


@dataclass(frozen=True, slots=True)
class EventType:
    """Where an event comes from and what it says: producer, entity, past-tense action, major version."""

    producer: str
    entity: str
    action: str
    version: int

    def __post_init__(self) -> None:
        for part in (self.producer, self.entity, self.action):
            if not _TOKEN_RE.match(part):
                raise ValueError(f"event type parts are lower-case tokens, got {part!r}")
        if self.version < 1:
            raise ValueError("event versions start at 1")

    @property
    def name(self) -> str:
        """The CloudEvents ``type`` and the NATS subject, e.g. ``tsunagu.intake.case.opened.v1``."""
        return f"{self.family}.v{self.version}"

    @property
    def family(self) -> str:
        """The type without its version: every major version of one event shares it."""
        return f"tsunagu.{self.producer}.{self.entity}.{self.action}"

    @property
    def dataschema(self) -> str:
        """The ``dataschema`` of events of this type (see :func:`data_schema_uri`)."""
        return data_schema_uri(self.name)

    @property
    def stream(self) -> str:
        """The JetStream stream that holds it: one per producing service."""
        return stream_name(self.producer)

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of events of this type."""
        return f"/tsunagu/{self.producer}"

    @classmethod
    def parse(cls, name: str) -> EventType:
        if not _TYPE_RE.match(name):
            raise ValueError("not a Tsunagu event type")
        _, producer, entity, action, version = name.split(".")
        return cls(producer, entity, action, int(version[1:]))


class EventData(BaseModel):
    """Base class of every event's ``data``.

    Consumers are tolerant readers: unknown fields are ignored, so a producer may add optional
    fields within a major version. Producers build events from typed values, so they are strict
    by construction. Fields hold ids, codes, bands and flags only: never personal data.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[EventType]


D = TypeVar("D", bound=EventData)


class CloudEvent(BaseModel, Generic[D]):
    """A CloudEvents 1.0 envelope in structured JSON mode, with correlation and causation."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: Literal["1.0"] = Field(description="CloudEvents version; required, as CloudEvents 1.0 says")
    id: str = Field(pattern=ID_PATTERN, description="UUIDv7; also the Nats-Msg-Id and the inbox key")
    source: str = Field(pattern=r"^/tsunagu/[a-z][a-z0-9_]*$", description="The producing service")
    type: str = Field(pattern=TYPE_PATTERN, description="Equals the NATS subject")
    subject: str | None = Field(
        default=None,
        pattern=ID_PATTERN,
        description="Pseudonymous id of the entity the event is about (never personal data)",
    )
    time: AwareDatetime = Field(description="When it happened, UTC")
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(
        default=None,
        pattern=f"{DATA_SCHEMA_PATTERN}|{LEGACY_DATA_SCHEMA_PATTERN}",
        description=(
            "URI of the JSON Schema of data: urn:tsunagu:dataschema:<type>. Events written before "
            "it named the data schema carry urn:tsunagu:schema:<type> (the envelope schema); "
            "readers accept both, producers write only the first"
        ),
    )
    correlationid: str = Field(pattern=ID_PATTERN, description="Id of the first event of this flow")
    causationid: str | None = Field(
        default=None, pattern=ID_PATTERN, description="Id of the event that directly caused this one"
    )
    data: D

    @field_validator("time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @field_serializer("time")
    def _time_z(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")

    @property
    def event_type(self) -> EventType:
        return EventType.parse(self.type)

    def to_json_bytes(self) -> bytes:
        """The wire form: the structured-mode JSON document."""
        return self.model_dump_json(exclude_none=True).encode()


def new_event(
    data: D,
    *,
    subject: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    time: datetime | None = None,
    event_id: str | None = None,
) -> CloudEvent[D]:
    """Wrap ``data`` in a new envelope. A flow's first event is its own correlation id."""
    event_type = type(data).event_type
    eid = event_id or new_event_id()
    envelope_cls: Any = CloudEvent[type(data)]  # type: ignore[misc]  # a class known only at run time
    envelope: CloudEvent[D] = envelope_cls(
        specversion=SPECVERSION,
        id=eid,
        source=event_type.source,
        type=event_type.name,
        subject=subject,
        time=time or datetime.now(UTC),
        dataschema=event_type.dataschema,
        correlationid=correlation_id or eid,
        causationid=causation_id,
        data=data,
    )
    return envelope


def caused_by(cause: CloudEvent[Any], data: D, *, subject: str | None = None) -> CloudEvent[D]:
    """A new event caused by ``cause``: same correlation id, causation id = ``cause.id``."""
    return new_event(data, subject=subject, correlation_id=cause.correlationid, causation_id=cause.id)
