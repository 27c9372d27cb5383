"""Test helpers of the service kit: waiting, recording the bus, exporting and replaying events,
databases, a service under test (its runtime, an HTTP client, a settable clock, its outbox,
delivering events), and the HTTP contract test (:func:`check_http_contract`, schemathesis against
the OpenAPI document). Canary tests of personal data (markers, the search, a service process with
everything it emits captured) are in :mod:`tsunagu_servicekit.testing.canary`.

The fixtures (``nats_server``, ``nats_url``, ``database_url``, ``replay_events``…) live in
:mod:`tsunagu_servicekit.testing.plugin`, loaded by pytest automatically. The broker process
itself is :class:`tsunagu_servicekit.natsserver.NatsServerProcess`.

Names are imported on first use, so loading the pytest plugin stays cheap for every test run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .artefacts import artefacts_dir
    from .contract import ContractFailure, ContractReport, check_http_contract
    from .databases import is_postgres, is_sqlite, migrate_to, schema_drift, temporary_postgres_database
    from .recorder import BusRecorder, RecordedMessage
    from .replay import export_streams, replay_jsonl
    from .service import (
        LOCAL_AUDIENCE,
        LOCAL_ISSUER,
        QUICK_DELIVERY,
        ServiceRecipe,
        ServiceUnderTest,
        SettableClock,
        auth_headers,
        http_client,
        ids_counting_down,
        local_authenticator,
        local_bearer,
        problem_of,
        role_headers,
        settings_for_tests,
    )
    from .waiting import wait_for, wait_for_sync

__all__ = [
    "LOCAL_AUDIENCE",
    "LOCAL_ISSUER",
    "QUICK_DELIVERY",
    "BusRecorder",
    "ContractFailure",
    "ContractReport",
    "RecordedMessage",
    "ServiceRecipe",
    "ServiceUnderTest",
    "SettableClock",
    "artefacts_dir",
    "auth_headers",
    "check_http_contract",
    "export_streams",
    "http_client",
    "ids_counting_down",
    "is_postgres",
    "is_sqlite",
    "local_authenticator",
    "local_bearer",
    "migrate_to",
    "problem_of",
    "replay_jsonl",
    "role_headers",
    "schema_drift",
    "settings_for_tests",
    "temporary_postgres_database",
    "wait_for",
    "wait_for_sync",
]

_WHERE = {
    "artefacts_dir": ".artefacts",
    "ContractFailure": ".contract",
    "ContractReport": ".contract",
    "check_http_contract": ".contract",
    "BusRecorder": ".recorder",
    "RecordedMessage": ".recorder",
    "is_postgres": ".databases",
    "is_sqlite": ".databases",
    "temporary_postgres_database": ".databases",
    "schema_drift": ".databases",
    "migrate_to": ".databases",
    "replay_jsonl": ".replay",
    "export_streams": ".replay",
    "ServiceUnderTest": ".service",
    "ServiceRecipe": ".service",
    "SettableClock": ".service",
    "auth_headers": ".service",
    "http_client": ".service",
    "ids_counting_down": ".service",
    "settings_for_tests": ".service",
    "QUICK_DELIVERY": ".service",
    "LOCAL_ISSUER": ".service",
    "LOCAL_AUDIENCE": ".service",
    "role_headers": ".service",
    "local_authenticator": ".service",
    "local_bearer": ".service",
    "problem_of": ".service",
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
