"""Growing delays for retries: exponential with a cap and a little jitter."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, *, base: float, cap: float, jitter: float = 0.1) -> float:
    """Delay before retry number ``attempt`` (1-based): base·2^(attempt-1), capped, ±jitter."""
    raw = min(cap, base * 2.0 ** max(0, attempt - 1))
    return max(0.0, raw * (1.0 + random.uniform(-jitter, jitter)))
