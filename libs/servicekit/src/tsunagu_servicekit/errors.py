"""Refusals: the one way a use case says no, mapped to RFC 9457 problem details by the HTTP layer.

Each service declares its rules once, as data (usually in ``domain/rules.py``)::

    SLOT_TAKEN = Rule("slot_taken", 409, "The time was taken by another booking.")

and a use case refuses with ``raise Refusal(SLOT_TAKEN)`` (or :func:`refuse`). The rule's name
travels to the caller as the problem's ``rule`` (and in its ``type`` URI), its status is the HTTP
status, its message the problem's ``detail``.

The message is shown to the caller and written to logs, so it is a fixed sentence written by the
developer: it never holds a value taken from the input or the records (no names, no free text, no
ids that came from the request). Callers that need to say *which* thing failed use the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import NoReturn

__all__ = ["Refusal", "Rule", "RuleBook", "ServiceError", "refuse"]

_RULE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ServiceError(Exception):
    """A failure the caller can act on; ``status_code`` and ``code`` travel to the HTTP answer.

    The base of :class:`Refusal` and of the kit's authentication errors. Services raise
    :class:`Refusal`; they do not subclass this.
    """

    status_code: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r})"


@dataclass(frozen=True)
class Rule:
    """A business rule a request can break: its name, the HTTP status of a refusal, and a fixed,
    value-free sentence saying what the rule is."""

    name: str
    status: int
    message: str

    def __post_init__(self) -> None:
        if not _RULE_NAME.match(self.name):
            raise ValueError(f"a rule name is snake_case ASCII: {self.name!r}")
        if not 400 <= self.status < 500:
            raise ValueError(f"a refusal is a client error (4xx): {self.name} has {self.status}")
        HTTPStatus(self.status)  # a real status, so OpenAPI and the problem's title agree


class Refusal(ServiceError):
    """A use case refused the request because it breaks ``rule``.

    ``headers`` are added to the HTTP answer (``Retry-After`` for a lockout, say); like the
    message, they never hold input.
    """

    def __init__(self, rule: Rule, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(rule.message, code=rule.name, status_code=rule.status)
        self.rule = rule
        self.headers = dict(headers or {})

    def __repr__(self) -> str:
        return f"Refusal(rule={self.rule.name!r}, status={self.rule.status})"


def refuse(rule: Rule, *, headers: Mapping[str, str] | None = None) -> NoReturn:
    """Raise the :class:`Refusal` of ``rule`` (reads well where an expression is wanted)."""
    raise Refusal(rule, headers=headers)


class RuleBook:
    """Every rule of a service, by name: for documentation, and to check names are unique."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules: dict[str, Rule] = {}
        for rule in rules:
            if rule.name in self._rules and self._rules[rule.name] != rule:
                raise ValueError(f"two rules are named {rule.name}")
            self._rules[rule.name] = rule

    @classmethod
    def of_module(cls, namespace: Mapping[str, object]) -> RuleBook:
        """The rules defined at the top level of a module: ``RuleBook.of_module(vars(rules))``."""
        return cls(value for value in namespace.values() if isinstance(value, Rule))

    def __getitem__(self, name: str) -> Rule:
        return self._rules[name]

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def with_status(self, status: int) -> list[Rule]:
        return [r for r in self._rules.values() if r.status == status]
