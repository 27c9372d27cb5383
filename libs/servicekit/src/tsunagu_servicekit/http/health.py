"""Readiness checks: named async callables that raise when a dependency is not ready."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from tsunagu_servicekit.logging import get_logger

__all__ = ["Readiness"]

_log = get_logger(__name__)

Check = Callable[[], Awaitable[None]]


class Readiness:
    """The checks behind ``/readyz``: e.g. ``readiness.add("database", ping_database)``.

    A check returns when its dependency is usable and raises otherwise; one that does not answer
    within the timeout counts as failing. Checks run concurrently.
    """

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        if name in self._checks:
            raise ValueError("A readiness check of this name is already registered.")
        self._checks[name] = check

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._checks)

    async def run(self, timeout: float = 2.0) -> dict[str, bool]:
        """Run every check at once; ``{name: True}`` for those that passed within ``timeout``."""
        names = list(self._checks)
        results = await asyncio.gather(*(self._run_one(name, limit=timeout) for name in names))
        return dict(zip(names, results, strict=True))

    async def _run_one(self, name: str, *, limit: float) -> bool:
        try:
            async with asyncio.timeout(limit):
                await self._checks[name]()
        except TimeoutError:
            _log.warning("readiness.check_timed_out", check=name, timeout_s=limit)
            return False
        except Exception as exc:
            # The class only: the message of a driver error may hold connection details or values.
            _log.warning("readiness.check_failed", check=name, error_class=type(exc).__name__)
            return False
        return True
