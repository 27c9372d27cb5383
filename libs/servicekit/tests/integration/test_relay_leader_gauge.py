"""``tsunagu_outbox_relay_leader``: 1 while a service's relay may publish, 0 once it stops.

Alerts read ``sum by (service) (tsunagu_outbox_relay_leader) == 0`` as "nothing publishes this
service's outbox", so the gauge must fall when the relay stops and rise when it runs, on SQLite
(no lease: the one process leads) as on PostgreSQL (the lease holder leads). Who of two relays
leads on PostgreSQL is in test_relay_leadership.
"""

from __future__ import annotations

import pytest
from kitapp import build_runtime, settings_for
from tsunagu_servicekit.metrics import REGISTRY
from tsunagu_servicekit.testing import wait_for

pytestmark = pytest.mark.slow
SERVICE = "kitgauge"


def leaders(service: str = SERVICE) -> float | None:
    return REGISTRY.get_sample_value("tsunagu_outbox_relay_leader", {"service": service})


async def test_the_leader_gauge_follows_the_relay(database_url: str, nats_url: str) -> None:
    runtime = build_runtime(
        settings_for(SERVICE, database_url=database_url, nats_url=nats_url, relay_poll_interval=0.1),
        consume=False,
    )
    assert not leaders()  # not running: not reported, or 0 after an earlier run
    async with runtime:
        await wait_for(lambda: leaders() == 1, timeout=20, message="the running relay reported as leader")
        assert runtime.infra.relay.leads()
    assert leaders() == 0
    assert not runtime.infra.relay.leads()
