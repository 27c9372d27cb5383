"""The restore drill (docs/deploy.md, "Restore"), run for real: back up, lose everything, restore,
and find each service's views as they were.

1. **The platform runs**: intake, scheduling and partners as processes on a nats-server from the
   wheel, each on its own database; a cross-service flow goes through them (consultations opened,
   escalated to the expert team, one case closed, home visits requested; the team's conclusions go
   back to intake's case timelines).
2. **Back up**: the events backup CronJob's export script, as shipped in
   ``deploy/k8s/components/backups/events-backup.yaml`` (``tsunagu events export`` of every stream,
   gzip, ``SHA256SUMS``), with its directory and broker address this machine's; intake's database
   is dumped (``pg_dump -Fc``, or SQLite's backup API) as the managed database's backup would be.
3. **Everything is lost**: the services and the broker stop.
4. **Restore** into a FRESH nats-server and FRESH databases: ``tsunagu streams apply``; per stream
   ``sha256sum -c``, ``gunzip`` and ``tsunagu events replay``; intake's database from its dump
   (intake declares no views: its consumers attach to cases its commands made, which no stream
   holds); scheduling's and partners' views rebuilt with ``tsunagu events replay --into`` from the
   restored streams.
5. **Start the services** on the restored broker and databases; their consumers, new on the new
   broker, read every stream from the start and find every event in their inbox already.
6. **Compare**: every stream holds what was exported (nothing lost, nothing published twice),
   the dead-letter stream is empty, each view of scheduling and partners equals the original table
   by table (``tsunagu_servicekit.messaging.views.view_rows``), and intake's timelines hold each
   conclusion once.

Runs on SQLite, and on PostgreSQL where ``TSUNAGU_TEST_DATABASE_URL`` is set. Prints one summary line.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import nats
import pytest
import sqlalchemy as sa
import yaml
from stack import (
    COUNSELLOR,
    ServiceProcess,
    advice_on_timeline,
    conclude,
    consumer_backlogs,
    escalate,
    open_case,
    request_home_visits,
    review_of,
    running,
    second_database,
    wait_until,
)
from tsunagu_contracts import DLQ_STREAM, STREAMS
from tsunagu_partners.consumers import VIEWS as PARTNERS_VIEWS
from tsunagu_scheduling.consumers import VIEWS as SCHEDULING_VIEWS
from tsunagu_servicekit.messaging.views import View, view_rows
from tsunagu_servicekit.natsserver import NatsServerProcess

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EVENTS_BACKUP = ROOT / "deploy" / "k8s" / "components" / "backups" / "events-backup.yaml"
STREAM_NAMES = [s.name for s in STREAMS]
VIEWS: dict[str, list[View]] = {"scheduling": SCHEDULING_VIEWS, "partners": PARTNERS_VIEWS}
"""The services whose views a replay rebuilds (consumers.VIEWS); intake declares none."""
CASES = 4
SETTLE = 60.0
MASTER_KEY = {"VAULT_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode()}
"""Intake's vault master key: kept apart from the database backup (key management), given to the
restored intake as to the original; without it the restored data keys do not open."""


def export_script() -> str:
    """The shell script of the backup CronJob's export container, as shipped."""
    [cronjob] = [
        d for d in yaml.safe_load_all(EVENTS_BACKUP.read_text(encoding="utf-8")) if d["kind"] == "CronJob"
    ]
    [export] = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["initContainers"]
    command: list[str] = export["command"]
    assert command[:2] == ["sh", "-c"]
    return command[2]


def tool_env(nats_url: str) -> dict[str, str]:
    """The operator's shell: the ``tsunagu`` command beside this Python, the admin's broker URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGU_")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["TSUNAGU_NATS_URL"] = nats_url
    return env


def run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    done = subprocess.run(
        command,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"{command[:4]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def back_up_streams(nats_url: str, backup: Path) -> Path:
    """The CronJob's export script, with ``/backup`` here; the directory it made."""
    backup.mkdir()
    run(["sh", "-c", export_script().replace("/backup", str(backup))], tool_env(nats_url))
    [made] = list(backup.iterdir())
    return made


