"""``tsunagu demo`` against ``tsunagu up --simulated-clock``: a small year through every service's
public API, the events it leaves on the bus (every type the services raise that the shipped
settings allow), the
services ready afterwards, no generated person in any log or event, a demo killed mid-step that
continues without sending anything twice, and the year replayed with ``tsunagu events replay --into``
into a fresh scheduling and a fresh partners giving views equal, table by table, to the live ones.

The stack is ``tsunagu up``'s own (``LocalStack``, in a thread): nats-server and the five services as
processes, on SQLite in the data directory, or each on a PostgreSQL database of its own where
``TSUNAGU_TEST_DATABASE_URL`` is set (``up`` passes the environment through).
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from rich.console import Console
from stack import second_database
from tsunagu_cli.demo.actions import Demo
from tsunagu_cli.demo.command import DemoConfig, demo_command, service_urls, token_factory
from tsunagu_cli.demo.execute import (
    CLOCK_FILE,
    DemoStateError,
    Journal,
    perform,
    readiness,
    run_steps,
    settle,
    write_clock,
)
from tsunagu_cli.demo.plan import Step, build_plan
from tsunagu_cli.main import app
from tsunagu_cli.services import discover_services
from tsunagu_cli.up import LocalStack, UpConfig, port_free
from tsunagu_contracts import DLQ_STREAM, PRODUCERS, REGISTRY, STREAMS
from tsunagu_servicekit.messaging.views import view_rows
from tsunagu_servicekit.natsserver import free_port
from typer.testing import CliRunner

pytestmark = pytest.mark.slow

SEED, SCALE = 7, 0.02
NOT_WITH_SHIPPED_SETTINGS = {"tsunagu.scheduling.home_visit.cap_reached.v1"}
"""Intake and scheduling share the cap of 5 visits by default: scheduling never finds it exceeded."""


def _free_block(n: int) -> int:
    for _ in range(50):
        base = free_port()
        if base + n < 65536 and all(port_free("127.0.0.1", base + i) for i in range(n)):
            return base
    raise RuntimeError("no block of free ports")


@contextmanager
def local_stack(
    data_dir: Path, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, int]]:
    """``tsunagu up --simulated-clock`` in a thread; yields the broker's URL and the base port."""
    services = discover_services()
    with ExitStack() as cleanup:
        if not database_url.startswith("sqlite"):
            for entry in services:
                url = cleanup.enter_context(second_database(database_url, tmp_path, entry.name))
                monkeypatch.setenv(f"{entry.env_prefix}DATABASE_URL", url)
        config = UpConfig(
            data_dir=data_dir,
            nats_port=free_port(),
            base_port=_free_block(len(services)),
            simulated_clock=True,
            ready_timeout=120.0,
        )
        stop = threading.Event()
        stack = LocalStack(config, Console(file=io.StringIO(), width=200), stop)
        runner = threading.Thread(target=stack.run, name="tsunagu-up", daemon=True)
        runner.start()
        try:
            urls = service_urls(config.host, config.base_port)
            deadline = time.monotonic() + 150
            while not all(code == 200 for code in readiness(urls).values()):
                assert runner.is_alive(), "tsunagu up stopped"
                assert time.monotonic() < deadline, "the stack did not come up"
                time.sleep(0.5)
            assert stack.broker is not None
            yield stack.broker.url, config.base_port
        finally:
            stop.set()
            runner.join(60)


