"""``tsunagu up`` as a real process: broker, streams, services, output, signals, no orphans.

Services are stand-ins installed for the test only: a ``*.dist-info`` with ``tsunagu.services``
entry points on ``PYTHONPATH`` makes ``importlib.metadata`` (and so ``up``) find them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import nats
import pytest
from nats.js.errors import NotFoundError
from tsunagu_cli.services import discover_services
from tsunagu_servicekit.natsserver import free_port
from tsunagu_servicekit.testing.waiting import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and /proc")]

DEADLINE = 30.0


# -- processes -----------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """State letter and parent pid of a process, from /proc (None when it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = raw[raw.rindex(")") + 2 :].split()
    return rest[0], int(rest[1])


def alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def descendants(root: int) -> set[int]:
    """Every live process below ``root`` (children, grandchildren, …)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and st[0] not in ("Z", "X"):
                parents[int(entry)] = st[1]
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Up:
    """``python -m tsunagu_cli.main up …`` with its output collected line by line."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1", **(env or {})}
        full_env.pop("TSUNAGU_NATS_URL", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tsunagu_cli.main", "up", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=full_env,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def wait_line(self, pattern: str, timeout: float = DEADLINE) -> re.Match[str]:
        regex = re.compile(pattern)

        def found() -> re.Match[str] | None:
            for line in list(self.lines):
                if m := regex.search(line):
                    return m
            if self.proc.poll() is not None:
                raise AssertionError(f"up exited ({self.proc.returncode}) before {pattern!r}:\n{self.output}")
            return None

        return await wait_for(found, timeout=timeout, message=f"output line {pattern!r}")

    def stop(self, sig: int = signal.SIGINT, timeout: float = DEADLINE) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=timeout)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def run_up() -> Iterator[Callable[..., Up]]:
    started: list[Up] = []

    def start(*args: str, env: dict[str, str] | None = None) -> Up:
        up = Up(*args, env=env)
        started.append(up)
        return up

    yield start
    for up in started:  # a failed test must not leave a stack running
        for pid in descendants(up.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        up.kill()


async def broker_healthy(url: str) -> bool:
    """The broker answers and the streams exist."""
    try:
        nc = await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=1, connect_timeout=1)
    except Exception:
        return False
    try:
        await nc.jetstream().stream_info("TSUNAGU_INTAKE")
        return True
    except (NotFoundError, Exception):
        return False
    finally:
        await nc.close()


async def intake_messages(url: str) -> int:
    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info("TSUNAGU_INTAKE")).state.messages
    finally:
        await nc.close()


