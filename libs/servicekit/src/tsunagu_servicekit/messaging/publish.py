"""Pipelined JetStream publishes whose every answer settles its future: an acknowledgement, or the
broker's refusal as the :class:`nats.js.errors.APIError` it is.

nats-py 2.16's ``publish_async`` leaves the future of a refused publish pending forever: its
reply handler builds the error with ``APIError.from_error``, which raises instead of returning, so
the error escapes into the subscription task (logged as "nats: encountered error") and the caller
sees only a timeout (nats.py issue 985). A stream at its size limit refuses with such an error,
and the relay must tell that refusal (an outage of the stream, no row to blame) from silence.

One inbox subscription serves every publish of the connection; a reply's last token names its
future. Nothing is retried here: the caller decides.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import api

_NO_RESPONDERS = "503"
_ERRORS_BY_CODE: dict[int, type[nats.js.errors.APIError]] = {
    503: nats.js.errors.ServiceUnavailableError,
    500: nats.js.errors.ServerError,
    404: nats.js.errors.NotFoundError,
    400: nats.js.errors.BadRequestError,
}


def api_error(error: dict[str, Any]) -> nats.js.errors.APIError:
    """The exception of a JetStream error reply (``{"code", "err_code", "description"}``), built,
    not raised."""
    cls = _ERRORS_BY_CODE.get(int(error.get("code") or 0), nats.js.errors.APIError)
    return cls(code=error.get("code"), err_code=error.get("err_code"), description=error.get("description"))


class JetStreamPublisher:
    """``await publish_async(subject, payload, headers=...)`` returns a future that resolves to the
    :class:`~nats.js.api.PubAck`, or fails with the broker's error (``NoStreamResponseError``
    when no stream captures the subject). A future nobody answers stays pending: await it with a
    timeout, and cancel it after."""

    def __init__(self, nc: Client) -> None:
        self._nc = nc
        self._prefix = ""
        self._sub: Subscription | None = None
        self._futures: dict[str, asyncio.Future[api.PubAck]] = {}
        self._ids = itertools.count()

    async def publish_async(
        self, subject: str, payload: bytes, *, headers: dict[str, str] | None = None
    ) -> asyncio.Future[api.PubAck]:
        if self._sub is None:
            self._prefix = self._nc.new_inbox()
            self._sub = await self._nc.subscribe(
                f"{self._prefix}.*", cb=self._on_reply, pending_msgs_limit=-1
            )
        token = str(next(self._ids))
        future: asyncio.Future[api.PubAck] = asyncio.get_running_loop().create_future()
        self._futures[token] = future
        future.add_done_callback(lambda _f: self._futures.pop(token, None))
        try:
            await self._nc.publish(subject, payload, reply=f"{self._prefix}.{token}", headers=headers)
        except BaseException:
            future.cancel()
            raise
        return future

    @property
    def pending(self) -> int:
        """Publishes not answered yet (and not cancelled)."""
        return len(self._futures)

    async def _on_reply(self, msg: Msg) -> None:
        future = self._futures.get(msg.subject.rsplit(".", 1)[-1])
        if future is None or future.done():
            return
        if msg.headers and msg.headers.get(api.Header.STATUS) == _NO_RESPONDERS:
            future.set_exception(nats.js.errors.NoStreamResponseError())
            return
        try:
            reply = json.loads(msg.data)
            if "error" in reply:
                future.set_exception(api_error(reply["error"]))
            else:
                future.set_result(api.PubAck.from_response(reply))
        except Exception as exc:  # an unreadable reply still settles its future
            future.set_exception(exc)

    async def close(self) -> None:
        """Stop listening for replies; unanswered futures are cancelled."""
        for future in list(self._futures.values()):
            future.cancel()
        if self._sub is not None:
            try:
                await self._sub.unsubscribe()
            except Exception:  # the connection is closed already: nothing to undo
                pass
            self._sub = None
