"""What a service runs on, and the runtime that starts and stops it.

The composition root of a service (``app.py``) builds three things, in this order:

1. :class:`Infrastructure`: telemetry, the database engine, the unit of work factory, the broker
   client and the outbox relay. Nothing of the service's domain.
2. The service's context (a :class:`~tsunagu_servicekit.context.ServiceContext`), from the
   infrastructure's unit of work factory and the service's own adapters and policies.
3. A :class:`ServiceRuntime` of both, with the service's subscriptions, routers and timers.

Nothing is patched in afterwards. The service's ``__main__`` calls :func:`run_service`; tests
start the same runtime in-process with a temporary database and their own nats-server.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import secrets
import signal
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, FastAPI
from nats.aio.client import Client
from nats.js import JetStreamContext
from pydantic import SecretStr
from sqlalchemy import Engine
from tsunagu_contracts import DLQ_STREAM, PRODUCERS, REGISTRY, STREAMS, EventType, Registry, StreamDefinition
from tsunagu_contracts.streams import stream_name

from .broker import create_broker
from .db import create_db_engine, migrate, ping
from .http.pages import Pages, assets_router
from .logging import configure_logging, get_logger
from .mail import MailPolicy, MailSender, MailTemplates, Recipients, SmtpServer, UnsubscribeLinks
from .mail.unsubscribe import router as unsubscribe_router
from .messaging.consumer import ConsumerPolicy, EventConsumer, Subscription, consumer_name
from .messaging.monitor import BrokerMonitor, WatchedConsumer
from .messaging.publish import JetStreamPublisher
from .messaging.relay import OutboxRelay
from .messaging.retention import prune_timers
from .messaging.startup import (
    BrokerPermissionError,
    ConsumerMissingError,
    PermissionRefusals,
    until_answered,
)
from .messaging.streams import ensure_streams
from .messaging.views import View
from .settings import ServiceSettings
from .simclock import SimulatedClock
from .telemetry import setup_telemetry, shutdown_telemetry
from .timers import PeriodicScan
from .unit_of_work import Clock, UnitOfWorkFactory, utc_now

__all__ = ["Infrastructure", "ServiceRuntime", "package_migrations", "run_service", "serve"]

log = get_logger(__name__)

C = TypeVar("C")
S = TypeVar("S", bound=ServiceSettings)


class Infrastructure:
    """Telemetry, database, units of work, broker and relay of one service, before its context.

    Built first by the composition root, so the context is built complete (``units`` is there)
    and nothing is bound to it later. Connecting happens in :meth:`ServiceRuntime.start`.
    """

    def __init__(self, settings: ServiceSettings, *, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.simulated_clock: SimulatedClock | None = None
        if settings.simulated_clock_file is not None:
            # The one place every service's clock is chosen: none of them needs code for it.
            if clock is not utc_now:
                raise ValueError("simulated_clock_file and a clock given by the caller: choose one")
            clock = self.simulated_clock = SimulatedClock(settings.simulated_clock_file)
        self.clock = clock
        self.tracer_provider = setup_telemetry(settings)
        self.engine: Engine = create_db_engine(settings.resolved_database_url())
        # Permissions violations the server reports: what tells a refused start-up request from
        # a broker that is only slow to answer (both time out).
        self.refusals = PermissionRefusals()
        self.broker = create_broker(settings, self.tracer_provider, error_cb=self.refusals)
        self.relay = OutboxRelay(
            self.engine,
            lambda: self.js,
            service=settings.service_name,
            batch_size=settings.relay_batch,
            poll_interval=settings.relay_poll_interval,
            quarantine_after=settings.relay_quarantine_after,
            lease_seconds=settings.relay_lease_seconds,
            publisher=lambda: self.publisher,
        )
        self.units = UnitOfWorkFactory(
            self.engine, self.relay.notify, clock=clock, on_rows_committed=self.relay.hand_over
        )
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._publisher: JetStreamPublisher | None = None

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

    @property
    def publisher(self) -> JetStreamPublisher:
        """The relay's pipelined publisher on this connection."""
        if self._publisher is None:
            raise RuntimeError("runtime not started")
        return self._publisher

    async def connect(self) -> None:
        await self.broker.connect()
        self._nc = self.broker.connection
        self._js = self._nc.jetstream()
        self._publisher = JetStreamPublisher(self._nc)

    async def disconnect(self) -> None:
        if self._publisher is not None:
            with contextlib.suppress(Exception):
                await self._publisher.close()
        with contextlib.suppress(Exception):
            await self.broker.stop()
        self._nc = self._js = None
        self._publisher = None


