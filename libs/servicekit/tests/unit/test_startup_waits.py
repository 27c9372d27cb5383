"""Start-up requests wait out a broker that does not answer, and fail at once on a refusal."""

from __future__ import annotations

import asyncio
import logging

import pytest
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.errors import BadRequestError, ServiceUnavailableError
from tsunagu_servicekit.messaging.startup import (
    BrokerPermissionError,
    ConsumerMissingError,
    PermissionRefusals,
    until_answered,
)

FAST = {"base": 0.01, "cap": 0.02}


class Flaky:
    """Raises the given errors in turn, then answers ``"ok"``."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_timeouts_no_responders_and_unavailable_are_waited_out_with_a_log_line_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    call = Flaky(NatsTimeoutError(), NoRespondersError(), ServiceUnavailableError(), ConnectionResetError())
    with caplog.at_level(logging.WARNING):
        assert await until_answered("streams", call, refusals=PermissionRefusals(), **FAST) == "ok"
    assert call.calls == 5
    waits = [r for r in caplog.records if "broker not answering" in r.getMessage()]
    assert len(waits) == 4


async def test_a_permissions_violation_reported_for_the_request_fails_at_once() -> None:
    refusals = PermissionRefusals()

    async def refused() -> None:
        # What the server does: -ERR on the connection, the request itself dropped (a timeout).
        await refusals(
            NatsError('nats: permissions violation for publish to "$JS.API.CONSUMER.DURABLE.CREATE.S.c"')
        )
        raise NatsTimeoutError()

    with pytest.raises(BrokerPermissionError, match=r"CONSUMER\.DURABLE\.CREATE.*MANAGE_CONSUMERS"):
        await until_answered("consumer c", refused, refusals=refusals, **FAST)


async def test_a_violation_before_the_request_does_not_count_against_it() -> None:
    refusals = PermissionRefusals()
    await refusals(NatsError('nats: permissions violation for publish to "elsewhere"'))
    assert await until_answered("streams", Flaky(NatsTimeoutError()), refusals=refusals, **FAST) == "ok"


async def test_other_api_errors_are_not_retried() -> None:
    call = Flaky(BadRequestError())
    with pytest.raises(BadRequestError):
        await until_answered("streams", call, **FAST)
    assert call.calls == 1


async def test_a_missing_consumer_is_waited_for_a_bounded_while_then_fails() -> None:
    assert (
        await until_answered(
            "c", Flaky(ConsumerMissingError(), ConsumerMissingError()), missing_wait=5, **FAST
        )
        == "ok"
    )

    always_missing = Flaky(*(ConsumerMissingError("gone") for _ in range(1000)))
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ConsumerMissingError, match="gone"):
        await until_answered("c", always_missing, missing_wait=0.3, **FAST)
    assert 0.3 <= loop.time() - started < 5
    assert always_missing.calls > 1

    at_once = Flaky(ConsumerMissingError())
    with pytest.raises(ConsumerMissingError):
        await until_answered("c", at_once, missing_wait=0, **FAST)
    assert at_once.calls == 1