def _live_database(data_dir: Path, name: str, database_url: str) -> str:
    """Where ``tsunagu up`` kept the service's state: its SQLite file, or its PostgreSQL database."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{data_dir / name / f'{name}.db'}"
    return os.environ[f"TSUNAGU_{name.upper()}_DATABASE_URL"]


def _views(name: str, url: str) -> dict[str, list[tuple[Any, ...]]]:
    views = importlib.import_module(f"tsunagu_{name}.consumers").VIEWS
    engine = sa.create_engine(url)
    try:
        return {view.table: view_rows(engine, view) for view in views}
    finally:
        engine.dispose()


def _personal(steps: list[Step]) -> set[str]:
    """The generated names, nicknames, phone numbers and e-mail addresses the plan sends."""
    found: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, str) and key in ("name", "nickname", "phone", "email", "consulter_name"):
            found.add(value)

    for step in steps:
        walk(dict(step.args))
    return {v for v in found if len(v) >= 3}  # a two-kana nickname could be part of anything


async def _all_events(nats_url: str) -> list[dict[str, Any]]:
    from tsunagu_cli.common import connect
    from tsunagu_cli.reader import StreamReader

    out: list[dict[str, Any]] = []
    async with connect(nats_url) as (_nc, js):
        for definition in STREAMS:
            if definition.name == DLQ_STREAM.name:
                continue
            async with StreamReader(js, definition.name) as reader:
                async for msg in reader:
                    out.append(json.loads(msg.data))
    return out


def test_a_small_year_through_the_apis_continued_after_a_kill_without_duplicates(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "stack"
    steps = build_plan(SEED, SCALE)
    # Killed at a consultation of a new person: sent, committed, its answer lost.
    killed_at = next(
        i
        for i, s in enumerate(steps)
        if i > len(steps) // 3 and s.kind == "consultation" and "person" in s.args
    )
    with (
        local_stack(data_dir, database_url, tmp_path, monkeypatch) as (nats_url, base_port),
        httpx.Client(timeout=30) as http,
    ):
        urls = service_urls("127.0.0.1", base_port)
        demo = Demo(urls=urls, http=http, tokens=token_factory(data_dir), nats_url=nats_url)
        clock = data_dir / CLOCK_FILE

        first = Journal.open(data_dir, SEED, SCALE, steps)
        done = run_steps(steps, first, demo, clock_file=clock, nats_url=nats_url, stop_after=killed_at)
        assert done.performed == killed_at
        first.mark_sent(killed_at)
        write_clock(clock, steps[killed_at].at)
        assert "ok" in perform(demo, steps[killed_at], killed_at, first.refs, SEED)  # answer never recorded
        first.mark_sent(killed_at + 1)  # killed before this one reached the service
        first.close()

        console = Console(file=io.StringIO(), width=200)
        config = DemoConfig(data_dir=data_dir, nats_url=nats_url, seed=SEED, scale=SCALE, base_port=base_port)
        assert demo_command(config, console) == 0
        report = console.file.getvalue()  # type: ignore[attr-defined]
        assert "1 found done on the bus after an interruption" in report

        counts = settle(nats_url)
        events = asyncio.run(_all_events(nats_url))
        assert all(code == 200 for code in readiness(urls).values())

        # Every type the shipped settings allow, each consultation once.
        raised = {name for producer in PRODUCERS for name in REGISTRY.emitted_by(producer)}
        assert raised - set(counts) == NOT_WITH_SHIPPED_SETTINGS
        received = [e for e in events if e["type"] == "tsunagu.intake.consultation.received.v1"]
        times = Counter(e["time"] for e in received)
        assert times.most_common(1)[0][1] == 1, "a consultation was recorded twice"
        assert times[steps[killed_at].at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")] == 1

        # What the journal says was done is what the bus holds (the request-driven events).
        outcomes = [json.loads(line) for line in (data_dir / "demo-steps.jsonl").read_text().splitlines()]
        ok = Counter(steps[e["i"]].kind for e in outcomes if "ok" in e)
        # (a home-visit request is a consultation on the home-visit channel too)
        assert counts["tsunagu.intake.consultation.received.v1"] == sum(
            ok[k]
            for k in (
                "consultation",
                "web_consultation",
                "peer_consultation",
                "attended",
                "home_visit_request",
            )
        )
        assert counts["tsunagu.intake.case.escalated.v1"] == ok["escalate"]
        assert counts["tsunagu.scheduling.appointment.booked.v1"] == ok["book"]
        assert counts["tsunagu.partners.referral.offered.v1"] == ok["referral"]
        assert counts["tsunagu.subsidy.application.applied.v1"] == ok["subsidy_apply"]

        # No generated person anywhere but in the services' encrypted stores.
        personal = _personal(steps)
        logs = "".join(p.read_text(errors="replace") for p in (data_dir / "logs").glob("*.log"))
        text = json.dumps(events, ensure_ascii=False) + logs + report
        assert personal
        assert not [v for v in personal if v in text]

        # Each service kept its state where the test said: its own PostgreSQL database, or SQLite.
        sqlite_files = list(data_dir.glob("*/*.db"))
        assert len(sqlite_files) == (len(urls) if database_url.startswith("sqlite") else 0)

        # Replaying the year into a fresh scheduling and a fresh partners rebuilds their views equal,
        # table by table, to the live ones (ADR 0014).
        for name in ("scheduling", "partners"):
            live_url = _live_database(data_dir, name, database_url)
            with second_database(database_url, tmp_path, f"replayed_{name}") as fresh:
                replayed = CliRunner().invoke(
                    app,
                    ["events", "replay", "--into", name, "--database", fresh, "--nats-url", nats_url,
                     "--data-dir", str(tmp_path / "replays"), "--json"],
                )  # fmt: skip
                assert replayed.exit_code == 0, replayed.output
                summary = json.loads(replayed.output)
                assert summary["applied"] > 0
                assert (summary["dead_lettered"], summary["skipped"]) == (0, 0), summary
                live_views = _views(name, live_url)
                assert _views(name, fresh) == live_views, f"{name}'s views"
                assert sum(len(rows) for rows in live_views.values()) > 10, live_views

        # A third run has nothing to do; another seed is refused.
        quiet = Console(file=io.StringIO(), width=200)
        assert demo_command(config, quiet) == 0
        assert "nothing to do" in quiet.file.getvalue()  # type: ignore[attr-defined]
        with pytest.raises(DemoStateError, match=f"--seed {SEED}"):
            Journal.open(data_dir, SEED + 1, SCALE, steps)
