"""Wait for a condition by polling it, with a deadline: never a fixed sleep in a test."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any


def _timeout_error(message: str, timeout: float) -> TimeoutError:
    return TimeoutError(f"{message} not met within {timeout}s")


async def wait_for(
    predicate: Callable[[], Any | Awaitable[Any]],
    *,
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str = "condition",
) -> Any:
    """Poll ``predicate`` (plain or async) until it returns something truthy, and return that.

    The predicate runs at least once, then every ``interval`` seconds. Raises
    ``TimeoutError("<message> not met within <timeout>s")`` at the deadline, also when an async
    predicate is still running then. Exceptions the predicate raises propagate at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            scope = asyncio.timeout_at(deadline)
            try:
                async with scope:
                    result = await result
            except TimeoutError:
                if scope.expired():
                    raise _timeout_error(message, timeout) from None
                raise
        if result:
            return result
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise _timeout_error(message, timeout)
        await asyncio.sleep(min(interval, remaining))


def wait_for_sync(
    predicate: Callable[[], Any],
    *,
    timeout: float = 10.0,
    interval: float = 0.02,
    message: str = "condition",
) -> Any:
    """The blocking form of :func:`wait_for`, for synchronous predicates."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            raise TypeError("wait_for_sync got an awaitable; use `await wait_for(...)` for async predicates")
        if result:
            return result
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout_error(message, timeout)
        time.sleep(min(interval, remaining))
