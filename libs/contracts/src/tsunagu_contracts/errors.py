"""Why a raw message could not become a typed event.

Every error names the field and the rule that failed, never the value: a message that fails to
parse may still hold personal data, and these texts end up in logs and dead letters.
"""

from __future__ import annotations


class EventParseError(Exception):
    """A message that cannot be a valid event. Retrying it cannot help: it is dead-lettered at once."""

    code = "invalid_event"


class MalformedEventError(EventParseError):
    """The payload is not a JSON object."""

    code = "malformed_json"


class InvalidEnvelopeError(EventParseError):
    """The payload is JSON but not a CloudEvents 1.0 envelope we can route (no usable ``type``)."""

    code = "invalid_envelope"


class UnknownEventTypeError(EventParseError):
    """No event of this type (in any version) is registered."""

    code = "unknown_type"


class UnknownEventVersionError(EventParseError):
    """The event type is known, but not in this major version."""

    code = "unknown_version"


class NotUpcastableError(EventParseError):
    """An event of an earlier version whose data its declared upcaster cannot carry to the version
    the reader wants (the message names the rule, never a value)."""

    code = "not_upcastable"


class InvalidEventDataError(EventParseError):
    """The envelope or its data does not satisfy the registered contract."""

    code = "invalid_data"

    def __init__(self, event_type: str, problems: list[tuple[str, str]]) -> None:
        self.event_type = event_type
        self.problems = problems
        listed = "; ".join(f"{loc}: {rule}" for loc, rule in problems[:10])
        more = f" (+{len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(f"{event_type} failed validation: {listed}{more}")

    def __reduce__(self) -> tuple[type[InvalidEventDataError], tuple[str, list[tuple[str, str]]]]:
        return (type(self), (self.event_type, self.problems))
