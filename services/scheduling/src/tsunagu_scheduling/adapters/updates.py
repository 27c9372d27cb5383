"""What the adapters share about statements."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (``Session.execute`` types its result loosely)."""
    return cast("CursorResult[Any]", result).rowcount