async def publish_one(url: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().publish(
            "tsunagu.intake.clitest.kept.v1", b"{}", headers={"Nats-Msg-Id": "kept-1"}
        )
    finally:
        await nc.close()


def assert_all_gone(pids: set[int]) -> None:
    left = {pid: cmdline(pid) for pid in pids if alive(pid)}
    assert not left, f"processes left behind: {left}"


# -- the broker alone -----------------------------------------------------------------------------


async def test_up_without_services_runs_the_broker_stops_cleanly_and_keeps_its_data(
    run_up: Callable[..., Up], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    if discover_services():  # real services installed here: this test is about the broker alone
        pytest.skip("services are installed in this environment")

    up = run_up("--data-dir", str(data), "--nats-port", str(port))
    await wait_for(lambda: broker_healthy(url), timeout=DEADLINE, message="broker healthy with streams")
    await up.wait_line(r"Ctrl-C stops everything")
    assert "No service is installed" in up.output
    assert f"Broker   {url}" in up.output
    assert re.search(r"Monitor  http://127\.0\.0\.1:\d+", up.output)
    assert f"Data     {data.resolve()}" in up.output
    assert "(6 created" in up.output
    assert (data / "jwt-secret").is_file()
    assert (data / "nats").is_dir()
    assert (data / "logs" / "nats.log").is_file()

    children = descendants(up.proc.pid)
    servers = {pid for pid in children if "nats-server" in cmdline(pid)}
    assert len(servers) == 1, {pid: cmdline(pid) for pid in children}
    await publish_one(url)

    # One `up` per data directory: a second one refuses instead of sharing the broker store.
    second = subprocess.run(
        [
            sys.executable,
            "-m",
            "tsunagu_cli.main",
            "up",
            "--data-dir",
            str(data),
            "--nats-port",
            str(free_port()),
        ],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert second.returncode == 1
    assert "another `tsunagu up`" in second.stderr
    assert f"pid {up.proc.pid}" in second.stderr

    started = time.monotonic()
    assert up.stop(signal.SIGINT) == 0, up.output
    assert time.monotonic() - started < DEADLINE
    assert_all_gone(children)
    assert "Stopped." in up.output
    assert "Traceback" not in up.output

    # A second run continues on the same data; SIGTERM stops it as cleanly as Ctrl-C.
    again = run_up("--data-dir", str(data), "--nats-port", str(port))
    await wait_for(lambda: broker_healthy(url), timeout=DEADLINE, message="broker healthy again")
    await again.wait_line(r"Ctrl-C stops everything")
    assert "all present already" in again.output
    assert await intake_messages(url) == 1
    children = descendants(again.proc.pid)
    assert again.stop(signal.SIGTERM) == 0, again.output
    assert_all_gone(children)


async def test_a_taken_port_is_replaced_by_a_free_one(run_up: Callable[..., Up], tmp_path: Path) -> None:
    if discover_services():
        pytest.skip("services are installed in this environment")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        up = run_up("--data-dir", str(tmp_path / "d"), "--nats-port", str(taken))
        match = await up.wait_line(r"Port (\d+) is taken; the broker listens on (\d+) instead")
        assert int(match.group(1)) == taken
        url = f"nats://127.0.0.1:{match.group(2)}"
        await wait_for(
            lambda: broker_healthy(url), timeout=DEADLINE, message="broker on the replacement port"
        )
        await up.wait_line(r"Ctrl-C stops everything")
        assert f"export TSUNAGU_NATS_URL={url}" in up.output
        children = descendants(up.proc.pid)
        assert up.stop() == 0
        assert_all_gone(children)


# -- with services ------------------------------------------------------------------------------

FAKE_COMMON = textwrap.dedent(
    '''
    """A stand-in service: the settings `up` gives it, /readyz and /livez, output, SIGTERM."""
    import hashlib, os, signal, subprocess, sys, threading, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    def main(name):
        p = f"TSUNAGU_{name.upper()}_"
        mode = os.environ.get(f"FAKE_{name.upper()}_MODE", "ok")
        secret = os.environ.get(p + "JWT_SECRET", "")
        print(
            f"{name} config nats={os.environ[p + 'NATS_URL']} data_dir={os.environ[p + 'DATA_DIR']} "
            f"manage_streams={os.environ[p + 'MANAGE_STREAMS']} log_format={os.environ[p + 'LOG_FORMAT']} "
            f"secret_sha={hashlib.sha256(secret.encode()).hexdigest()[:16]}",
            flush=True,
        )
        if mode == "fail-start":
            print(f"{name} boom", file=sys.stderr, flush=True)
            sys.exit(3)
        served = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/readyz":
                    code = 503 if mode == "never-ready" else 200
                    served.set()
                elif self.path == "/livez":
                    code = 200
                else:
                    code = 404
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer((os.environ[p + "HTTP_HOST"], int(os.environ[p + "HTTP_PORT"])), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        if mode == "ok":
            # A child that ignores SIGTERM: `up` must still leave nothing behind.
            subprocess.Popen([sys.executable, "-c",
                "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"])
        for i in range(200):
            sys.stdout.write(f"{name}-line-{i:03d}-" + name[0] * 300 + "\\n")
        sys.stdout.flush()
        if mode == "crash":
            served.wait()
            time.sleep(1.5)
            print(f"{name} crashing", flush=True)
            os._exit(7)
        stop.wait()
        server.shutdown()
        print(f"{name} stopped cleanly", flush=True)
    '''
)


@pytest.fixture
def fake_services(tmp_path: Path) -> dict[str, str]:
    """Install stand-in services ``alpha`` and ``beta`` for subprocesses; returns the environment to use."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "fake_common.py").write_text(FAKE_COMMON)
    for name in ("alpha", "beta"):
        (site / f"fake_{name}.py").write_text(f"from fake_common import main\nmain({name!r})\n")
    info = site / "tsunagu_fake_services-0.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: tsunagu-fake-services\nVersion: 0.0.0\n")
    (info / "entry_points.txt").write_text("[tsunagu.services]\nalpha = fake_alpha\nbeta = fake_beta\n")
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path}


def _ports() -> tuple[int, int]:
    """A free broker port and a base port with two free ports after it."""
    while True:
        base = free_port()
        if base + 1 < 65536:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", base + 1))
                except OSError:
                    continue
            return free_port(), base


async def test_up_runs_services_streams_their_output_survives_a_crash_and_stops_everything(
    run_up: Callable[..., Up], fake_services: dict[str, str], tmp_path: Path
) -> None:
    data = tmp_path / "data"
    nats_port, base = _ports()
    up = run_up(
        "--data-dir",
        str(data),
        "--nats-port",
        str(nats_port),
        "--base-port",
        str(base),
        "--only",
        "alpha,beta",
        env={**fake_services, "FAKE_BETA_MODE": "crash"},
    )
    await up.wait_line(r"Ctrl-C stops everything")
    out = up.output
    for name, port in (("alpha", base), ("beta", base + 1)):
        assert re.search(
            rf"{name} .*http://127\.0\.0\.1:{port} .*http://127\.0\.0\.1:{port}/docs .*ready", out
        ), out
        assert f"{name} is ready" in out

    # Each service got its settings from `up`: broker, own data dir, streams off, the one local secret.
    secret = (data / "jwt-secret").read_text().strip()
    sha = hashlib.sha256(secret.encode()).hexdigest()[:16]
    for name in ("alpha", "beta"):
        assert (
            f"{name:<5} | {name} config nats=nats://127.0.0.1:{nats_port} data_dir={data.resolve() / name} "
            f"manage_streams=false log_format=console secret_sha={sha}"
        ) in out

    # Output of both services, written at the same time: every line whole, none lost.
    await up.wait_line(r"beta  \| beta-line-199-")
    await up.wait_line(r"alpha \| alpha-line-199-")
    for name in ("alpha", "beta"):
        pattern = re.compile(rf"^{name}  ?\| {name}-line-(\d{{3}})-{name[0]}{{300}}$")
        numbers = [int(m.group(1)) for line in up.lines if (m := pattern.match(line))]
        assert numbers == list(range(200)), name
        assert (data / "logs" / f"{name}.log").read_text().count(f"{name}-line-") == 200

    # beta dies: said so, alpha keeps serving.
    await up.wait_line(r"beta exited with code 7; alpha keeps running")
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"http://127.0.0.1:{base}/readyz")).status_code == 200

    processes = descendants(up.proc.pid)
    names = " ".join(cmdline(pid) for pid in processes)
    assert "fake_alpha" in names
    assert "nats-server" in names
    assert "signal.SIG_IGN" in names  # alpha's stubborn child

    assert up.stop(signal.SIGINT) == 0, up.output
    assert "alpha | alpha stopped cleanly" in up.output  # SIGTERM reached it, it shut down by itself
    assert_all_gone(processes)
    assert "Traceback" not in up.output


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("fail-start", r"beta exited with code 3 before it was ready"),
        ("never-ready", r"not ready within 3s: beta"),
    ],
)
async def test_a_service_that_does_not_come_up_fails_clearly(
    run_up: Callable[..., Up], fake_services: dict[str, str], tmp_path: Path, mode: str, expected: str
) -> None:
    nats_port, base = _ports()
    up = run_up(
        "--data-dir",
        str(tmp_path / "data"),
        "--nats-port",
        str(nats_port),
        "--base-port",
        str(base),
        "--only",
        "alpha",
        "--only",
        "beta",
        "--ready-timeout",
        "3",
        env={**fake_services, "FAKE_BETA_MODE": mode},
    )
    await up.wait_line(r"Started beta")
    processes = descendants(up.proc.pid)
    code = await asyncio.to_thread(up.proc.wait, DEADLINE)
    up._reader.join(5)
    assert code == 1, up.output
    assert re.search(expected, up.output), up.output
    if mode == "fail-start":
        assert "beta  | beta boom" in up.output
    assert "Stopped." in up.output
    assert_all_gone(processes | descendants(up.proc.pid))


async def test_leftovers_of_a_killed_up_are_reported_not_shared(
    run_up: Callable[..., Up], tmp_path: Path
) -> None:
    if discover_services():
        pytest.skip("services are installed in this environment")
    data = tmp_path / "data"
    port = free_port()
    url = f"nats://127.0.0.1:{port}"
    up = run_up("--data-dir", str(data), "--nats-port", str(port))
    await up.wait_line(r"Ctrl-C stops everything")
    orphans = descendants(up.proc.pid)
    try:
        up.proc.kill()  # as a crash would: no chance to stop the broker
        up.proc.wait()
        assert any(alive(pid) for pid in orphans)
        refused = subprocess.run(
            [
                sys.executable,
                "-m",
                "tsunagu_cli.main",
                "up",
                "--data-dir",
                str(data),
                "--nats-port",
                str(free_port()),
            ],
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )
        assert refused.returncode == 1
        assert "was killed and left nats-server (pid" in refused.stderr
    finally:
        for pid in orphans:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    await wait_for(lambda: not any(alive(pid) for pid in orphans), timeout=DEADLINE, message="orphans gone")

    again = run_up("--data-dir", str(data), "--nats-port", str(port))
    await wait_for(lambda: broker_healthy(url), timeout=DEADLINE, message="broker healthy after the cleanup")
    await again.wait_line(r"Ctrl-C stops everything")
    children = descendants(again.proc.pid)
    assert again.stop() == 0
    assert_all_gone(children)


def test_one_press_delivered_twice_is_one_press_and_a_second_press_forces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console
    from tsunagu_cli import up as up_module

    now = [100.0]
    monkeypatch.setattr(up_module.time, "monotonic", lambda: now[0])
    stack = up_module.LocalStack(up_module.UpConfig(data_dir=tmp_path), Console(), threading.Event())
    stack.request_stop()
    now[0] += 0.01  # the same Ctrl-C, passed on again by a wrapper
    stack.request_stop()
    assert stack.stop_event.is_set()
    assert not stack.force_event.is_set()
    now[0] += 1.0  # a second press
    stack.request_stop()
    assert stack.force_event.is_set()
