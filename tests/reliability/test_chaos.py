"""Chaos (R-1): thousands of cross-service commands while the services are killed and the broker
restarted; afterwards nothing is lost, nothing duplicated, nothing dead-lettered, nothing stuck.

Commands go through intake's HTTP API: escalations of cases (scheduling puts each on an agenda)
and municipalities' home-visit requests (scheduling creates the visits to schedule). Meanwhile a
monkey SIGKILLs intake or scheduling every 2-6 s (12 kills) and restarts the broker 4 times, the
driver pacing itself so that all of it happens while commands flow; a supervisor restarts
whatever died, and counts the services that exit during their start-up (the broker restarting
under them) apart from those it killed. How a command whose response was lost is settled without an
idempotency key is in :mod:`chaos` (read back, adopt or send again).

Then, once the platform is quiet: every acknowledged command has exactly one event on the intake
stream (by its resource id, and one stream copy per event id), intake holds no command nobody
acknowledged, every event has exactly one effect in scheduling, the dead-letter stream is empty,
neither outbox holds a pending or quarantined row, and every durable consumer has nothing
pending and nothing unacknowledged. One summary line says what happened (``-s`` shows it live; it
is also in the report of a failure). ``TSUNAGU_CHAOS_SEED`` replays another seed;
``TSUNAGU_CHAOS_COMMANDS`` changes the number of commands (2,000).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from chaos import MUNICIPALITIES, Client, Monkey, Supervisor, Tally, drive, plan
from stack import (
    ServiceProcess,
    consumer_backlogs,
    outbox_of,
    query,
    read_stream,
    running,
    second_database,
    stream_size,
)
from tsunagu_contracts.events.intake import CaseEscalated, HomeVisitRequested
from tsunagu_servicekit.natsserver import NatsServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SEED = int(os.environ.get("TSUNAGU_CHAOS_SEED", "20261203"))
COMMANDS = int(os.environ.get("TSUNAGU_CHAOS_COMMANDS", "2000"))
CLIENTS = 12
CASES_PER_CLIENT = 4
KILLS = 12
DRIVE_DEADLINE = 420.0
QUIET_DEADLINE = 180.0
STREAMS = ["TSUNAGU_INTAKE", "TSUNAGU_SCHEDULING"]
ESCALATED = CaseEscalated.event_type.name
REQUESTED = HomeVisitRequested.event_type.name

# Short redelivery and relay delays: a message held by a killed process comes back in seconds.
# No spans recorded and fewer log lines: the machine's two cores go to the commands.
SERVICE_ENV = {
    "ACK_WAIT": "5",
    "RELAY_POLL_INTERVAL": "0.2",
    "TRACE_SAMPLE_RATIO": "0",
    "LOG_LEVEL": "WARNING",
}


def test_commands_survive_killed_services_and_broker_restarts(
    restartable_nats_server: NatsServerProcess,
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broker = restartable_nats_server
    rng = random.Random(SEED)
    database_kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    started = time.monotonic()
    with second_database(database_url, tmp_path, "scheduling") as scheduling_db:
        intake = ServiceProcess("intake", broker.url, database_url, tmp_path, dict(SERVICE_ENV))
        scheduling = ServiceProcess(
            "scheduling",
            broker.url,
            scheduling_db,
            tmp_path,
            {**SERVICE_ENV, "REVIEW_EXTRA_AGENDA_CAPACITY": "50"},
        )
        with running(intake, scheduling):
            tally = Tally()
            clients = [
                Client(intake.url, MUNICIPALITIES[i], tally, deadline=time.monotonic() + DRIVE_DEADLINE)
                for i in range(CLIENTS)
            ]
            try:
                for client in clients:
                    client.open_cases(CASES_PER_CLIENT)
                work = plan(rng, CLIENTS, CASES_PER_CLIENT, COMMANDS)
                driving = time.monotonic()
                with Supervisor([intake, scheduling]) as supervisor:
                    with Monkey(supervisor, broker, rng, kills=KILLS) as monkey:
                        for client in clients:
                            client.pace = monkey.reached
                        drive(clients, work)
                        _wait(lambda: monkey.reached(1.0), 180, "every kill and broker restart")
                    drive_s = time.monotonic() - driving
                    # Chaos over: whatever is still starting comes up before the supervisor stops.
                    _wait(supervisor.all_up, 120, "both services up again after the chaos")
            finally:
                for client in clients:
                    client.close()
            quieting = time.monotonic()
            quiet = _wait_quiet(broker.url, database_url, scheduling_db)
            quiet_s = time.monotonic() - quieting
            figures = _verify(broker.url, database_url, scheduling_db, tally)

    figures |= {
        "service_kills": monkey.kills,
        "kills_by_service": dict(supervisor.kills),
        "start_up_exits": len(supervisor.start_up_exits),
        "crashes": len(supervisor.crashes),
        "restart_s_max": round(max((s for _, s in supervisor.restart_seconds), default=0.0), 1),
        "broker_restarts": monkey.broker_restarts,
        "duration_s": round(time.monotonic() - started),
        "drive_s": round(drive_s),
        "quiet_s": round(quiet_s),
        "quiet": quiet,
        "db": database_kind,
        "seed": SEED,
    }
    line = "chaos summary: " + " ".join(f"{k}={v}" for k, v in figures.items())
    with capsys.disabled():
        print("\n" + line)
        for name, code, why in supervisor.start_up_exits:
            print(f"  start-up exit: {name} code={code} {why}")
        for name, code, why in supervisor.crashes:
            print(f"  crash: {name} code={code} {why}")
        print("  restarts (s): " + " ".join(f"{n[0]}{s:.1f}" for n, s in supervisor.restart_seconds))
    (tmp_path / "chaos-summary.txt").write_text(line + "\n")

    assert tally.rejected == [], tally.rejected[:5]
    assert tally.abandoned == 0, line
    assert figures["acknowledged"] == COMMANDS, line
    assert figures["lost"] == 0, line
    assert figures["duplicated"] == 0, line
    assert figures["events"] == figures["acknowledged"], line
    assert figures["effects"] == figures["events"], line
    assert figures["dead_lettered"] == 0, line
    assert figures["outbox_pending"] == 0, line
    assert figures["outbox_quarantined"] == 0, line
    assert figures["consumers_busy"] == {}, line
    assert figures["crashes"] == 0, line
    assert monkey.broker_restarts == 4, line
    assert monkey.kills == KILLS, line


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout}s")
        time.sleep(0.5)


def _busy_consumers(nats_url: str) -> dict[str, tuple[int, int]]:
    backlogs = asyncio.run(consumer_backlogs(nats_url, STREAMS))
    return {name: backlog for name, backlog in backlogs.items() if backlog != (0, 0)}


def _wait_quiet(nats_url: str, intake_db: str, scheduling_db: str) -> bool:
    """Until both outboxes are empty and every consumer is idle, twice in a row (bounded)."""
    deadline = time.monotonic() + QUIET_DEADLINE
    calm = 0
    while time.monotonic() < deadline:
        settled = (
            outbox_of(intake_db).pending == 0
            and outbox_of(scheduling_db).pending == 0
            and not _busy_consumers(nats_url)
        )
        calm = calm + 1 if settled else 0
        if calm >= 2:
            return True
        time.sleep(1.0)
    return False


def _verify(
    nats_url: str,
    intake_db: str,
    scheduling_db: str,
    tally: Tally,
) -> dict[str, Any]:
    """The figures of the summary line, read from the streams, both services and their databases."""
    messages = asyncio.run(read_stream(nats_url, "TSUNAGU_INTAKE"))
    copies: Counter[str] = Counter()  # stream messages per event id
    events_of: dict[str, set[str]] = {}  # resource id -> distinct event ids
    for msg in messages:
        event = json.loads(msg.data)
        key = {ESCALATED: "escalation_id", REQUESTED: "request_id"}.get(event["type"])
        if key is None:
            continue
        copies[event["id"]] += 1
        events_of.setdefault(event["data"][key], set()).add(event["id"])

    acknowledged = {**dict.fromkeys(tally.escalations), **dict.fromkeys(tally.requests)}
    # The databases, not the APIs: their listings stop at a few hundred rows.
    committed = {
        row[0]
        for table in ("intake_escalation", "intake_home_visit_request")
        for row in query(intake_db, f"SELECT id FROM {table}")
    }
    reviews = Counter(r[0] for r in query(scheduling_db, "SELECT escalation_id FROM scheduling_review"))
    visits = Counter(r[0] for r in query(scheduling_db, "SELECT request_id FROM scheduling_home_visit"))

    def effect_count(resource_id: str) -> int:
        if resource_id in tally.escalations:
            return reviews[resource_id]
        # A request's effect is its set of visits, all of them there.
        expected = tally.requests[resource_id]
        return visits[resource_id] // expected if visits[resource_id] % expected == 0 else -1

    lost = sum(1 for r in acknowledged if not events_of.get(r))
    duplicated_events = sum(max(0, len(events_of.get(r, ())) - 1) for r in acknowledged)
    duplicated_copies = sum(n - 1 for n in copies.values() if n > 1)
    unacknowledged = len(committed - acknowledged.keys()) + len(events_of.keys() - acknowledged.keys())
    effects = Counter(effect_count(r) for r in acknowledged if events_of.get(r))
    intake_outbox, scheduling_outbox = outbox_of(intake_db), outbox_of(scheduling_db)
    return {
        "commands": tally.commands,
        "posts": tally.posts,
        "acknowledged": tally.acknowledged,
        "reconciled": tally.reconciled,
        "lost_responses": tally.lost_responses,
        "refused_connections": tally.refused_connections,
        "server_errors": tally.server_errors,
        "events": sum(len(events_of.get(r, ())) for r in acknowledged),
        "effects": effects[1],
        "effects_wrong": sum(n for k, n in effects.items() if k != 1),
        "lost": lost,
        "duplicated": duplicated_events + duplicated_copies + unacknowledged + tally.duplicated_commits,
        "dead_lettered": asyncio.run(stream_size(nats_url, "TSUNAGU_DLQ")),
        "outbox_pending": intake_outbox.pending + scheduling_outbox.pending,
        "outbox_quarantined": intake_outbox.quarantined + scheduling_outbox.quarantined,
        "consumers_busy": _busy_consumers(nats_url),
    }
