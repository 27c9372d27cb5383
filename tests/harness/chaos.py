"""Chaos for the reliability suite: a supervisor that restarts whatever died, a monkey that kills
services and restarts the broker, and a driver of cross-service commands over HTTP.

The driver owns what it writes: each client has its own cases and its own municipality, and sends
one command at a time. So when a response is lost (the connection reset by a kill), the client can
tell by reading back whether the command committed, without an idempotency key (the API has
none): a new escalation on its case, or a new request of its municipality, that it does not know
yet is the one it sent. Then it adopts it (``reconciled``) instead of sending it again; if there is
nothing new, it sends it again. A refused connection means nothing was sent: it just tries again.
Every command is thereby acknowledged exactly once, by a 2xx or by the read-back.

The read-back is conclusive because a lost response here means a killed process: it commits
nothing after it died. Only a response timing out (60 s) from a live process could commit after
the read-back; the command would then be sent again, and the second commit would show up in the
test as a duplicate (a commit nobody acknowledged), never pass unseen.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
from stack import COUNSELLOR, SHINJUKU, ServiceProcess, bearer, open_case
from tsunagu_servicekit.natsserver import NatsServerProcess

# Tokyo municipalities, one per client: its staff see only their own requests.
MUNICIPALITIES = (
    "131016",
    "131024",
    "131032",
    "131041",
    "131059",
    "131067",
    "131075",
    "131083",
    "131091",
    "131105",
    "131113",
    "131121",
    "131130",
    "131148",
    "131156",
    "131164",
    "131172",
    "131181",
    "131199",
    "131202",
    "131211",
    "131229",
    "131237",
    "132012",
)

BRIEF = {
    "reason_codes": ["long_term_withdrawal", "family_conflict"],
    "brief": {"summary": "20代、5年間自宅から出ていない。家族関係の悪化。"},
}


class Supervisor:
    """Restarts a service whose process is gone, at once and in the background.

    A service is *up* once its process got through start-up (:meth:`ServiceProcess.has_started`;
    readiness may still fail while it works through a backlog, or during a broker restart). A
    process killed by :meth:`kill` is restarted and counted as a kill. One that exits on its own
    before it was up is a *start-up exit* (the broker restarting under it, say); one that
    exits on its own after it was up is a *crash*. Both are restarted too, and counted apart.
    """

    def __init__(self, services: list[ServiceProcess], *, poll: float = 0.1) -> None:
        self.services = {s.name: s for s in services}
        self.poll = poll
        self.lock = threading.Lock()
        self.up: dict[str, bool] = dict.fromkeys(self.services, True)
        self.kills: Counter[str] = Counter()
        self.start_up_exits: list[tuple[str, int, str]] = []
        self.crashes: list[tuple[str, int, str]] = []
        self.restart_seconds: list[tuple[str, float]] = []
        """From each restart to the first answer of the restarted service."""
        self._spawned_at: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="supervisor", daemon=True)

    def __enter__(self) -> Supervisor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def kill(self, name: str) -> None:
        with self.lock:
            self.services[name].kill()
            self.kills[name] += 1
            self._respawn(name)

    def is_up(self, name: str) -> bool:
        return self.up[name]

    def last_restart(self, name: str, default: float = 5.0) -> float:
        """Seconds the latest restart of ``name`` took to come up."""
        return next((s for n, s in reversed(self.restart_seconds) if n == name), default)

    def all_up(self) -> bool:
        return all(self.up.values())

    def _respawn(self, name: str) -> None:
        self.up[name] = False
        self._spawned_at[name] = time.monotonic()
        self.services[name].spawn()

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            for name, service in self.services.items():
                with self.lock:
                    code = service.exit_code()
                    if code is not None:
                        last = _last_error_line(service.tail(60))
                        (self.crashes if self.up[name] else self.start_up_exits).append((name, code, last))
                        self._respawn(name)
                        continue
                if not self.up[name] and service.has_started():
                    self.restart_seconds.append((name, time.monotonic() - self._spawned_at[name]))
                    self.up[name] = True


def _last_error_line(tail: str) -> str:
    """The last line of a log tail that names an error, to say why a process exited."""
    for line in reversed(tail.splitlines()):
        if "Error" in line or "error" in line or "Exception" in line:
            return line.strip()[-200:]
    return tail.splitlines()[-1][-200:] if tail.strip() else ""


class Monkey:
    """Every ``interval`` seconds kills a random service among those up (so the platform is never
    kept down for good); after the kills drawn for it, restarts the broker too, at a random point
    of the killed service's start-up. ``kills`` kills in all. Its choices come from ``rng``; their
    timing depends on the machine, so the driver paces itself by :meth:`reached`: every run has
    all its kills and broker restarts while commands flow."""

    def __init__(
        self,
        supervisor: Supervisor,
        broker: NatsServerProcess,
        rng: random.Random,
        *,
        interval: tuple[float, float] = (2.0, 6.0),
        kills: int = 12,
        broker_restarts: int = 4,
    ) -> None:
        self.supervisor = supervisor
        self.broker = broker
        self.rng = rng
        self.interval = interval
        self.planned_kills = kills
        self.planned_broker_restarts = broker_restarts
        self.broker_after = set(rng.sample(range(1, 2 * broker_restarts + 1), broker_restarts))
        self.broker_restarts = 0
        self.kills = 0
        self._broker_lock = threading.Lock()
        self._timers: list[threading.Timer] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="monkey", daemon=True)

    def __enter__(self) -> Monkey:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        for timer in self._timers:
            timer.cancel()
            timer.join(timeout=60)

    def reached(self, fraction: float) -> bool:
        """Whether that fraction of the minimum chaos has happened (kills and broker restarts)."""
        return (
            self.kills >= int(fraction * self.planned_kills)
            and self.broker_restarts >= int(fraction * self.planned_broker_restarts)
        ) or not self._thread.is_alive()

    def _run(self) -> None:
        names = sorted(self.supervisor.services)
        while self.kills < self.planned_kills and not self._stop.wait(self.rng.uniform(*self.interval)):
            victims = [n for n in names if self.supervisor.is_up(n)]
            if not victims:
                continue
            victim = self.rng.choice(victims)
            self.supervisor.kill(victim)
            self.kills += 1
            if self.kills in self.broker_after:
                # At a random point of the victim's start-up, so that some restarts meet a
                # service connecting, creating its streams or its consumers.
                delay = self.rng.uniform(0.6, 1.0) * self.supervisor.last_restart(victim)
                timer = threading.Timer(delay, self._restart_broker)
                timer.daemon = True
                self._timers.append(timer)
                timer.start()

    def _restart_broker(self) -> None:
        with self._broker_lock:  # two timers may come due together
            self.broker.restart()
            self.broker_restarts += 1


@dataclass
class Tally:
    """What the driver saw; updated by every client under one lock."""

    commands: int = 0
    posts: int = 0
    acknowledged: int = 0
    reconciled: int = 0
    refused_connections: int = 0
    lost_responses: int = 0
    server_errors: int = 0
    rejected: list[str] = field(default_factory=list)
    """4xx answers (a command the driver built wrong, or a defect): never expected."""
    duplicated_commits: int = 0
    """Read-backs that found more than one new commit of one command: never expected."""
    abandoned: int = 0
    escalations: dict[str, str] = field(default_factory=dict)
    """Acknowledged escalation id -> case id."""
    requests: dict[str, int] = field(default_factory=dict)
    """Acknowledged home-visit request id -> visits requested."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


