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


def _field_names(envelope_cls: type[CloudEvent[Any]]) -> frozenset[str]:
    """Every property name the contract declares, at any depth."""
    try:
        schema = envelope_cls.model_json_schema()
    except Exception:  # a type without a JSON schema: fall back to the envelope's own fields
        return frozenset(envelope_cls.model_fields)
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                names.update(props)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return frozenset(names)


def _problems(exc: ValidationError, known: frozenset[str]) -> list[tuple[str, str]]:
    """Field and rule of each validation error; never the input value.

    A location part that is not a declared field name or a list index came from the input (a
    mapping key, say) and is masked, since it may itself be personal data.
    """
    out = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        parts = [
            str(part) if isinstance(part, int) or part in known or part == "[key]" else "*"
            for part in err["loc"]
        ]
        out.append((".".join(parts) or "(root)", err["type"]))
    return out


class Registry:
    """Event classes by type name (= subject), grouped by family for version lookups."""

    def __init__(self) -> None:
        self._by_name: dict[str, type[EventData]] = {}
        self._families: dict[str, set[int]] = {}
        self._envelopes: dict[str, type[CloudEvent[Any]]] = {}
        self._field_names: dict[str, frozenset[str]] = {}

    def register(self, cls: type[EventData], event_type: EventType) -> None:
        if event_type.name in self._by_name and self._by_name[event_type.name] is not cls:
            raise ValueError(f"{event_type.name} is registered twice")
        for name, known in self._by_name.items():
            if known is cls and name != event_type.name:
                raise ValueError(f"{cls.__qualname__} is already registered as {name}")
        cls.event_type = event_type
        self._by_name[event_type.name] = cls
        self._families.setdefault(event_type.family, set()).add(event_type.version)
        self._envelopes[event_type.name] = CloudEvent[cls]  # type: ignore[valid-type]  # a data class known only at run time

    def unregister(self, name: str) -> None:
        """Forget an event type (tests that register an event for their own duration)."""
        cls = self._by_name.pop(name)
        family = cls.event_type.family
        self._families[family].discard(cls.event_type.version)
        if not self._families[family]:
            del self._families[family]
        self._envelopes.pop(name, None)

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
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
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
            if name not in self._field_names:
                self._field_names[name] = _field_names(envelope_cls)
            raise InvalidEventDataError(name, _problems(exc, self._field_names[name])) from None


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
