"""Running the services as real processes on a real nats-server, for the end-to-end tests.

Each service runs as ``python -m tsunagu_<name>`` with its settings in the environment (as
``tsunagu up`` does), its own database, its own HTTP port and a JSON-lines traces file. Both share
one JWT secret, so the test mints tokens with :class:`Authenticator`.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import sqlalchemy as sa
from sqlalchemy.pool import NullPool
from tsunagu_servicekit.http import Authenticator
from tsunagu_servicekit.messaging.outbox import OutboxStats, outbox_stats
from tsunagu_servicekit.natsserver import free_port

if TYPE_CHECKING:
    from nats.aio.msg import Msg

JWT_SECRET = "e2e-shared-secret-" + "k" * 48
AUTH = Authenticator(secret=JWT_SECRET, issuer="tsunagu-local", audience="tsunagu")
SHINJUKU = "131041"


def bearer(
    *roles: str, subject: str = "e2e-staff", municipality: str | None = None, partner: str | None = None
) -> dict[str, str]:
    token = AUTH.issue(subject, roles, municipality=municipality, partner=partner)
    return {"Authorization": f"Bearer {token}"}


COUNSELLOR = bearer("counsellor", subject="e2e-counsellor")
EXPERT = bearer("expert", subject="e2e-expert")
MUNICIPALITY = bearer("municipality_staff", subject="e2e-municipality", municipality=SHINJUKU)


@dataclass
class ServiceProcess:
    """One service process; ``start`` waits for ``/readyz``, ``kill`` is SIGKILL (no clean shutdown)."""

    name: str
    nats_url: str
    database_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def traces_file(self) -> Path:
        return self.workdir / f"{self.name}-spans.jsonl"

    @property
    def log_file(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def env(self) -> dict[str, str]:
        prefix = f"TSUNAGU_{self.name.upper()}_"
        values = {
            "NATS_URL": self.nats_url,
            "DATABASE_URL": self.database_url,
            "DATA_DIR": str(self.workdir / f"{self.name}-data"),
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(self.port),
            "TRACES_FILE": str(self.traces_file),
            "JWT_SECRET": JWT_SECRET,
            "ENVIRONMENT": "test",
            "RELAY_POLL_INTERVAL": "0.2",
            "RETRY_BASE_DELAY": "0.2",
            "RETRY_MAX_DELAY": "1",
            **self.extra_env,
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
        env.update({prefix + k: v for k, v in values.items()})
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def start(self, timeout: float = 30.0) -> None:
        self.spawn()
        self.wait_ready(timeout)

    def spawn(self) -> None:
        """Start the process without waiting for it (``wait_ready`` or ``is_ready`` tell when it serves)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"tsunagu_{self.name}"],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.starts += 1

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exit_code() is not None:
                raise RuntimeError(f"{self.name} exited with {self.exit_code()}:\n{self.tail()}")
            if self.is_ready():
                return
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready within {timeout}s:\n{self.tail()}")

    def is_ready(self) -> bool:
        """Whether ``/readyz`` answers 200 now (database, broker and streams reachable)."""
        answer = self._probe("/readyz")
        return answer is not None and answer[0] == 200

    def has_started(self) -> bool:
        """Whether the process got through its start-up: the ``started`` check of ``/readyz`` passes
        (other checks may fail meanwhile: a broker restarting, a database busy with a backlog). A
        service whose readiness has no such check serves HTTP only once started: any answer will do."""
        answer = self._probe("/readyz")
        if answer is None:
            return False
        checks = answer[1].get("checks", {}) if isinstance(answer[1], dict) else {}
        return "started" not in checks or checks["started"] == "ok"

    def _probe(self, path: str) -> tuple[int, Any] | None:
        """Status and JSON body of a GET, ``None`` when nothing answers."""
        # The standard library's client: cheap enough to poll often (no TLS context to build).
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5.0)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()
        try:
            return response.status, json.loads(body or b"null")
        except ValueError:
            return response.status, None

    def exit_code(self) -> int | None:
        """The exit code of a process that ended (``None`` while it runs or when there is none)."""
        return self.process.poll() if self.process is not None else None

    def kill(self) -> None:
        """SIGKILL: whatever was not committed is lost, whatever was committed must survive."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15.0)

    def spans(self) -> list[dict[str, Any]]:
        if not self.traces_file.exists():
            return []
        text = self.traces_file.read_text()
        # The service may be writing its next spans as we read (a large export reaches the file in
        # more than one write): only newline-terminated lines are whole.
        whole = text[: text.rfind("\n") + 1]
        return [json.loads(line) for line in whole.splitlines() if line.strip()]


@contextmanager
def running(*services: ServiceProcess) -> Iterator[None]:
    try:
        for service in services:
            service.start()
        yield
    finally:
        for service in services:
            service.stop()


@dataclass
class TwoServices:
    """Intake and scheduling running as processes, each on its own database, with an HTTP client each."""

    intake: ServiceProcess
    scheduling: ServiceProcess
    ic: httpx.Client
    sc: httpx.Client


@contextmanager
def intake_and_scheduling(
    nats_url: str,
    database_url: str,
    tmp_path: Path,
    scheduling_env: dict[str, str] | None = None,
    intake_env: dict[str, str] | None = None,
) -> Iterator[TwoServices]:
    """Both services on ``nats_url`` (scheduling on a second database), stopped afterwards; the
    ``*_env`` settings are added to each one's environment (without their ``TSUNAGU_<SERVICE>_``)."""
    with second_database(database_url, tmp_path, "scheduling") as scheduling_db:
        intake = ServiceProcess("intake", nats_url, database_url, tmp_path, intake_env or {})
        scheduling = ServiceProcess("scheduling", nats_url, scheduling_db, tmp_path, scheduling_env or {})
        with running(intake, scheduling), intake.client() as ic, scheduling.client() as sc:
            yield TwoServices(intake, scheduling, ic, sc)


