"""Loops that wait on an event with a tick must stop when cancelled, whatever else happens then."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from tsunagu_servicekit.aio import wait_set
from tsunagu_servicekit.messaging.pull import PullLoop


async def test_wait_set_reports_set_and_timeout() -> None:
    event = asyncio.Event()
    assert await wait_set(event, 0.01) is False
    event.set()
    assert await wait_set(event, 5) is True


async def test_a_cancellation_in_the_same_turn_as_the_event_is_not_swallowed() -> None:
    # asyncio.wait_for (Python < 3.12) returns the inner result here and the loop runs on.
    event = asyncio.Event()
    rounds = 0

    async def loop() -> None:
        nonlocal rounds
        while rounds < 20:
            rounds += 1
            event.clear()
            await wait_set(event, 0.5)

    task = asyncio.create_task(loop())
    for _ in range(3):
        await asyncio.sleep(0)  # the loop is now waiting
    event.set()
    task.cancel()
    async with asyncio.timeout(5):
        await asyncio.wait({task})
    assert task.cancelled()
    assert rounds == 1


class _FakeNats:
    """Just enough of a nats-py client for the pull loop to run without a server."""

    is_connected = True

    def new_inbox(self) -> str:
        return "_INBOX_test.x"

    async def subscribe(self, subject: str, cb: Any, pending_msgs_limit: int) -> Any:
        class Sub:
            async def unsubscribe(self) -> None:
                return None

        return Sub()

    async def publish(self, subject: str, payload: bytes, reply: str) -> None:
        return None


async def test_pull_loop_stops_even_when_woken_as_it_is_cancelled() -> None:
    pull = PullLoop(_FakeNats(), stream="S", durable="d")  # type: ignore[arg-type]
    await pull.start()
    for _ in range(20):
        for _ in range(3):
            await asyncio.sleep(0)  # into its wait
        pull.wake()  # a message arrives just as the service stops
        async with asyncio.timeout(5):
            await pull.stop()
        await pull.start()
    await pull.stop()


@dataclass
class _Delivered:
    subject: str
    reply: str = ""
    headers: dict[str, str] | None = None


async def test_a_request_the_server_served_out_of_turn_is_counted_right_when_the_one_before_ends() -> None:
    from tsunagu_servicekit.messaging.pull import _Request

    pull = PullLoop(_FakeNats(), stream="S", durable="d", batch=100, max_buffered=200)  # type: ignore[arg-type]
    pull._prefix = "_INBOX_test.x"
    pull._open.extend([_Request("1", 100, deadline=1e12), _Request("2", 100, deadline=1e12)])

    async def deliver(n: int) -> None:
        for _ in range(n):
            await pull._on_msg(_Delivered("tsunagu.x", reply="$JS.ACK.S.d.1.1.1.1.0"))  # type: ignore[arg-type]

    # The server sends 10 to request 1, then 50 to request 2 before it expires request 1 with 90
    # of its batch undelivered. Arrivals carry no request id: all 60 are counted against 1.
    await deliver(60)
    await pull._on_msg(
        _Delivered("_INBOX_test.x.1", headers={"Status": "408", "Nats-Pending-Messages": "90"})  # type: ignore[arg-type]
    )
    (second,) = pull._open
    assert (second.rid, second.received) == ("2", 50)  # 50 still to come, as at the server
    await deliver(50)
    assert not pull._open  # filled: room for new requests at once, not after its deadline