class NotSent(Exception):
    """The service did not answer; ask again."""


@dataclass
class Command:
    kind: str  # "escalation" | "home_visit"
    case_id: str = ""
    urgency: str = "urgent"
    visits: int = 1


class Client:
    """One driver client: its cases, its municipality, one command at a time (see the module doc)."""

    def __init__(
        self,
        intake_url: str,
        municipality: str,
        tally: Tally,
        deadline: float,
        pace: Callable[[float], bool] = lambda fraction: True,
    ) -> None:
        self.pace = pace
        """Whether the client may go on once it is that far through its commands (the chaos's pace)."""
        self.http = httpx.Client(base_url=intake_url, timeout=httpx.Timeout(60.0, connect=5.0))
        self.municipality = municipality
        self.staff = bearer("municipality_staff", subject=f"chaos-{municipality}", municipality=municipality)
        self.tally = tally
        self.deadline = deadline
        self.cases: list[str] = []
        self.known: dict[str, set[str]] = {}
        """Acknowledged ids per case (escalations) and per municipality (requests)."""

    def close(self) -> None:
        self.http.close()

    def open_cases(self, count: int) -> None:
        for _ in range(count):
            case_id = open_case(self.http)
            self.cases.append(case_id)
            self.known[case_id] = set()
        self.known[self.municipality] = set()

    def run(self, commands: list[Command]) -> None:
        for n, command in enumerate(commands):
            while not self.pace(n / len(commands)) and time.monotonic() < self.deadline:
                time.sleep(0.2)
            self.tally.add(commands=1)
            if not self._send(command):
                self.tally.add(abandoned=1)

    def _send(self, command: Command) -> bool:
        """Send until acknowledged (2xx or read back); False when the deadline passed first."""
        pause = 0.1
        while time.monotonic() < self.deadline:
            self.tally.add(posts=1)
            try:
                response = self._post(command)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
                self.tally.add(refused_connections=1)  # never reached the service: nothing to settle
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
                continue
            except httpx.TransportError:
                self.tally.add(lost_responses=1)
                if self._adopt(command):
                    return True
                continue
            if response.status_code == 201:
                self._acknowledge(command, self._id_of(command, response.json()))
                return True
            if response.status_code >= 500:
                self.tally.add(server_errors=1)
                if self._adopt(command):
                    return True
                time.sleep(pause)
                continue
            with self.tally.lock:
                self.tally.rejected.append(f"{command.kind} {response.status_code} {response.text[:200]}")
            return True
        return False

    def _post(self, command: Command) -> httpx.Response:
        if command.kind == "escalation":
            return self.http.post(
                f"/cases/{command.case_id}/escalations",
                json={**BRIEF, "urgency": command.urgency},
                headers=COUNSELLOR,
            )
        return self.http.post(
            "/home-visit-requests",
            json={
                "municipality_code": self.municipality,
                "person": {"nickname": "はなこ"},
                "residence_code": SHINJUKU,
                "age_years": 24,
                "visits_requested": command.visits,
                "consulter": "family",
            },
            headers=self.staff,
        )

    @staticmethod
    def _id_of(command: Command, body: dict[str, Any]) -> str:
        return str(body["escalation_id"] if command.kind == "escalation" else body["request_id"])

    def _owner(self, command: Command) -> str:
        return command.case_id if command.kind == "escalation" else self.municipality

    def _acknowledge(self, command: Command, resource_id: str, *, reconciled: bool = False) -> None:
        self.known[self._owner(command)].add(resource_id)
        with self.tally.lock:
            self.tally.acknowledged += 1
            self.tally.reconciled += int(reconciled)
            if command.kind == "escalation":
                self.tally.escalations[resource_id] = command.case_id
            else:
                self.tally.requests[resource_id] = command.visits

    def _adopt(self, command: Command) -> bool:
        """After a lost response: whether the command committed (then it is acknowledged)."""
        committed = self._read_back(command) - self.known[self._owner(command)]
        if not committed:
            return False
        if len(committed) > 1:
            self.tally.add(duplicated_commits=len(committed) - 1)
            self.known[self._owner(command)] |= committed
        self._acknowledge(command, sorted(committed)[0], reconciled=True)
        return True

    def _read_back(self, command: Command) -> set[str]:
        """The ids committed for the command's owner, asking until the service answers."""
        read: Callable[[], httpx.Response]
        if command.kind == "escalation":

            def read() -> httpx.Response:
                return self.http.get(
                    f"/cases/{command.case_id}/timeline", params={"purpose": "case_work"}, headers=COUNSELLOR
                )

            def ids(body: Any) -> set[str]:
                return {e["codes"]["escalation_id"] for e in body if e["kind"] == "escalated"}
        else:

            def read() -> httpx.Response:
                params = {"municipality_code": self.municipality}
                return self.http.get("/home-visit-requests", params=params, headers=self.staff)

            def ids(body: Any) -> set[str]:
                return {r["request_id"] for r in body}

        pause = 0.2
        while time.monotonic() < self.deadline:
            try:
                response = read()
            except httpx.TransportError:
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
                continue
            if response.status_code == 200:
                return ids(response.json())
            time.sleep(pause)
        raise TimeoutError("could not read back what was committed before the deadline")


def plan(rng: random.Random, clients: int, cases_per_client: int, total: int) -> list[list[Command]]:
    """``total`` commands dealt round-robin to the clients: about 3 escalations (urgent or immediate:
    regular meetings fill up, extra consultations do not) to 2 home-visit requests of 1-2 visits."""
    dealt: list[list[Command]] = [[] for _ in range(clients)]
    for n in range(total):
        if rng.random() < 0.6:
            command = Command(
                "escalation",
                case_id=str(rng.randrange(cases_per_client)),  # an index into the client's own cases
                urgency=rng.choice(["urgent", "immediate"]),
            )
        else:
            command = Command("home_visit", visits=rng.choice([1, 2]))
        dealt[n % clients].append(command)
    return dealt


def drive(clients: list[Client], work: list[list[Command]]) -> None:
    """Every client works through its commands concurrently; the case index becomes its case id."""
    for client, commands in zip(clients, work, strict=True):
        for command in commands:
            if command.kind == "escalation":
                command.case_id = client.cases[int(command.case_id)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        for future in [pool.submit(c.run, w) for c, w in zip(clients, work, strict=True)]:
            future.result()
