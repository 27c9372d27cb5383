"""The intake service under test, for the kit's ``service`` fixture (the clock starts at the kit's
Thursday 1 May 2025, 10:00 in Tokyo: a business day, the phone line open, Golden Week ahead)."""

from __future__ import annotations

import pytest
from tsunagu_intake.testing import service_without_broker
from tsunagu_servicekit.testing.plugin import ServiceFactory


@pytest.fixture
def service_under_test() -> ServiceFactory:
    return service_without_broker
