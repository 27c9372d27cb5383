"""The path a user takes (5): HTTP command -> row and outbox in one transaction -> relay -> consumer
effect, next to a plain FastAPI + SQLAlchemy peer doing the same insert; and what tracing costs.

Processes, so that no two parts share an interpreter (as in production):
- ``python -m bench.httppath kit``: a kit service (``ServiceRuntime``, the kit's HTTP app with its
  middleware, bearer-token check, problem details, tracing) whose ``POST /pings`` inserts a
  ``bench_commands`` row and emits a ``BenchPinged`` event in one unit of work; its relay publishes;
- ``python -m bench.httppath consume``: the consuming service (the bench handler of 3b);
- ``python -m bench.httppath peer``: FastAPI with a sync ``POST /pings`` that inserts the same row
  with a SQLAlchemy ``Session`` and commits: no outbox, no auth, no tracing, no event;
- the load generator is the bench's own process: ``concurrency`` clients (httpx, keep-alive)
  send ``requests`` commands between them.

Kit throughput counts a command when its *effect* is committed by the consumer (the clock stops
at the last effect), the peer's when its response arrived; p99 is the HTTP response time either
way. Tracing: the kit service at the default sampling (1.0) exporting over OTLP/HTTP (batch
processor) to a receiver in this process that accepts and drops, against the same service with
sampling 0 and no exporter.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
import sqlalchemy as sa
from fastapi import APIRouter, Depends, FastAPI, Request, status
from pydantic import BaseModel, Field
from tsunagu_contracts import new_event_id
from tsunagu_servicekit.http import Authenticator
from tsunagu_servicekit.http.auth import Principal, require
from tsunagu_servicekit.logging import configure_logging
from tsunagu_servicekit.natsserver import free_port
from tsunagu_servicekit.runtime import ServiceRuntime, serve

from .benchapp import BenchPinged, build_runtime, commands, effect_count, metadata, settings_for
from .common import Databases
from .latency import _percentiles

REPO_ROOT = Path(__file__).resolve().parent.parent
JWT_SECRET = "bench-http-path-secret-" + "b" * 48
ISSUER, AUDIENCE = "tsunagu-local", "tsunagu"


class PingCommand(BaseModel):
    """A benchmark command: a counter and a short note, like a small staff form."""

    n: int = Field(ge=0)
    note: str = Field(max_length=200)


class PingAccepted(BaseModel):
    """The command's id."""

    command_id: str


# -- the kit service ------------------------------------------------------------------------------

router = APIRouter(prefix="/pings", tags=["bench"])


@router.post("", status_code=status.HTTP_201_CREATED)
def post_ping(
    body: PingCommand,
    request: Request,
    _: Annotated[Principal, Depends(require("counsellor"))],
) -> PingAccepted:
    runtime: ServiceRuntime[None] = request.app.state.runtime
    command_id = new_event_id()
    with runtime.units() as uow:
        uow.session.execute(
            sa.insert(commands).values(
                command_id=command_id, n=body.n, note=body.note, created_at=datetime.now(UTC)
            )
        )
        uow.emit(BenchPinged(ping_id=command_id, n=body.n), subject=command_id)
        uow.commit()
    return PingAccepted(command_id=command_id)


def _kit_runtime(args: argparse.Namespace, *, consume: bool) -> ServiceRuntime[None]:
    extra: dict[str, Any] = {
        "http_port": args.port,
        "jwt_secret": JWT_SECRET,
        "trace_sample_ratio": args.sample,
    }
    if args.otlp:
        extra["otlp_endpoint"] = args.otlp
    settings = settings_for(
        "benchhttp" if not consume else "benchconsumer", database_url=args.db, nats_url=args.nats, **extra
    )
    return build_runtime(settings, consume=consume, routers=() if consume else (router,))


# -- the peer -------------------------------------------------------------------------------------


def peer_app(database_url: str) -> FastAPI:
    engine = sa.create_engine(database_url, pool_size=10, max_overflow=10)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    metadata.create_all(engine, tables=[commands])
    app = FastAPI(title="plain FastAPI + SQLAlchemy peer")

    @app.post("/pings", status_code=status.HTTP_201_CREATED)
    def post(body: PingCommand) -> PingAccepted:
        command_id = new_event_id()
        with sa.orm.Session(engine) as session:
            session.execute(
                sa.insert(commands).values(
                    command_id=command_id, n=body.n, note=body.note, created_at=datetime.now(UTC)
                )
            )
            session.commit()
        return PingAccepted(command_id=command_id)

    @app.get("/readyz")
    def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app


