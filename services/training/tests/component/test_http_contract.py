"""The HTTP API keeps its documented contract: every answer to generated requests, valid and not,
is one the OpenAPI document allows (statuses, problem details, schemas)."""

from __future__ import annotations

from tsunagu_servicekit.testing.contract import check_http_contract
from tsunagu_training.testing import STAFF, TrainingService


async def test_every_operation_answers_as_documented(service: TrainingService) -> None:
    report = await check_http_contract(service.client, auth=STAFF, max_examples=25, seed=20261202)
    print(report.summary())
    assert report.failures == []
    assert report.errors == []
    assert report.untested == []
