"""Errors of the intake use cases, on top of the kit's (all value-free; see ADR 0004)."""

from __future__ import annotations

from typing import ClassVar

from tsunagu_servicekit.errors import Conflict, NotFound, RuleViolation, ServiceError

__all__ = ["Conflict", "Erased", "LoginLocked", "NotFound", "OutOfScope", "RuleViolation"]

OWN_MUNICIPALITY_ONLY = "own_municipality_only"


class OutOfScope(RuleViolation):
    """403: the caller acts outside its municipality. Said the same whether the record exists or not."""

    status_code: ClassVar[int] = 403
    code = "forbidden"

    def __init__(self) -> None:
        super().__init__(
            "Municipality staff may only act for their own municipality.", rule=OWN_MUNICIPALITY_ONLY
        )


class Erased(ServiceError):
    """410: the person's personal data was erased and can no longer be read."""

    status_code: ClassVar[int] = 410
    code = "erased"

    def __init__(self) -> None:
        super().__init__("The personal data of this person has been erased.")


class LoginLocked(ServiceError):
    """429: too many failed logins in a row for this user number (said alike whether it exists)."""

    status_code: ClassVar[int] = 429
    code = "too_many_requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed logins. Try again later.")
        self.retry_after = retry_after
