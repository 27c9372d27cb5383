"""Small asyncio pieces the kit's loops share."""

from __future__ import annotations

import asyncio


async def wait_set(event: asyncio.Event, timeout: float) -> bool:
    """Wait until ``event`` is set or ``timeout`` seconds pass; return whether it is set.

    Loops that wake on an event or a tick use this instead of ``asyncio.wait_for``: before
    Python 3.12, ``wait_for`` swallows a cancellation that arrives in the same turn as the event
    (CPython gh-86296), and a loop cancelled just then never stops — its ``stop()`` waits forever.
    ``asyncio.timeout`` tells its own expiry from an outside cancellation.
    """
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True
