"""A service under test: its runtime, an HTTP client on its app, a settable clock, its outbox.

A service's tests build the runtime through the service's own composition root (with
:func:`settings_for_tests`) and hand it here; the kit knows nothing of any service::

    class Service(ServiceUnderTest[IntakeContext]):
        ...  # the service's own shortcuts

    clock = SettableClock(datetime(2025, 5, 1, 1, 0, tzinfo=UTC))
    settings = settings_for_tests(IntakeSettings, database_url, tmp_path, jwt_secret=SECRET)
    async with Service.without_broker(build_runtime(settings, clock=clock), clock) as svc:
        await svc.client.post("/consultations", json=..., headers=auth_headers(AUTH, "counsellor"))
        assert svc.new_events()  # what the request staged in the outbox

``httpx`` comes with the test dependencies (the ``dev`` group), not with the kit itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Generic, Self, TypeVar

import httpx
import sqlalchemy as sa
from sqlmodel import SQLModel
from tsunagu_contracts import REGISTRY, CloudEvent

from ..errors import Rule
from ..http import ROLES, Authenticator
from ..http.problems import problem_title, problem_type
from ..messaging.replay import ReplaySummary, ServiceReplay
from ..messaging.tables import outbox
from ..runtime import ServiceRuntime
from ..settings import ServiceSettings
from ..unit_of_work import SettableClock as SettableClock

C = TypeVar("C")
S = TypeVar("S", bound=ServiceSettings)

QUICK_DELIVERY: dict[str, Any] = {
    "relay_poll_interval": 0.2,
    "retry_base_delay": 0.05,
    "retry_max_delay": 0.2,
    "max_failures": 3,
}
"""The relay and redelivery settings of a test: a failing message is dead-lettered within a second."""


def settings_for_tests(
    settings_class: type[S],
    database_url: str,
    data_dir: Path,
    *,
    nats_url: str = "nats://127.0.0.1:4222",
    **values: Any,
) -> S:
    """A service's settings for a test: environment ``test``, the test's database, data directory and
    broker, and :data:`QUICK_DELIVERY`. ``values`` add to it and override any of it."""
    common = {"environment": "test", "database_url": database_url, "data_dir": data_dir, "nats_url": nats_url}
    return settings_class(**{**common, **QUICK_DELIVERY, **values})


LOCAL_ISSUER = "tsunagu-local"
LOCAL_AUDIENCE = "tsunagu"


SHINJUKU = "131041"
TEST_PARTNER_ID = "00000000-0000-4000-8000-000000000001"


def local_authenticator(secret: str) -> Authenticator:
    """The authenticator of a local (shared-secret) deployment, as ``tsunagu up`` and the tests
    configure it: issuer ``tsunagu-local``, audience ``tsunagu``."""
    return Authenticator(secret=secret, issuer=LOCAL_ISSUER, audience=LOCAL_AUDIENCE)


def problem_of(rule: Rule) -> dict[str, Any]:
    """The problem-details body of a refusal by ``rule``: what a test expects to read back."""
    return {
        "type": problem_type(rule.name),
        "title": problem_title(rule.name),
        "status": rule.status,
        "detail": rule.message,
        "rule": rule.name,
    }


def local_bearer(secret: str) -> Callable[..., dict[str, str]]:
    """``bearer("supervisor", subject=..., municipality=...)``: the ``Authorization`` header of a
    local token for those roles (:func:`auth_headers` with :func:`local_authenticator`)."""
    return partial(auth_headers, local_authenticator(secret))


def role_headers(
    secret: str, *, municipality: str = SHINJUKU, partner: str = TEST_PARTNER_ID
) -> dict[str, dict[str, str]]:
    """For every role of :data:`~tsunagu_servicekit.http.auth.ROLES`, the ``Authorization`` header of
    a local token for that role alone (subject ``<role>-1``): the staff of a service's tests and the
    credentials of its HTTP contract test. Municipality staff belong to ``municipality``, partner
    staff to ``partner``."""
    authenticator = local_authenticator(secret)
    return {
        role: auth_headers(
            authenticator,
            role,
            subject=f"{role}-1",
            municipality=municipality if role == "municipality_staff" else None,
            partner=partner if role == "partner_staff" else None,
        )
        for role in ROLES
    }


def auth_headers(
    authenticator: Authenticator,
    *roles: str,
    subject: str = "staff-1",
    municipality: str | None = None,
    partner: str | None = None,
) -> dict[str, str]:
    """The ``Authorization`` header of a token ``authenticator`` (local mode) issues for ``roles``."""
    token = authenticator.issue(subject, roles, municipality=municipality, partner=partner)
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def http_client(
    runtime: ServiceRuntime[Any], base_url: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the runtime's app, in-process (no socket). The base URL defaults to
    ``http://<service name>.test``."""
    transport = httpx.ASGITransport(app=runtime.http_app)
    url = base_url or f"http://{runtime.settings.service_name}.test"
    async with httpx.AsyncClient(transport=transport, base_url=url) as client:
        yield client