@dataclass
class ThreeServices:
    """Intake, scheduling and partners as processes, each on its own database, with a client each."""

    intake: ServiceProcess
    scheduling: ServiceProcess
    partners: ServiceProcess
    ic: httpx.Client
    sc: httpx.Client
    pc: httpx.Client

    def spans(self) -> list[dict[str, Any]]:
        return self.intake.spans() + self.scheduling.spans() + self.partners.spans()


@contextmanager
def intake_scheduling_and_partners(
    nats_url: str, database_url: str, tmp_path: Path
) -> Iterator[ThreeServices]:
    """The three services on ``nats_url`` (scheduling and partners on databases of their own)."""
    with (
        second_database(database_url, tmp_path, "scheduling") as scheduling_db,
        second_database(database_url, tmp_path, "partners") as partners_db,
    ):
        intake = ServiceProcess("intake", nats_url, database_url, tmp_path)
        scheduling = ServiceProcess("scheduling", nats_url, scheduling_db, tmp_path)
        partners = ServiceProcess("partners", nats_url, partners_db, tmp_path)
        with (
            running(intake, scheduling, partners),
            intake.client() as ic,
            scheduling.client() as sc,
            partners.client() as pc,
        ):
            yield ThreeServices(intake, scheduling, partners, ic, sc, pc)


