"""Test helpers of the service kit: waiting, recording the bus, replaying exported events, databases.

The fixtures (``nats_server``, ``nats_url``, ``database_url``, ``replay_events``…) live in
:mod:`tsunagu_servicekit.testing.plugin`, loaded by pytest automatically. The broker process
itself is :class:`tsunagu_servicekit.natsserver.NatsServerProcess`.

Names are imported on first use, so loading the pytest plugin stays cheap for every test run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .databases import is_postgres, is_sqlite, temporary_postgres_database
    from .recorder import BusRecorder, RecordedMessage
    from .replay import replay_jsonl
    from .waiting import wait_for, wait_for_sync

__all__ = [
    "BusRecorder",
    "RecordedMessage",
    "is_postgres",
    "is_sqlite",
    "replay_jsonl",
    "temporary_postgres_database",
    "wait_for",
    "wait_for_sync",
]

_WHERE = {
    "BusRecorder": ".recorder",
    "RecordedMessage": ".recorder",
    "is_postgres": ".databases",
    "is_sqlite": ".databases",
    "temporary_postgres_database": ".databases",
    "replay_jsonl": ".replay",
    "wait_for": ".waiting",
    "wait_for_sync": ".waiting",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
