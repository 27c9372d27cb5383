"""The retention horizons: derived from the delivery settings and the streams, and refused below it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from tsunagu_contracts import STREAMS
from tsunagu_servicekit.messaging.horizons import minimum_inbox_horizon
from tsunagu_servicekit.settings import ServiceSettings


def test_the_minimum_inbox_horizon_outlives_the_duplicate_window_and_every_redelivery() -> None:
    window = timedelta(seconds=max(s.duplicate_window_seconds for s in STREAMS))
    assert window == timedelta(hours=2)
    # 2 h + 50 deliveries × (30 s ack wait + 60 s longest retry delay)
    assert minimum_inbox_horizon(delivery_limit=50, ack_wait=30, retry_max_delay=60) == window + timedelta(
        seconds=4500
    )
    defaults = ServiceSettings()
    assert defaults.inbox_horizon == timedelta(days=7)
    assert defaults.outbox_horizon == timedelta(days=1)


def test_a_horizon_shorter_than_its_minimum_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError, match="inbox_horizon 2:00:00 is shorter than 3:15:00"):
        ServiceSettings(inbox_horizon=timedelta(hours=2))
    # The minimum follows the delivery settings: a day is too short for 1-hour ack waits × 30.
    with pytest.raises(ValidationError, match="shorter than 1 day, 8:30:00"):
        ServiceSettings(inbox_horizon=timedelta(days=1), ack_wait=3600, delivery_limit=30)
    with pytest.raises(
        ValidationError, match="outbox_horizon 1:00:00 is shorter than the streams' duplicate"
    ):
        ServiceSettings(outbox_horizon=timedelta(hours=1))
    assert ServiceSettings(inbox_horizon="P2D").inbox_horizon == timedelta(days=2)  # type: ignore[arg-type]