def wait_until(
    predicate: Any, *, timeout: float = 30.0, interval: float = 0.2, message: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{message} not met within {timeout}s")
        time.sleep(interval)


@contextmanager
def second_database(database_url: str, tmp_path: Path, name: str) -> Iterator[str]:
    """Another service's own database beside ``database_url`` (a SQLite file or a PostgreSQL database)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / name}.db"
        return
    url = sa.make_url(database_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    new = f"{url.database}_{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{new}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{new}"'))
    try:
        yield url.set(database=new).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{new}" WITH (FORCE)'))
        admin.dispose()


PARTNERS_QUIET = {"directory_scan_interval": 3600.0, "agreement_scan_interval": 3600.0}
"""Partners' settings in cross-service tests: its directory and agreement scans out of the way (tests
that want them run them by hand)."""


@asynccontextmanager
async def scheduling_and_partners(
    scheduling_db: str, partners_db: str, data_dir: Path, clock: Any, nats_url: str
) -> AsyncIterator[tuple[Any, Any]]:
    """Scheduling and partners running in-process on one broker, each on its own database."""
    from tsunagu_partners import testing as partners_testing
    from tsunagu_scheduling import testing as scheduling_testing

    async with (
        scheduling_testing.running_service(
            scheduling_db, data_dir / "scheduling", clock, nats_url
        ) as scheduling,
        partners_testing.running_service(
            partners_db, data_dir / "partners", clock, nats_url, **PARTNERS_QUIET
        ) as partners,
    ):
        yield scheduling, partners


# -- the flows, through the services' HTTP APIs ------------------------------------------------


def open_case(intake: httpx.Client) -> str:
    body = {
        "channel": "phone",
        "consulter": "family",
        "person": {"nickname": "たろう", "age_band": "20_29", "residence_code": SHINJUKU},
        "topics": ["withdrawal"],
    }
    response = intake.post("/consultations", json=body, headers=COUNSELLOR)
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])


def escalate(intake: httpx.Client, case_id: str, urgency: str = "routine") -> str:
    body = {
        "reason_codes": ["long_term_withdrawal", "family_conflict"],
        "urgency": urgency,
        "brief": {"summary": "20代、5年間自宅から出ていない。家族関係の悪化。"},
    }
    response = intake.post(f"/cases/{case_id}/escalations", json=body, headers=COUNSELLOR)
    assert response.status_code == 201, response.text
    return str(response.json()["escalation_id"])


def request_home_visits(intake: httpx.Client, visits: int = 2) -> str:
    body = {
        "municipality_code": SHINJUKU,
        "person": {"nickname": "はなこ"},
        "residence_code": SHINJUKU,
        "age_years": 24,
        "visits_requested": visits,
        "consulter": "family",
    }
    response = intake.post("/home-visit-requests", json=body, headers=MUNICIPALITY)
    assert response.status_code == 201, response.text
    data = response.json()
    return str(data.get("request_id") or data.get("id"))


def review_of(scheduling: httpx.Client, escalation_id: str) -> dict[str, Any] | None:
    response = scheduling.get("/case-reviews", params={"escalation_id": escalation_id}, headers=EXPERT)
    assert response.status_code == 200, response.text
    found = response.json()
    return found[0] if found else None


ADVICE = {
    "advice": [
        {"discipline": "medicine", "advice_codes": ["medical_assessment"]},
        {"discipline": "psychology", "advice_codes": ["psychological_assessment", "family_support"]},
        {"discipline": "law", "advice_codes": ["monitor"]},
        {"discipline": "welfare", "advice_codes": ["welfare_benefits"]},
    ],
    "recommended_risk_level": "medium",
}


def conclude(scheduling: httpx.Client, review_id: str) -> dict[str, Any]:
    response = scheduling.post(f"/case-reviews/{review_id}/conclusion", json=ADVICE, headers=EXPERT)
    assert response.status_code == 200, response.text
    return dict(response.json())


def advice_on_timeline(intake: httpx.Client, case_id: str) -> list[dict[str, Any]]:
    response = intake.get(f"/cases/{case_id}/timeline", params={"purpose": "case_work"}, headers=COUNSELLOR)
    assert response.status_code == 200, response.text
    return [item for item in response.json() if item["kind"] == "advice"]


# -- reading the broker ------------------------------------------------------------------------


async def stream_events(nats_url: str, stream: str) -> list[dict[str, Any]]:
    """Every message of a stream as parsed JSON (the CloudEvents), in stream order."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        out = []
        if info.state.messages:
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg(stream, seq)
                out.append(json.loads(msg.data or b"{}"))
        return out
    finally:
        await nc.close()


async def consumers_settled(nats_url: str, stream: str, durables: list[str]) -> bool:
    """Whether every message was delivered to and acknowledged by each durable consumer."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for durable in durables:
            info = await js.consumer_info(stream, durable)
            if info.num_pending or info.num_ack_pending:
                return False
        return True
    finally:
        await nc.close()


async def read_stream(nats_url: str, stream: str, *, batch: int = 500, timeout: float = 60.0) -> list[Msg]:
    """Every message of a stream (data and headers), in stream order, through an ephemeral pull
    consumer that acknowledges nothing: quicker than one request per sequence on a long stream."""
    import nats
    from nats.errors import TimeoutError as NatsTimeout
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        last = (await js.stream_info(stream)).state.last_seq
        subscription = await js.pull_subscribe(
            ">",
            stream=stream,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL),
        )
        out: list[Msg] = []
        deadline = time.monotonic() + timeout
        while (not out or out[-1].metadata.sequence.stream < last) and last:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{stream}: read {len(out)} messages up to {last} within {timeout}s")
            try:
                out.extend(await subscription.fetch(batch, timeout=2.0))
            except NatsTimeout:
                continue
        await subscription.unsubscribe()
        return out
    finally:
        await nc.close()


async def consumer_backlogs(nats_url: str, streams: list[str]) -> dict[str, tuple[int, int]]:
    """``{"<stream>/<durable>": (num_pending, num_ack_pending)}`` of every durable consumer on ``streams``."""
    import nats

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        found: dict[str, tuple[int, int]] = {}
        for stream in streams:
            for info in await js.consumers_info(stream):
                if info.config.durable_name:
                    found[f"{stream}/{info.name}"] = (info.num_pending or 0, info.num_ack_pending or 0)
        return found
    finally:
        await nc.close()


async def stream_size(nats_url: str, stream: str) -> int:
    import nats

    nc = await nats.connect(nats_url)
    try:
        return int((await nc.jetstream().stream_info(stream)).state.messages)
    finally:
        await nc.close()


def outbox_of(database_url: str) -> OutboxStats:
    """Pending and quarantined rows of a service's outbox, read from its database."""
    engine = sa.create_engine(database_url, poolclass=NullPool)
    try:
        return outbox_stats(engine, datetime.now(UTC))
    finally:
        engine.dispose()


def query(database_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on a service's database (where the API lists only so many)."""
    engine = sa.create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()
