"""The partners tests' service under test (the kit's plugin provides the fixtures)."""

from __future__ import annotations

import pytest
from tsunagu_partners.testing import service_without_broker
from tsunagu_servicekit.testing.plugin import ServiceFactory


@pytest.fixture
def service_under_test() -> ServiceFactory:
    return service_without_broker