def package_migrations(package: str) -> Path | None:
    """Where the service in ``package`` keeps its migrations (``adapters/migrations/versions``),
    or ``None`` when it has none."""
    root = importlib.import_module(package).__file__
    if root is None:
        raise ValueError(f"{package} is not a regular package")
    migrations = Path(root).parent / "adapters" / "migrations" / "versions"
    return migrations if migrations.is_dir() else None


class ServiceRuntime(Generic[C]):
    """A service's infrastructure and context, with what it runs: consumers, timers, HTTP API.

    ``preflight`` checks run before anything else on start (before migrations); one that raises
    keeps the service from starting (intake refuses a master key it does not know, say).

    Start-up waits out a broker that is down or restarting (see
    :mod:`tsunagu_servicekit.messaging.startup`); readiness is false until it has finished.
    """

    def __init__(
        self,
        infra: Infrastructure,
        context: C,
        *,
        title: str,
        migrations: Path | None = None,
        subscriptions: Sequence[Subscription[C, Any]] = (),
        routers: Sequence[APIRouter] = (),
        timers: Sequence[PeriodicScan[C]] = (),
        preflight: Sequence[Callable[[], None]] = (),
        streams: Sequence[StreamDefinition] = STREAMS,
        registry: Registry = REGISTRY,
        views: Sequence[View] = (),
        mail: tuple[MailTemplates, Recipients] | None = None,
        pages: Pages | None = None,
    ) -> None:
        self.infra = infra
        self.context = context
        self.title = title
        self.migrations = migrations
        self.subscriptions: tuple[Subscription[C, Any], ...] = tuple(subscriptions)
        self.routers = tuple(routers)
        self.timers: tuple[PeriodicScan[C], ...] = tuple(timers)
        self.preflight = tuple(preflight)
        self.streams = tuple(streams)
        self.registry = registry
        self.views: tuple[View, ...] = tuple(views)
        """The tables the consumers alone write (see :mod:`~tsunagu_servicekit.messaging.views`)."""
        self.consumers: list[EventConsumer[C]] = []
        s = infra.settings
        self.kit_timers: tuple[PeriodicScan[Engine], ...] = tuple(
            prune_timers(
                service=s.service_name,
                inbox_horizon=s.inbox_horizon,
                outbox_horizon=s.outbox_horizon,
                batch=s.prune_batch,
                interval=s.prune_interval,
            )
        )
        """The kit's own timers (pruning, and mail where the service sends any), run with the engine
        as their context."""
        self.mail_links: UnsubscribeLinks | None = None
        self.mail_sender: MailSender | None = None
        if mail is not None:
            self._set_up_mail(*mail)
        self.pages = pages
        """The service's public pages (``<package>.api.PAGES``), configured with its page secret."""
        if pages is not None:
            pages.configure(
                self._secret(s.page_secret, "page-secret", "page_secret"),
                secure=s.mail_public_base_url.startswith("https://"),
            )
            self.routers += (assets_router(),)
        self.monitor = BrokerMonitor(
            lambda: self.js,
            streams=self.used_streams(),
            consumers=[
                WatchedConsumer(
                    EventType.parse(sub.event_type).stream, consumer_name(s.service_name, sub.event_type)
                )
                for sub in self.subscriptions
            ],
            interval=s.broker_metrics_interval,
        )
        """Stream fullness and consumer lag of what this service uses, in its metrics."""
        self._monitor_task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._relay_task: asyncio.Task[None] | None = None
        self._timer_tasks: list[asyncio.Task[None]] = []
        self._http: FastAPI | None = None
        self._prepared = False
        self._started = False

    def _set_up_mail(self, templates: MailTemplates, recipients: Recipients) -> None:
        """The mail timer and the unsubscribe pages (tsunagu_servicekit.mail)."""
        s = self.infra.settings
        if s.mail_unsubscribe_secret is None and s.environment == "production" and not s.smtp_host:
            # Nothing is sent, so no link goes out: any secret will do until a server is set.
            secret = secrets.token_urlsafe(48)
        else:
            secret = self._secret(s.mail_unsubscribe_secret, "mail-secret", "mail_unsubscribe_secret")
        self.mail_links = UnsubscribeLinks(secret, s.mail_public_base_url)
        server = None
        if s.smtp_host:
            server = SmtpServer(
                host=s.smtp_host,
                port=s.smtp_port,
                starttls=s.smtp_starttls,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                timeout=s.smtp_timeout,
            )
        self.mail_sender = MailSender(
            service=s.service_name,
            engine=self.infra.engine,
            server=server,
            sender=s.mail_from,
            templates=templates,
            recipients=recipients,
            links=self.mail_links,
            clock=self.infra.clock,
            policy=MailPolicy(
                batch=s.mail_batch,
                claim=timedelta(seconds=s.mail_claim_seconds),
                quarantine_after=s.mail_quarantine_after,
                retry_base=s.mail_retry_base,
                retry_max=s.mail_retry_max,
            ),
        )
        self.kit_timers += (PeriodicScan("mail", s.mail_interval, self.mail_sender.scan),)
        self.routers += (unsubscribe_router,)

    def _secret(self, configured: SecretStr | None, file_name: str, setting: str) -> str:
        """A secret of the service: the configured one; in production none is an error (replicas
        must share it); elsewhere one generated once into the data directory."""
        s = self.infra.settings
        if configured is not None:
            return configured.get_secret_value()
        if s.environment == "production":
            raise RuntimeError(f"Production needs {setting}: every replica must sign with the same secret.")
        from .http.auth import load_or_create_secret

        return load_or_create_secret(s.data_dir, file_name)

    @classmethod
    def of_package(
        cls,
        package: str,
        infra: Infrastructure,
        context: C,
        *,
        preflight: Sequence[Callable[[], None]] = (),
        mail_recipients: Recipients | None = None,
    ) -> ServiceRuntime[C]:
        """The runtime of the service in ``package``, assembled from the shape every service has:

        - ``<package>.consumers.SUBSCRIPTIONS``: what it consumes, and ``VIEWS`` (optional): the
          tables those consumers alone write, which a replay rebuilds;
        - ``<package>.api.ROUTERS``: its HTTP API;
        - ``<package>.timers.timers(settings)``: its durable timers;
        - ``<package>/adapters/migrations/versions``: its migrations;
        - the title ``Tsunagu <service name>``;
        - with ``mail_recipients`` (the service sends mail): its templates in ``<package>/mail``;
        - ``<package>.api.PAGES`` (optional): its public pages (:mod:`tsunagu_servicekit.http.pages`).

        So a service's ``app.py`` says only what is its own: how its context is built, and its
        ``preflight`` checks. The parts are still plain module attributes a reader can open.
        """
        consumers = importlib.import_module(f"{package}.consumers")
        api = importlib.import_module(f"{package}.api")
        timers = importlib.import_module(f"{package}.timers")
        return cls(
            infra,
            context,
            title=f"Tsunagu {infra.settings.service_name}",
            migrations=package_migrations(package),
            subscriptions=consumers.SUBSCRIPTIONS,
            views=getattr(consumers, "VIEWS", ()),
            routers=api.ROUTERS,
            timers=timers.timers(infra.settings),
            preflight=preflight,
            mail=(MailTemplates.of_package(package), mail_recipients)
            if mail_recipients is not None
            else None,
            pages=getattr(api, "PAGES", None),
        )

    # -- what the infrastructure holds --------------------------------------------------------
    @property
    def settings(self) -> ServiceSettings:
        return self.infra.settings

    @property
    def engine(self) -> Engine:
        return self.infra.engine

    @property
    def units(self) -> UnitOfWorkFactory:
        return self.infra.units

    @property
    def nc(self) -> Client:
        return self.infra.nc

    @property
    def js(self) -> JetStreamContext:
        return self.infra.js

    def timer(self, name: str) -> PeriodicScan[C]:
        return next(t for t in self.timers if t.name == name)

    def kit_timer(self, name: str) -> PeriodicScan[Engine]:
        return next(t for t in self.kit_timers if t.name == name)

    def used_streams(self) -> list[str]:
        """The streams this service publishes to or consumes from, and the dead-letter stream
        when it has consumers, sorted."""
        used = {EventType.parse(s.event_type).stream for s in self.subscriptions}
        if self.settings.service_name in PRODUCERS:
            used.add(stream_name(self.settings.service_name))
        if self.subscriptions:
            used.add(DLQ_STREAM.name)
        return sorted(used)

    def consumer_for(self, subscription: Subscription[C, Any]) -> EventConsumer[C]:
        """The consumer of ``subscription`` under the service's durable name, not connected: its
        :meth:`~EventConsumer.run_transaction` is what the running consumer runs per batch."""
        return EventConsumer(
            service=self.settings.service_name,
            subscription=subscription,
            context=self.context,
            engine=self.engine,
            uow_factory=self.units,
            nc=self.infra._nc,
            js=self.infra._js,
            policy=self._policy(),
            registry=self.registry,
            refusals=self.infra.refusals,
        )

    def migrate(self) -> None:
        """Apply the kit's and the service's migrations (what :meth:`start` does first)."""
        versions = [self.migrations] if self.migrations else []
        migrate(self.engine, service=self.settings.service_name, version_locations=versions)

    def _policy(self) -> ConsumerPolicy:
        s = self.settings
        return ConsumerPolicy(
            max_failures=s.max_failures,
            delivery_limit=s.delivery_limit,
            stop_grace=s.stop_grace,
            retry_base=s.retry_base_delay,
            retry_cap=s.retry_max_delay,
            ack_wait=s.ack_wait,
            batch=s.consumer_batch,
            manage=s.manage_consumers,
            missing_wait=s.missing_consumer_wait,
        )

    # -- lifecycle ----------------------------------------------------------------------------
    async def prepare(self) -> None:
        """Preflight checks, then migrations: what must hold before the service serves anything.
        :meth:`start` does it first unless it was done."""
        for check in self.preflight:
            await asyncio.to_thread(check)
        await asyncio.to_thread(self.migrate)
        self._prepared = True

    async def start(self) -> None:
        """Prepare, connect, ensure streams and consumers, then run the relay, consumers and timers.

        A broker that is down or restarting is waited for (logged, readiness false), however long;
        a permanent refusal (permissions, a consumer the operator never created) raises."""
        if not self._prepared:
            await self.prepare()
        await self.infra.connect()
        if self.settings.manage_streams:
            replicas = self.settings.stream_replicas
            await until_answered(
                "streams",
                lambda: ensure_streams(self.js, self.streams, replicas=replicas),
                refusals=self.infra.refusals,
            )
        relay = self.infra.relay
        relay.bind_loop(asyncio.get_running_loop())
        self._stop.clear()
        self._relay_task = asyncio.create_task(relay.run(self._stop), name="outbox-relay")
        for subscription in self.subscriptions:
            consumer = self.consumer_for(subscription)
            await consumer.start()  # waits out a broker (or a cluster's election) not answering
            self.consumers.append(consumer)
        # Timers start last (migrations applied, broker up) and stop first.
        # Under a simulated clock a timer scans as soon as simulated time moves, not only each tick.
        simulated = self.infra.simulated_clock
        moved = simulated.version if simulated is not None else None
        service = self.settings.service_name

        def scanned(timer: str) -> Callable[[object], None] | None:
            if simulated is None:
                return None
            return lambda version: simulated.acknowledge(f"{service}.{timer}", version)

        self._timer_tasks = [
            asyncio.create_task(
                t.run(self.context, self._stop, moved=moved, scanned=scanned(t.name)), name=f"timer:{t.name}"
            )
            for t in self.timers
        ] + [
            asyncio.create_task(t.run(self.engine, self._stop), name=f"timer:{t.name}")
            for t in self.kit_timers
        ]
        if self.mail_sender is not None and self.mail_sender.server is None:
            log.warning("mail is queued but not sent: no smtp_host is set", service=service)
        self._started = True
        self._monitor_task = asyncio.create_task(self.monitor.run(self._stop), name="broker-monitor")
        log.info(
            "service started",
            service=self.settings.service_name,
            consumers=[c.name for c in self.consumers],
        )

    async def stop(self) -> None:
        self._started = self._prepared = False
        for consumer in self.consumers:
            await consumer.stop()
        self.consumers.clear()
        self._stop.set()
        for task in self._timer_tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._timer_tasks = []
        if self._monitor_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor_task
            self._monitor_task = None
        if self._relay_task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay_task
            self._relay_task = None
        await self.infra.disconnect()
        self.engine.dispose()
        shutdown_telemetry()
        log.info("service stopped", service=self.settings.service_name)

    async def __aenter__(self) -> ServiceRuntime[C]:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- readiness ----------------------------------------------------------------------------
    async def check_started(self) -> None:
        if not self._started:
            raise RuntimeError("start-up not finished (waiting for the broker?)")

    async def check_database(self) -> None:
        await asyncio.to_thread(ping, self.engine)

    async def check_broker(self) -> None:
        nc = self.infra._nc
        if nc is None or not nc.is_connected:
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
        """The service's API: the kit's app with the service's routers; ``app.state.context`` is
        the context their dependencies read (:func:`tsunagu_servicekit.http.context_dependency`)."""
        if self._http is None:
            from .http import Authenticator, Readiness, create_http_app

            readiness = Readiness()
            readiness.add("started", self.check_started)
            readiness.add("database", self.check_database)
            readiness.add("broker", self.check_broker)
            readiness.add("streams", self.check_streams)
            self._http = create_http_app(
                settings=self.settings,
                title=self.title,
                readiness=readiness,
                routers=self.routers,
                authenticator=Authenticator.from_settings(self.settings),
                tracer_provider=self.infra.tracer_provider,
            )
            self._http.state.context = self.context
            self._http.state.runtime = self
        return self._http


