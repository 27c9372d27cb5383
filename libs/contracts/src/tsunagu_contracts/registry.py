"""The registry of every event class, and parsing raw bytes into a typed envelope.

Event classes register themselves with :func:`event`; the module ``tsunagu_contracts.events``
imports every one of them, so importing the package yields the complete catalogue.

When an event gets a new major version, the earlier one stays registered (stored events keep
their type for as long as the stream keeps them) and an **upcaster** declared with
:func:`upcaster` carries its data to the new version. A reader that wants the new version
(:meth:`Registry.parse_as`, the service kit's consumers) then gets every stored event of the
earlier one as an event of the new one: same id, time, source, subject, correlation and
causation; ``type`` and ``dataschema`` those of the new version; data upcast (ADR 0015).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import ValidationError

from .envelope import CloudEvent, EventData, EventType, data_schema_uri
from .errors import (
    InvalidEnvelopeError,
    InvalidEventDataError,
    MalformedEventError,
    NotUpcastableError,
    UnknownEventTypeError,
    UnknownEventVersionError,
)

E = TypeVar("E", bound=type[EventData])
D = TypeVar("D", bound=EventData)
S = TypeVar("S", bound=EventData)
T = TypeVar("T", bound=EventData)

Upcast = Callable[[Any], EventData]
"""Data of one version to data of a later version of the same event."""


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
        self._upcasters: dict[str, tuple[str, Upcast]] = {}
        """From a type name to the later version its upcaster makes, and the upcaster."""

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
        """Forget an event type (tests that register an event for their own duration), and the
        upcasters from and to it."""
        self._upcasters.pop(name, None)
        for source in [s for s, (target, _) in self._upcasters.items() if target == name]:
            del self._upcasters[source]
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

    def emitted_by(self, producer: str) -> list[str]:
        """The types ``producer`` emits today: its types but those superseded by a later version
        (an earlier version with an upcaster is only read, from stored events)."""
        return [n for n in self.subjects_of(producer) if n not in self._upcasters]

    # -- upcasting -----------------------------------------------------------------------------

    def register_upcaster(self, source: type[EventData], target: type[EventData], upcast: Upcast) -> None:
        """Declare how data of ``source`` becomes data of ``target``, a later version of the same event.

        One upcaster per source version; versions chain (v1 → v2 → v3), so each upcaster only
        knows the step it makes.
        """
        for cls in (source, target):
            event_type = getattr(cls, "event_type", None)
            if event_type is None or self._by_name.get(event_type.name) is not cls:
                raise ValueError(f"{cls.__qualname__} is not a registered event class")
        old, new = source.event_type, target.event_type
        if old.family != new.family or new.version <= old.version:
            raise ValueError(
                f"an upcaster goes to a later version of the same event, not {old.name} → {new.name}"
            )
        if old.name in self._upcasters:
            raise ValueError(f"{old.name} already has an upcaster (to {self._upcasters[old.name][0]})")
        self._upcasters[old.name] = (new.name, upcast)

    def upcasts_to(self, name: str) -> str | None:
        """The version the upcaster of ``name`` makes, if it has one."""
        step = self._upcasters.get(name)
        return step[0] if step else None

    def readable_as(self, name: str) -> tuple[str, ...]:
        """The types a reader of ``name`` receives: the earlier versions whose upcasters lead to it
        (oldest first), then ``name`` itself."""
        earlier = [s for s in self._upcasters if s != name and self._chain(s, name) is not None]
        return (*sorted(earlier, key=lambda n: EventType.parse(n).version), name)

    def _chain(self, source: str, target: str) -> list[Upcast] | None:
        steps: list[Upcast] = []
        current = source
        while current != target:
            step = self._upcasters.get(current)
            if step is None:
                return None
            current, upcast = step
            steps.append(upcast)
        return steps

    def upcast(self, event: CloudEvent[Any], to: str) -> CloudEvent[Any]:
        """``event`` as an event of type ``to``: its data through the upcasters from its version
        to ``to``, its envelope kept but for ``type`` and ``dataschema``. An event already of type
        ``to`` is returned as it is.

        Raises :class:`UnknownEventVersionError` when no upcasters lead from its type to ``to``,
        and :class:`NotUpcastableError` (an :class:`EventParseError`: dead-lettered at once) when
        an upcaster cannot carry this event's data.
        """
        if event.type == to:
            return event
        steps = self._chain(event.type, to)
        if steps is None:
            raise UnknownEventVersionError(f"{event.type}: no upcaster leads to {to}")
        data: EventData = event.data
        try:
            for step in steps:
                data = step(data)
        except ValidationError as exc:  # the upcaster built data the later version refuses
            problems = "; ".join(
                f"{loc}: {rule}" for loc, rule in _problems(exc, frozenset(self.get(to).model_fields))
            )
            raise NotUpcastableError(f"{event.type} → {to}: {problems}") from None
        target = self.get(to)
        if type(data) is not target:
            raise TypeError(
                f"the upcasters from {event.type} made {type(data).__qualname__}, not {target.__qualname__}"
            )
        envelope_cls = self.envelope_class(to)
        fields = {name: getattr(event, name) for name in type(event).model_fields}
        fields.update(type=to, dataschema=data_schema_uri(to), data=data)
        upcast: CloudEvent[Any] = envelope_cls.model_validate(fields)
        return upcast

    def parse_as(self, raw: bytes | str, target: type[D]) -> CloudEvent[D]:
        """Raw wire bytes to an event of ``target``'s type: parsed as :meth:`parse` does, then upcast
        when it is an earlier version with upcasters leading to it.

        An event of any other type raises :class:`UnknownEventVersionError` (an earlier version
        without an upcaster, a later one) or :class:`InvalidEnvelopeError` (another event).
        """
        event = self.parse(raw)
        want = target.event_type
        if event.type != want.name and event.event_type.family != want.family:
            raise InvalidEnvelopeError(f"type: not {want.family}")
        return self.upcast(event, want.name)

    # -- parsing ---------------------------------------------------------------------------------

    def parse(self, raw: bytes | str, *, expect: str | None = None) -> CloudEvent[Any]:
        """Raw wire bytes to a typed envelope, or an :class:`EventParseError` subclass.

        Bad JSON, an unknown type, an unknown version and invalid data raise distinct errors whose
        messages name fields and rules, never values.

        ``expect`` is the type a caller expects (a consumer of one subscription). A document of
        that type goes straight into its envelope class through pydantic's JSON parser, with no
        dictionary in between (about half the time of the general path); anything else (another
        type, bad JSON, invalid data) is parsed again by the general path, so the result and the
        errors are the same with or without it.
        """
        if expect is not None and (envelope_cls := self._envelopes.get(expect)) is not None:
            try:
                event = envelope_cls.model_validate_json(raw)
            except ValidationError:
                pass
            else:
                if event.type == expect:
                    return event
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


def upcaster(source: type[S], target: type[T]) -> Callable[[Callable[[S], T]], Callable[[S], T]]:
    """Function decorator: declare how data of ``source`` (an earlier version of an event) becomes
    data of ``target`` (a later one)::

        @upcaster(CaseReviewConcluded, CaseReviewConcludedV2)
        def _concluded_v1_to_v2(old: CaseReviewConcluded) -> CaseReviewConcludedV2: ...

    The function gets the validated data of one stored event and returns the data of the later
    version; it raises :class:`NotUpcastableError` for data it cannot carry. It must be pure:
    replays run it again on the same events.
    """

    def decorate(fn: Callable[[S], T]) -> Callable[[S], T]:
        REGISTRY.register_upcaster(source, target, fn)
        return fn

    return decorate


def parse_event(raw: bytes | str) -> CloudEvent[Any]:
    """Parse with the global registry (see :meth:`Registry.parse`)."""
    return REGISTRY.parse(raw)