# -- processes --------------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def server(mode: str, *, db: str, nats: str = "", sample: float = 0.0, otlp: str = "") -> Iterator[Server]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "bench.httppath",
        mode,
        "--db",
        db,
        "--port",
        str(port),
        "--sample",
        str(sample),
    ]
    if nats:
        cmd += ["--nats", nats]
    if otlp:
        cmd += ["--otlp", otlp]
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"bench {mode} server exited with {proc.returncode}: {err[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"bench {mode} server not ready within 60 s")
            time.sleep(0.1)
        yield Server(url, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the load -------------------------------------------------------------------------------------


async def drive(url: str, requests: int, concurrency: int, headers: dict[str, str]) -> dict[str, Any]:
    """Send ``requests`` commands from ``concurrency`` clients; response times and failures."""
    latencies: list[float] = []
    failures = 0
    counter = iter(range(requests))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for n in counter:
            started = time.perf_counter()
            response = await client.post(
                "/pings", json={"n": n, "note": "定例の電話相談（ベンチマーク）"}, headers=headers
            )
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 201:
                failures += 1

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    result: dict[str, Any] = _percentiles(latencies)
    result |= {"requests": requests, "failures": failures, "seconds": seconds, "concurrency": concurrency}
    return result


async def _otlp_sink(port: int) -> tuple[asyncio.AbstractServer, list[int]]:
    """An OTLP/HTTP receiver that reads each export and answers 200: what tracing costs the
    service is the spans and their export, not a collector's work."""
    received = [0]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                received[0] += 1
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", port), received


async def kit_path(
    nats_url: str, databases: Databases, requests: int, concurrency: int, *, traced: bool
) -> dict[str, Any]:
    """One kit run: fresh databases, a kit service and a consumer, ``requests`` commands."""
    sink: asyncio.AbstractServer | None = None
    otlp, sample = "", 0.0
    if traced:
        port = free_port()
        sink, _ = await _otlp_sink(port)
        otlp, sample = f"http://127.0.0.1:{port}", 1.0
    producer_db = databases.fresh(f"http_kit_{concurrency}_{int(traced)}")
    consumer_db = databases.fresh(f"http_consumer_{concurrency}_{int(traced)}")
    token = Authenticator(secret=JWT_SECRET, issuer=ISSUER, audience=AUDIENCE).issue("bench", ["counsellor"])
    headers = {"Authorization": f"Bearer {token}"}
    effects_engine = sa.create_engine(consumer_db)
    try:
        with (
            server("consume", db=consumer_db, nats=nats_url),
            server("kit", db=producer_db, nats=nats_url, sample=sample, otlp=otlp) as kit,
        ):
            base = await asyncio.to_thread(effect_count, effects_engine)
            started = time.perf_counter()
            result = await drive(kit.url, requests, concurrency, headers)
            expected = base + requests - result["failures"]
            deadline = time.monotonic() + 120
            while await asyncio.to_thread(effect_count, effects_engine) < expected:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.01)
            end_to_end = time.perf_counter() - started
            result["effects"] = await asyncio.to_thread(effect_count, effects_engine) - base
    finally:
        effects_engine.dispose()
        if sink is not None:
            sink.close()
            await sink.wait_closed()
    result["seconds_to_last_effect"] = end_to_end
    result["msgs_per_s"] = result["effects"] / end_to_end if end_to_end else 0.0
    result["count"] = result["effects"]
    return result


async def peer_path(databases: Databases, requests: int, concurrency: int) -> dict[str, Any]:
    db = databases.fresh(f"http_peer_{concurrency}")
    with server("peer", db=db) as peer:
        result = await drive(peer.url, requests, concurrency, {})
    ok = requests - result["failures"]
    result["msgs_per_s"] = ok / result["seconds"] if result["seconds"] else 0.0
    result["count"] = ok
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.httppath")
    parser.add_argument("mode", choices=["kit", "consume", "peer"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--nats", default="")
    parser.add_argument("--sample", type=float, default=0.0)
    parser.add_argument("--otlp", default="")
    args = parser.parse_args()
    if args.mode == "peer":
        import uvicorn

        uvicorn.run(peer_app(args.db), host="127.0.0.1", port=args.port, log_config=None, access_log=False)
        return
    runtime = _kit_runtime(args, consume=args.mode == "consume")
    configure_logging(runtime.settings)
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    asyncio.run(serve(runtime))


if __name__ == "__main__":
    main()
