"""Asking JetStream again while it does not answer (leader elections), and only then."""

from __future__ import annotations

import nats.errors
import pytest
from nats.js.errors import APIError, NotFoundError
from tsunagu_servicekit.messaging.streams import until_answered


class Flaky:
    """Raises the given errors in turn, then answers."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


async def test_unanswered_requests_and_a_temporarily_unavailable_jetstream_are_asked_again() -> None:
    call = Flaky(
        nats.errors.TimeoutError(),
        APIError(code=503, err_code=10008, description="JetStream system temporarily unavailable"),
    )
    assert await until_answered(call, what="test", patience=10) == "answer"
    assert call.calls == 3


@pytest.mark.parametrize(
    "error",
    [NotFoundError(code=404, err_code=10059, description="stream not found"), ValueError("bad")],
)
async def test_an_answer_that_is_an_error_is_raised_at_once(error: Exception) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)):
        await until_answered(call, what="test", patience=10)
    assert call.calls == 1


async def test_after_its_patience_the_last_timeout_is_raised() -> None:
    call = Flaky(*(nats.errors.TimeoutError() for _ in range(100)))
    with pytest.raises(nats.errors.TimeoutError):
        await until_answered(call, what="test", patience=0.5)
    assert 2 <= call.calls < 100