def ids_counting_down(start: int = 0xFFFF_FFFF) -> Callable[[], str]:
    """Ids (UUID-shaped) that sort in the reverse of the order they are made. Given to a service
    under test as its context's ``new_id`` (``monkeypatch.setattr(service.context, "new_id",
    ids_counting_down())``), they make a query that orders rows by id, where it should order them
    by what they mean (a due date, then a number), put them in the wrong order every time; random
    ids would do so only most of the time."""
    counter = iter(range(start, -1, -1))

    def new_id() -> str:
        return f"{next(counter):08x}-0000-4000-8000-000000000000"

    return new_id


def service_tables(service: str) -> tuple[str, ...]:
    """The tables of ``service`` (named ``<service>_…`` by convention) in the declared metadata,
    then the outbox."""
    prefix = f"{service}_"
    return (*sorted(t for t in SQLModel.metadata.tables if t.startswith(prefix)), outbox.name)


@dataclass
class ServiceUnderTest(Generic[C]):
    """A service built by its composition root, with an HTTP client on its app and the test's clock.

    Subclass it per service for the service's own shortcuts.
    """

    runtime: ServiceRuntime[C]
    client: httpx.AsyncClient
    clock: SettableClock
    events_seen: int = field(default=0)
    replayed: ReplaySummary | None = None
    """What :meth:`from_export` applied, for a service whose state is a replayed export."""

    @property
    def context(self) -> C:
        return self.runtime.context

    # -- building ---------------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def without_broker(
        cls, runtime: ServiceRuntime[C], clock: SettableClock, *, base_url: str | None = None
    ) -> AsyncIterator[Self]:
        """The service with its database migrated and no broker: events stay in the outbox, and
        :meth:`deliver` stands in for the consumers. The engine is disposed of afterwards."""
        try:
            runtime.migrate()
            async with http_client(runtime, base_url) as client:
                yield cls(runtime, client, clock)
        finally:
            runtime.engine.dispose()

    @classmethod
    @asynccontextmanager
    async def from_export(
        cls,
        runtime: ServiceRuntime[C],
        clock: SettableClock,
        export: Path | Sequence[Path],
        *,
        until: datetime | None = None,
        types: Sequence[str] = (),
    ) -> AsyncIterator[Self]:
        """The service with no broker whose state is the result of ``export`` (JSON Lines files, or
        directories of them) replayed into its fresh database, as ``tsunagu events replay --into``
        does (:mod:`~tsunagu_servicekit.messaging.replay`). Its clock is left at the last event's
        time; :attr:`replayed` holds the summary."""
        sources = [export] if isinstance(export, Path) else list(export)
        try:
            runtime.migrate()
            replay = ServiceReplay(runtime, clock, types=types, until=until)
            summary = replay.apply(replay.from_exports(sources))
            async with http_client(runtime) as client:
                yield cls(runtime, client, clock, replayed=summary)
        finally:
            runtime.engine.dispose()

    @classmethod
    @asynccontextmanager
    async def running(
        cls, runtime: ServiceRuntime[C], clock: SettableClock, *, base_url: str | None = None
    ) -> AsyncIterator[Self]:
        """The whole service in-process: migrations, broker, relay, consumers, background work, HTTP
        app; stopped afterwards."""
        async with runtime, http_client(runtime, base_url) as client:
            yield cls(runtime, client, clock)

    # -- the database -----------------------------------------------------------------------

    @property
    def engine(self) -> sa.Engine:
        return self.runtime.engine

    def outbox_events(self) -> list[CloudEvent[Any]]:
        """Every event the service has staged, oldest first (published or not)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(outbox.c.payload).order_by(outbox.c.seq)).all()
        return [self.runtime.registry.parse(bytes(r.payload)) for r in rows]

    def new_events(self) -> list[CloudEvent[Any]]:
        """Events staged since the last call."""
        events = self.outbox_events()
        fresh, self.events_seen = events[self.events_seen :], len(events)
        return fresh

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one())

    @property
    def tables(self) -> tuple[str, ...]:
        """The service's tables and the outbox: what :meth:`counts` reports."""
        return service_tables(self.runtime.settings.service_name)

    def counts(self) -> dict[str, int]:
        """Rows per table of :attr:`tables`."""
        return {t: self.count(t) for t in self.tables}

    # -- consuming --------------------------------------------------------------------------

    def deliver(self, event: CloudEvent[Any]) -> bool:
        """Run the service's handler for ``event`` through the consumer's own transaction code (the
        inbox row under the consumer's durable name and the handler's effect in one transaction).
        Returns False for a duplicate, which changes nothing. An earlier version of a subscribed
        event is delivered upcast, as the consumer does."""
        subscription = next(
            (s for s in self.runtime.subscriptions if event.type in REGISTRY.readable_as(s.event_type)), None
        )
        if subscription is None:
            raise LookupError(f"{self.runtime.settings.service_name} does not subscribe to {event.type}")
        return self.runtime.consumer_for(subscription).run_transaction([event])[0]


