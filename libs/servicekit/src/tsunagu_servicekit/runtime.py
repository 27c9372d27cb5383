"""The runtime a service's composition root hands its parts to: database, broker, relay, consumers, HTTP.

``app.py`` of a service builds its adapters and handlers, then a :class:`ServiceRuntime`; the
service's ``__main__`` calls :func:`run_service`. Tests start the same runtime in-process with
a temporary database and their own nats-server.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from nats.aio.client import Client
from nats.js import JetStreamContext
from tsunagu_contracts import PRODUCERS, REGISTRY, STREAMS, EventType, Registry, StreamDefinition
from tsunagu_contracts.streams import stream_name

from .broker import create_broker
from .db import create_db_engine, migrate, ping
from .logging import configure_logging, get_logger
from .messaging.consumer import ConsumerPolicy, EventConsumer, Subscription
from .messaging.outbox import UnitOfWorkFactory
from .messaging.relay import OutboxRelay
from .messaging.streams import ensure_streams
from .settings import ServiceSettings
from .telemetry import setup_telemetry, shutdown_telemetry

log = get_logger(__name__)

BackgroundTask = Callable[[asyncio.Event], Awaitable[None]]
"""A service's periodic work (a durable timer's scan, say): runs until the event is set."""


class ServiceRuntime:
    """Everything a service runs on, started and stopped in the right order."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        title: str,
        migrations: Path | None = None,
        subscriptions: Sequence[Subscription] = (),
        routers: Sequence[APIRouter] = (),
        streams: Sequence[StreamDefinition] = STREAMS,
        registry: Registry = REGISTRY,
        background: Sequence[tuple[str, BackgroundTask]] = (),
    ) -> None:
        self.settings = settings
        self.title = title
        self.migrations = migrations
        self.subscriptions = list(subscriptions)
        self.routers = list(routers)
        self.streams = list(streams)
        self.registry = registry
        self._background_work = list(background)
        self.tracer_provider = setup_telemetry(settings)
        self.engine = create_db_engine(settings.resolved_database_url())
        self.broker = create_broker(settings, self.tracer_provider)
        self.relay = OutboxRelay(
            self.engine,
            lambda: self.js,
            service=settings.service_name,
            batch_size=settings.relay_batch,
            poll_interval=settings.relay_poll_interval,
        )
        self.uow_factory = UnitOfWorkFactory(self.engine, self.relay.notify)
        self.consumers: list[EventConsumer] = []
        self._stop = asyncio.Event()
        self._relay_task: asyncio.Task[None] | None = None
        self._background_running: list[asyncio.Task[None]] = []
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._http: FastAPI | None = None

    def add_background(self, name: str, task: BackgroundTask) -> None:
        """Run ``task`` from start (migrations applied, broker up) until stop (database still there)."""
        self._background_work.append((name, task))

    @property
    def nc(self) -> Client:
        if self._nc is None:
            raise RuntimeError("runtime not started")
        return self._nc

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("runtime not started")
        return self._js

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        versions = [self.migrations] if self.migrations else []
        await asyncio.to_thread(
            migrate, self.engine, service=self.settings.service_name, version_locations=versions
        )
        await self.broker.connect()
        self._nc = self.broker.connection
        self._js = self._nc.jetstream()
        if self.settings.manage_streams:
            await ensure_streams(self._js, self.streams)
        self.relay.bind_loop(asyncio.get_running_loop())
        self._stop.clear()
        self._relay_task = asyncio.create_task(self.relay.run(self._stop), name="outbox-relay")
        policy = ConsumerPolicy(
            max_deliveries=self.settings.max_deliveries,
            retry_base=self.settings.retry_base_delay,
            retry_cap=self.settings.retry_max_delay,
            ack_wait=self.settings.ack_wait,
            batch=self.settings.consumer_batch,
            manage=self.settings.manage_consumers,
        )
        for subscription in self.subscriptions:
            consumer = EventConsumer(
                service=self.settings.service_name,
                subscription=subscription,
                engine=self.engine,
                uow_factory=self.uow_factory,
                nc=self._nc,
                js=self._js,
                policy=policy,
                registry=self.registry,
            )
            await consumer.start()
            self.consumers.append(consumer)
        # Background work starts last (migrations applied, broker up) and stops first.
        self._background_running = [
            asyncio.create_task(task(self._stop), name=name) for name, task in self._background_work
        ]
        log.info(
            "service started",
            service=self.settings.service_name,
            consumers=[c.name for c in self.consumers],
        )

    async def stop(self) -> None:
        for consumer in self.consumers:
            await consumer.stop()
        self.consumers.clear()
        self._stop.set()
        for task in self._background_running:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._background_running = []
        if self._relay_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay_task
            self._relay_task = None
        with contextlib.suppress(Exception):
            await self.broker.stop()
        self._nc = self._js = None
        self.engine.dispose()
        shutdown_telemetry()
        log.info("service stopped", service=self.settings.service_name)

    async def __aenter__(self) -> ServiceRuntime:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- readiness ----------------------------------------------------------------------------
    async def check_database(self) -> None:
        await asyncio.to_thread(ping, self.engine)

    async def check_broker(self) -> None:
        if self._nc is None or not self._nc.is_connected:
            raise ConnectionError("broker not connected")

    async def check_streams(self) -> None:
        js = self.js
        needed = {EventType.parse(s.event_type).stream for s in self.subscriptions}
        if self.settings.service_name in PRODUCERS:
            needed.add(stream_name(self.settings.service_name))
        for name in sorted(needed):
            await js.stream_info(name)

    # -- HTTP ---------------------------------------------------------------------------------
    @property
    def http_app(self) -> FastAPI:
        if self._http is None:
            from .http import Authenticator, Readiness, create_http_app

            readiness = Readiness()
            readiness.add("database", self.check_database)
            readiness.add("broker", self.check_broker)
            readiness.add("streams", self.check_streams)
            self._http = create_http_app(
                settings=self.settings,
                title=self.title,
                readiness=readiness,
                routers=self.routers,
                authenticator=Authenticator.from_settings(self.settings),
                tracer_provider=self.tracer_provider,
            )
            self._http.state.runtime = self
        return self._http


async def serve(runtime: ServiceRuntime) -> None:
    """Run the runtime and its HTTP API until SIGINT or SIGTERM."""
    import uvicorn

    settings = runtime.settings
    app = runtime.http_app
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
        )
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await runtime.start()
    server_task = asyncio.create_task(server.serve())
    try:
        await asyncio.wait(
            [server_task, asyncio.create_task(stopping.wait())], return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await server_task
        await runtime.stop()


def run_service(build: Any, settings: ServiceSettings) -> None:
    """Entry point of a service's ``__main__``: ``build(settings) -> ServiceRuntime``."""
    configure_logging(settings)
    asyncio.run(serve(build(settings)))
