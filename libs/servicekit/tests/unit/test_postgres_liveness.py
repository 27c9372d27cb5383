"""PostgreSQL connections notice a silent or vanished server: a connect timeout and TCP keepalives
on every connection, unless the URL says otherwise. Loopback only."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from tsunagu_servicekit.db import POSTGRES_LIVENESS, create_db_engine


def _captured_connect_params(url: str) -> dict[str, Any]:
    engine = create_db_engine(url)
    seen: dict[str, Any] = {}

    @sa.event.listens_for(engine, "do_connect")
    def capture(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise ConnectionRefusedError("captured, not connected")

    with pytest.raises(ConnectionRefusedError):
        engine.connect()
    engine.dispose()
    return seen


def test_every_postgres_connection_has_a_connect_timeout_and_keepalives() -> None:
    seen = _captured_connect_params("postgresql://tsunagu@127.0.0.1:1/tsunagu")
    assert {k: seen[k] for k in POSTGRES_LIVENESS} == POSTGRES_LIVENESS


def test_the_url_s_own_settings_take_precedence() -> None:
    seen = _captured_connect_params("postgresql+psycopg://tsunagu@127.0.0.1:1/tsunagu?connect_timeout=2")
    assert str(seen["connect_timeout"]) == "2"
    assert seen["keepalives_idle"] == POSTGRES_LIVENESS["keepalives_idle"]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        server.close()


def test_a_server_that_never_answers_fails_the_connect_instead_of_hanging(silent_server: int) -> None:
    engine = create_db_engine(
        f"postgresql+psycopg://tsunagu@127.0.0.1:{silent_server}/tsunagu?connect_timeout=1"
    )
    outcome: list[BaseException] = []

    def connect() -> None:
        try:
            engine.connect().close()
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(30)  # a bound for the test itself: without the timeout libpq waits for ever
    engine.dispose()
    assert not worker.is_alive(), "the connect hung"
    (failure,) = outcome
    assert isinstance(failure, sa.exc.OperationalError)
