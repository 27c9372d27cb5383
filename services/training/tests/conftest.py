"""The training tests' service under test (the kit's plugin provides the fixtures)."""

from __future__ import annotations

import pytest
from tsunagu_servicekit.testing.plugin import ServiceFactory
from tsunagu_training.testing import service_without_broker


@pytest.fixture
def service_under_test() -> ServiceFactory:
    return service_without_broker