T = TypeVar("T", bound=ServiceUnderTest[Any])


@dataclass(frozen=True)
class ServiceRecipe(Generic[S, T]):
    """How a service's tests build it: its settings class with the values every test gives it, its
    composition root, and the :class:`ServiceUnderTest` subclass that wraps it. A service's
    ``testing.py`` declares one and exports what its tests start it with::

        RECIPE = ServiceRecipe(
            IntakeService, IntakeSettings, build_runtime, defaults={"jwt_secret": JWT_SECRET}
        )
        make_settings, service_without_broker, running_service = RECIPE.parts
    """

    service: type[T]
    settings_class: type[S]
    build: Callable[..., ServiceRuntime[Any]]
    """The composition root: ``build(settings, clock=clock)``."""
    defaults: Mapping[str, Any] = field(default_factory=dict)
    """Settings every test of the service starts from (its secrets, slow scans); ``extra`` overrides."""

    def settings(
        self, database_url: str, data_dir: Path, nats_url: str = "nats://127.0.0.1:4222", **extra: Any
    ) -> S:
        """The service's settings for a test (:func:`settings_for_tests`), ``defaults`` and ``extra``."""
        values = {**self.defaults, **extra}
        return settings_for_tests(self.settings_class, database_url, data_dir, nats_url=nats_url, **values)

    def without_broker(
        self, database_url: str, data_dir: Path, clock: SettableClock, **extra: Any
    ) -> AbstractAsyncContextManager[T]:
        """The service with its database migrated and no broker: events stay in the outbox."""
        runtime = self.build(self.settings(database_url, data_dir, **extra), clock=clock)
        return self.service.without_broker(runtime, clock)

    def replayed(
        self,
        database_url: str,
        data_dir: Path,
        export: Path | Sequence[Path],
        *,
        until: datetime | None = None,
        types: Sequence[str] = (),
        **extra: Any,
    ) -> AbstractAsyncContextManager[T]:
        """The service with no broker, its state the result of ``export`` replayed into
        ``database_url`` (which must be fresh): :meth:`ServiceUnderTest.from_export`."""
        clock = SettableClock(datetime.now(UTC))
        runtime = self.build(self.settings(database_url, data_dir, **extra), clock=clock)
        return self.service.from_export(runtime, clock, export, until=until, types=types)

    def running(
        self, database_url: str, data_dir: Path, clock: SettableClock, nats_url: str, **extra: Any
    ) -> AbstractAsyncContextManager[T]:
        """The whole service in-process on a real broker: migrations, relay, consumers, timers,
        HTTP app; stopped afterwards."""
        runtime = self.build(self.settings(database_url, data_dir, nats_url=nats_url, **extra), clock=clock)
        return self.service.running(runtime, clock)

    @property
    def parts(
        self,
    ) -> tuple[
        Callable[..., S],
        Callable[..., AbstractAsyncContextManager[T]],
        Callable[..., AbstractAsyncContextManager[T]],
    ]:
        """``settings``, ``without_broker`` and ``running``, to export under a service's own names."""
        return self.settings, self.without_broker, self.running
