"""Errors a service raises on purpose, mapped to HTTP answers by :mod:`tsunagu_servicekit.http`.

The message of a :class:`ServiceError` is shown to the caller and written to logs, so it is a
fixed sentence written by the developer: it never holds a value taken from the input or the
records (no names, no free text, no ids that came from the request). Callers that need to say
*which* thing failed use the ``code`` (and, for :class:`RuleViolation`, the ``rule``).
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["Conflict", "Forbidden", "NotFound", "RuleViolation", "ServiceError"]


class ServiceError(Exception):
    """A failure the caller can act on; ``status_code`` and ``code`` travel to the HTTP answer."""

    status_code: ClassVar[int] = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r})"


class NotFound(ServiceError):
    status_code: ClassVar[int] = 404
    code = "not_found"


class Conflict(ServiceError):
    status_code: ClassVar[int] = 409
    code = "conflict"


class Forbidden(ServiceError):
    status_code: ClassVar[int] = 403
    code = "forbidden"


class RuleViolation(ServiceError):
    """A business rule refused the request; ``rule`` names the rule (e.g. ``"closure_day"``)."""

    status_code: ClassVar[int] = 422
    code = "rule_violation"

    def __init__(self, message: str, *, rule: str, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.rule = rule

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, rule={self.rule!r})"
