"""The registry of every event class, and parsing raw bytes into a typed envelope.

Event classes register themselves with :func:`event`; the module ``tsunagu_contracts.events``
imports every one of them, so importing the package yields the complete catalogue.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import ValidationError

from .envelope import CloudEvent, EventData, EventType
from .errors import (
    InvalidEnvelopeError,
    InvalidEventDataError,
    MalformedEventError,
    UnknownEventTypeError,
    UnknownEventVersionError,
)

E = TypeVar("E", bound=type[EventData])


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Field and rule of each validation error; never the input value."""
    out = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = ".".join(str(part) for part in err["loc"]) or "(root)"
        out.append((loc, err["type"]))
    return out


class Registry:
    """Event classes by type name (= subject), grouped by family for version lookups."""

    def __init__(self) -> None:
        self._by_name: dict[str, type[EventData]] = {}
        self._families: dict[str, set[int]] = {}
        self._envelopes: dict[str, type[CloudEvent[Any]]] = {}

    def register(self, cls: type[EventData], event_type: EventType) -> None:
        if event_type.name in self._by_name and self._by_name[event_type.name] is not cls:
            raise ValueError(f"{event_type.name} is registered twice")
        cls.event_type = event_type
        self._by_name[event_type.name] = cls
        self._families.setdefault(event_type.family, set()).add(event_type.version)
        self._envelopes[event_type.name] = CloudEvent[cls]  # type: ignore[valid-type]

    def __iter__(self) -> Iterator[type[EventData]]:
        return iter(sorted(self._by_name.values(), key=lambda c: c.event_type.name))

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> type[EventData]:
        """The data class of an event type name, or a parse error saying why there is none."""
        try:
            return self._by_name[name]
        except KeyError:
            pass
        try:
            family = EventType.parse(name).family
        except ValueError:
            raise InvalidEnvelopeError("type is not a Tsunagu event type") from None
        if family in self._families:
            known = ", ".join(f"v{v}" for v in sorted(self._families[family]))
            raise UnknownEventVersionError(f"{family}: this version is not registered (known: {known})")
        raise UnknownEventTypeError(f"{family}: no such event type is registered")

    def envelope_class(self, name: str) -> type[CloudEvent[Any]]:
        self.get(name)
        return self._envelopes[name]

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def subjects_of(self, producer: str) -> list[str]:
        return [n for n in self.names() if self._by_name[n].event_type.producer == producer]

    def parse(self, raw: bytes | str) -> CloudEvent[Any]:
        """Raw wire bytes to a typed envelope, or an :class:`EventParseError` subclass.

        Bad JSON, an unknown type, an unknown version and invalid data raise distinct errors whose
        messages name fields and rules, never values.
        """
        try:
            obj = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise MalformedEventError("payload is not valid JSON") from None
        if not isinstance(obj, dict):
            raise MalformedEventError("payload is not a JSON object")
        return self.parse_obj(obj)

    def parse_obj(self, obj: dict[str, Any]) -> CloudEvent[Any]:
        name = obj.get("type")
        if not isinstance(name, str):
            raise InvalidEnvelopeError("type: missing or not a string")
        envelope_cls = self.envelope_class(name)
        try:
            return envelope_cls.model_validate(obj)
        except ValidationError as exc:
            raise InvalidEventDataError(name, _problems(exc)) from None


REGISTRY = Registry()
"""The registry every service uses; filled by importing ``tsunagu_contracts.events``."""


def event(producer: str, entity: str, action: str, version: int) -> Callable[[E], E]:
    """Class decorator: register an :class:`EventData` subclass as an event type."""

    def decorate(cls: E) -> E:
        REGISTRY.register(cls, EventType(producer, entity, action, version))
        return cls

    return decorate


def parse_event(raw: bytes | str) -> CloudEvent[Any]:
    """Parse with the global registry (see :meth:`Registry.parse`)."""
    return REGISTRY.parse(raw)