async def serve(runtime: ServiceRuntime[Any]) -> None:
    """Run the runtime and its HTTP API until SIGINT or SIGTERM.

    Preflight and migrations come first (a failure there exits before anything is served); the
    HTTP server then starts while the runtime connects, so ``/livez`` answers and ``/readyz`` says
    "not ready" for as long as start-up waits for the broker. A signal stops a start-up that is
    still waiting; a start-up that fails stops the service (its error is logged, then raised)."""
    import uvicorn

    settings = runtime.settings
    app = runtime.http_app
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            access_log=False,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
        )
    )
    # Ours stop the runtime too; uvicorn's would stop only the server.
    server.install_signal_handlers = lambda: None  # type: ignore[attr-defined]  # a uvicorn attribute its stubs omit
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await runtime.prepare()
    server_task = asyncio.create_task(server.serve(), name="http")
    start_task = asyncio.create_task(runtime.start(), name="start")
    stop_task = asyncio.create_task(stopping.wait(), name="signal")
    try:
        done, _ = await asyncio.wait(
            [server_task, start_task, stop_task], return_when=asyncio.FIRST_COMPLETED
        )
        if start_task in done:
            if (error := start_task.exception()) is not None:
                # The kit's own refusals say what to do; other errors are named by class only
                # (a driver's message may hold connection details).
                said = (
                    str(error) if isinstance(error, (BrokerPermissionError, ConsumerMissingError)) else None
                )
                log.error(
                    "service start failed",
                    service=settings.service_name,
                    error=type(error).__name__,
                    detail=said,
                )
                raise error
            await asyncio.wait([server_task, stop_task], return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not start_task.done():
            start_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await start_task
        stop_task.cancel()
        server.should_exit = True
        with contextlib.suppress(Exception):
            await server_task
        await runtime.stop()


def run_service(build: Callable[[S], ServiceRuntime[Any]], settings: S) -> None:
    """Entry point of a service's ``__main__``: ``build(settings) -> ServiceRuntime``."""
    configure_logging(settings)
    asyncio.run(serve(build(settings)))
