"""The exported event log: stream messages as JSON Lines, for ``tsunagu events export/replay`` and tests.

One message per line, in stream order::

    {"subject": "tsunagu.intake.case.opened.v1",
     "headers": {"Nats-Msg-Id": "0193…"} | null,
     "data": {<the CloudEvent JSON object>} | {"$raw_b64": "<base64 of the payload>"},
     "seq": 42,
     "time": "2026-04-01T00:00:00.123456Z"}

``data`` holds the payload as a JSON object when it is one (every Tsunagu event is), so the file
is readable and greppable; any other payload (not UTF-8, not JSON, a JSON value that is not an
object) is kept byte for byte as base64 under the single key ``$raw_b64``. ``seq`` and ``time``
are the stream sequence and the time the stream stored the message; ``headers`` are the NATS
headers as recorded (``null`` when there were none).

A JSON payload is written back compactly (``{"a":1}``), which is byte-identical to what the
envelope's ``to_json_bytes()`` produces; replay relies on event ids, never on payload bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_serializer

RAW_KEY = "$raw_b64"
"""Key of the only field of ``data`` when the payload is not a JSON object."""

MSG_ID_HEADER = "Nats-Msg-Id"

REPLAY_DROPPED_HEADER_PREFIXES: tuple[str, ...] = (
    "Nats-Expected-",
    "Nats-Rollup",
    "Nats-Batch-",
    "Nats-Incr",
    "Nats-Schedule",
)
"""Headers that steer the server at publish time (optimistic concurrency, rollups, atomic batches,
counters, schedules). They made sense when first published; replayed, they would fail or purge."""


SERVER_ADDED_HEADERS: tuple[str, ...] = (
    "Nats-Stream",
    "Nats-Sequence",
    "Nats-Time-Stamp",
    "Nats-Subject",
    "Nats-Last-Sequence",
    "Nats-Num-Pending",
    "Nats-UpTo-Sequence",
)
"""Headers the server adds when it hands out a stored message (direct get, republish): they
describe the stored copy, which ``subject``, ``seq`` and ``time`` already record. Not exported,
not replayed."""

_DROPPED_LOWER = tuple(prefix.lower() for prefix in REPLAY_DROPPED_HEADER_PREFIXES)
_SERVER_ADDED_LOWER = frozenset(name.lower() for name in SERVER_ADDED_HEADERS)


def _without_server_added(headers: Mapping[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (headers or {}).items() if k.lower() not in _SERVER_ADDED_LOWER}


class EventLogFormatError(ValueError):
    """A line of an exported event log is not in the format above."""


class _StreamMessage(Protocol):
    """What a stored stream message offers (nats-py ``RawStreamMsg`` has these)."""

    subject: str | None
    seq: int | None
    data: bytes | None
    headers: dict[str, str] | None
    time: datetime | None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate keys")
    return result


def _json_object(payload: bytes) -> dict[str, Any] | None:
    """The payload as a JSON object, or ``None`` when it must be kept raw."""
    try:
        value = json.loads(
            payload.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or set(value) == {RAW_KEY}:
        return None
    return value


class ExportedMessage(BaseModel):
    """One line of an exported event log (see the module documentation for the format)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    subject: str = Field(min_length=1)
    headers: dict[str, str] | None = None
    data: dict[str, Any]
    seq: int = Field(ge=0, description="Stream sequence of the message where it was exported from")
    time: AwareDatetime = Field(description="When the stream stored the message, UTC")

    @field_serializer("time")
    def _time_z(self, value: datetime) -> str:
        return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")

    # -- building ----------------------------------------------------------------------------

    @classmethod
    def from_payload(
        cls,
        subject: str,
        payload: bytes,
        *,
        headers: Mapping[str, str] | None = None,
        seq: int,
        time: datetime,
    ) -> ExportedMessage:
        """The line for a message: JSON-object payloads as objects, anything else as base64."""
        obj = _json_object(payload)
        data = obj if obj is not None else {RAW_KEY: base64.b64encode(payload).decode("ascii")}
        return cls(
            subject=subject,
            headers=dict(headers) if headers else None,
            data=data,
            seq=seq,
            time=time,
        )

    @classmethod
    def from_stream_msg(cls, msg: _StreamMessage) -> ExportedMessage:
        """The line for a message read from a stream (e.g. nats-py ``RawStreamMsg``)."""
        if msg.subject is None or msg.seq is None:
            raise ValueError("a stream message has a subject and a sequence")
        return cls.from_payload(
            msg.subject,
            msg.data or b"",
            headers=_without_server_added(msg.headers),
            seq=msg.seq,
            time=msg.time or datetime.now(UTC),
        )

    # -- reading -----------------------------------------------------------------------------

    @property
    def is_raw(self) -> bool:
        """Whether the payload is kept as base64 (it was not a JSON object)."""
        return set(self.data) == {RAW_KEY}

    def payload_bytes(self) -> bytes:
        """The payload to publish: compact JSON for an object, the original bytes for a raw one."""
        if self.is_raw:
            try:
                return base64.b64decode(self.data[RAW_KEY], validate=True)
            except (binascii.Error, TypeError) as exc:
                raise EventLogFormatError(f"{RAW_KEY} of seq {self.seq} is not valid base64") from exc
        return json.dumps(self.data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @property
    def event_id(self) -> str | None:
        """The CloudEvent ``id`` of a JSON payload, if it has one."""
        if self.is_raw:
            return None
        value = self.data.get("id")
        return value if isinstance(value, str) and value else None

    def msg_id(self) -> str:
        """The ``Nats-Msg-Id`` to publish with, so JetStream de-duplicates a repeated replay.

        The recorded header when there is one (it is what the original publisher chose; for
        events it equals the event id), else the CloudEvent ``id``, else a digest of subject,
        sequence and payload (stable across replays of the same file).
        """
        for key, value in (self.headers or {}).items():
            if key.lower() == MSG_ID_HEADER.lower() and value:
                return value
        if (eid := self.event_id) is not None:
            return eid
        digest = hashlib.sha256()
        digest.update(self.subject.encode())
        digest.update(b"\0%d\0" % self.seq)
        digest.update(self.payload_bytes())
        return f"replay-{digest.hexdigest()[:32]}"

    def publish_headers(self) -> dict[str, str]:
        """Headers to replay with: the recorded ones minus publish-time controls and server-added
        ones, plus ``Nats-Msg-Id``."""
        headers = {
            key: value
            for key, value in _without_server_added(self.headers).items()
            if not key.lower().startswith(_DROPPED_LOWER) and key.lower() != MSG_ID_HEADER.lower()
        }
        headers[MSG_ID_HEADER] = self.msg_id()
        return headers

    # -- lines -------------------------------------------------------------------------------

    def to_line(self) -> str:
        """The JSON line, without the trailing newline."""
        return self.model_dump_json()

    @classmethod
    def from_line(cls, line: str | bytes) -> ExportedMessage:
        try:
            message = cls.model_validate_json(line)
        except ValidationError as exc:
            raise EventLogFormatError(f"not an exported message: {exc}") from exc
        if RAW_KEY in message.data and not message.is_raw:
            raise EventLogFormatError(f"{RAW_KEY} must be the only key of data")
        return message


def read_jsonl(path: Path | str) -> Iterator[ExportedMessage]:
    """The messages of an exported file, in file order; blank lines are skipped."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield ExportedMessage.from_line(line)
            except EventLogFormatError as exc:
                raise EventLogFormatError(f"{path}:{number}: {exc}") from None


def write_jsonl(path: Path | str, messages: Iterable[ExportedMessage]) -> int:
    """Write messages as JSON lines (UTF-8, ``\\n`` endings); returns how many were written."""
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for message in messages:
            fh.write(message.to_line())
            fh.write("\n")
            count += 1
    return count