def messages_per_stream(directory: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in STREAM_NAMES:
        with gzip.open(directory / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
            counts[name] = sum(1 for line in fh if line.strip())
    return counts


def dump_database(url: str, target: Path) -> None:
    """Intake's database backup: ``pg_dump -Fc``, or a copy through SQLite's backup API."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(str(parsed.database)) as source, sqlite3.connect(str(target)) as copy:
            source.backup(copy)
        return
    run([require("pg_dump"), "-Fc", "-f", str(target), libpq_url(url)], dict(os.environ))


def restore_database(dump: Path, url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with sqlite3.connect(str(dump)) as source, sqlite3.connect(str(parsed.database)) as copy:
            source.backup(copy)
        return
    run([require("pg_restore"), "--no-owner", "-d", libpq_url(url), str(dump)], dict(os.environ))


def require(tool: str) -> str:
    found = shutil.which(tool)
    assert found, f"{tool} is needed for the drill on PostgreSQL (the PostgreSQL client tools)"
    return found


def libpq_url(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def views_of(service: str, url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = sa.create_engine(url)
    try:
        return {view.table: view_rows(engine, view) for view in VIEWS[service]}
    finally:
        engine.dispose()


async def stream_counts(nats_url: str) -> dict[str, int]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        return {name: (await js.stream_info(name)).state.messages for name in STREAM_NAMES}
    finally:
        await nc.close()


def settled(nats_url: str) -> bool:
    """Every durable consumer has had and acknowledged every message, and at least one exists."""
    backlogs = asyncio.run(consumer_backlogs(nats_url, [n for n in STREAM_NAMES if n != DLQ_STREAM.name]))
    return bool(backlogs) and all(backlog == (0, 0) for backlog in backlogs.values())


def drive_the_flow(ic: Any, sc: Any) -> list[str]:
    """Consultations escalated and concluded, one case closed, home visits requested; the cases."""
    cases = [open_case(ic) for _ in range(CASES)]
    escalations = {escalate(ic, case): case for case in cases[:3]}
    requests = [request_home_visits(ic, visits=2), request_home_visits(ic, visits=3)]
    assert all(requests)
    reviews = wait_until(
        lambda: (
            [r for e in escalations if (r := review_of(sc, e))]
            if all(review_of(sc, e) for e in escalations)
            else None
        ),
        timeout=SETTLE,
        message="the expert team's reviews of every escalation",
    )
    for review in reviews:
        conclude(sc, review["id"])
    closed = ic.post(f"/cases/{cases[0]}/close", json={"reason": "resolved"}, headers=COUNSELLOR)
    assert closed.status_code in (200, 201, 204), closed.text
    for case in cases[:3]:
        wait_until(
            lambda case=case: advice_on_timeline(ic, case), timeout=SETTLE, message="advice on the timeline"
        )
    return cases


def test_restore_drill_export_fresh_broker_and_databases_replay_views_equal(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    original, restored = tmp_path / "original", tmp_path / "restored"
    with (
        second_database(database_url, tmp_path, "scheduling") as scheduling_db,
        second_database(database_url, tmp_path, "partners") as partners_db,
    ):
        # 1. The platform runs, and a cross-service flow goes through it.
        intake = ServiceProcess("intake", nats_url, database_url, original, MASTER_KEY)
        scheduling = ServiceProcess("scheduling", nats_url, scheduling_db, original)
        partners = ServiceProcess("partners", nats_url, partners_db, original)
        with running(intake, scheduling, partners), intake.client() as ic, scheduling.client() as sc:
            cases = drive_the_flow(ic, sc)
            wait_until(lambda: settled(nats_url), timeout=SETTLE, message="every consumer settled")
            # 2. Back up: the streams as the CronJob does, intake's database as its backup does.
            exported = back_up_streams(nats_url, tmp_path / "backup")
        intake_dump = tmp_path / "intake.dump"
        dump_database(database_url, intake_dump)
        before = {
            service: views_of(service, url)
            for service, url in (("scheduling", scheduling_db), ("partners", partners_db))
        }
        assert all(
            before["scheduling"][t]
            for t in ("scheduling_known_case", "scheduling_home_visit_request", "scheduling_closed_case")
        ), before
        counts = messages_per_stream(exported)
        assert counts == asyncio.run(stream_counts(nats_url)), "the export holds every stored message"
        assert counts["TSUNAGU_INTAKE"], counts
        assert counts["TSUNAGU_SCHEDULING"], counts

    # 3. Everything is lost (the original databases were dropped above); 4. restore, into a fresh
    # broker and fresh databases.
    fresh = NatsServerProcess(store_dir=tmp_path / "fresh-nats" / "jetstream")
    fresh.start()
    try:
        env = tool_env(fresh.url)
        run(["tsunagu", "streams", "apply"], env)
        run(["sha256sum", "-c", "SHA256SUMS"], env, cwd=exported)
        run(["sh", "-c", "gunzip ./*.jsonl.gz"], env, cwd=exported)
        replayed = 0
        for name in STREAM_NAMES:
            out = run(["tsunagu", "events", "replay", str(exported / f"{name}.jsonl")], env)
            assert f"{counts[name]} published, 0 duplicate(s)" in " ".join(out.split()), out
            replayed += counts[name]
        assert asyncio.run(stream_counts(fresh.url)) == counts

        with (
            second_database(database_url, tmp_path, "restored_intake") as intake_new,
            second_database(database_url, tmp_path, "restored_scheduling") as scheduling_new,
            second_database(database_url, tmp_path, "restored_partners") as partners_new,
        ):
            restore_database(intake_dump, intake_new)
            rebuilt = {"scheduling": scheduling_new, "partners": partners_new}
            for service, url in rebuilt.items():
                out = run(
                    ["tsunagu", "events", "replay", "--into", service, "--database", url,
                     "--data-dir", str(restored / "replays"), "--json"],
                    env,
                )  # fmt: skip
                summary = json.loads(out)
                assert (summary["dead_lettered"], summary["skipped"]) == (0, 0), summary

            # 5. The services start on the restored broker and databases.
            intake = ServiceProcess("intake", fresh.url, intake_new, restored, MASTER_KEY)
            scheduling = ServiceProcess("scheduling", fresh.url, scheduling_new, restored)
            partners = ServiceProcess("partners", fresh.url, partners_new, restored)
            with running(intake, scheduling, partners), intake.client() as ic:
                wait_until(
                    lambda: settled(fresh.url), timeout=SETTLE, message="the restored consumers settled"
                )
                # 6. Compare.
                assert asyncio.run(stream_counts(fresh.url)) == counts, (
                    "nothing lost, nothing published again"
                )
                assert counts[DLQ_STREAM.name] == 0
                for case in cases[:3]:
                    assert len(advice_on_timeline(ic, case)) == 1, "each conclusion on its timeline once"
            tables = equal = filled = 0
            for service, url in rebuilt.items():
                after = views_of(service, url)
                for table, rows in before[service].items():
                    tables += 1
                    assert after[table] == rows, f"{service}.{table} differs after the restore"
                    equal += 1
                    filled += bool(rows)
    finally:
        fresh.stop()
    per_stream = ", ".join(f"{name} {n}" for name, n in counts.items())
    print(
        f"\nrestore drill: exported {sum(counts.values())} events ({per_stream}); replayed {replayed} "
        f"into a fresh broker; views rebuilt for {', '.join(rebuilt)}; {tables} tables compared "
        f"({filled} with rows), {equal} equal"
    )
