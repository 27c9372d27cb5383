"""Shared fixtures of the CLI tests.

The broker (``nats_server``, ``nats_url``) comes from the service kit's pytest plugin.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.natsserver import NatsServerProcess


@pytest.fixture
def nats_url(nats_server: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The plugin's broker when it is one of our own; a private one when it is shared (external).

    These tests count stream sequences from 1 and create and update streams, so they never
    run on a broker other tests use at the same time.
    """
    if isinstance(nats_server, NatsServerProcess):
        yield nats_server.url
        return
    with NatsServerProcess(store_dir=tmp_path_factory.mktemp("nats") / "jetstream") as server:
        yield server.url


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    """A JetStream context on the test broker, with the platform's streams created."""
    nc: Client = await nats.connect(nats_url)
    try:
        ctx = nc.jetstream()
        await ensure_streams(ctx)
        yield ctx
    finally:
        await nc.close()


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that names are never shortened in captured output."""
    from tsunagu_cli.common import console, err_console

    monkeypatch.setattr(console, "width", 200)
    monkeypatch.setattr(err_console, "width", 200)
    for name in [n for n in os.environ if n.startswith("TSUNAGU_NATS_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("TSUNAGU_JWT_SECRET", raising=False)
    monkeypatch.delenv("TSUNAGU_JWT_JWKS_URL", raising=False)
