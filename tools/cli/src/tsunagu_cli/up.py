"""``tsunagu up``: the whole platform on one machine — a real nats-server, the streams, every service.

What happens, in order:

1. The data directory is locked (one ``up`` per directory: two brokers must never share a store).
2. The broker starts (JetStream store ``<data>/nats``, log ``<data>/logs/nats.log``) and the
   streams are created or updated from the contracts. A second ``up`` continues on the same data.
3. The local JWT secret is created once (``<data>/jwt-secret``).
4. Every installed service (entry points ``tsunagu.services``) starts as ``python -m <module>`` in
   its own process group, configured through ``TSUNAGU_<NAME>_*`` variables, and ``up`` polls its
   ``/readyz`` until it answers 200 (deadline; a service that exits or stays unready is named).
5. Their output is shown line by line behind each service's coloured name (one printer thread:
   lines never interleave) and kept in ``<data>/logs/<name>.log``.
6. Ctrl-C or SIGTERM stops everything: SIGTERM to each service's process group, a deadline, SIGKILL
   for stragglers, then the broker. A service that dies meanwhile is reported; the rest keep running.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from tsunagu_servicekit.natsserver import NatsServerError, NatsServerNotFound, NatsServerProcess, free_port

from .common import DEFAULT_NATS_PORT, NATS_URL_ENV, CliError, default_nats_url
from .services import ServiceEntry, discover_services, service_environment

COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta")
LOCK_FILE = "up.lock"
PIDS_FILE = "up.pids"
"""Processes of the running ``up``; left behind only when ``up`` itself was killed (SIGKILL, power loss)."""
CLOCK_FILE = "clock"
"""The simulated instant every service reads under ``up --simulated-clock`` (``tsunagu demo`` writes it)."""
SAME_PRESS_SECONDS = 0.5
"""Stop requests this close together are one Ctrl-C (see :meth:`LocalStack.request_stop`)."""


@dataclass(frozen=True, slots=True)
class UpConfig:
    data_dir: Path
    nats_port: int = DEFAULT_NATS_PORT
    base_port: int = 8100
    only: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    ready_timeout: float = 60.0
    """Seconds a service has to answer ``/readyz`` with 200."""
    stop_timeout: float = 10.0
    """Seconds services have to exit after SIGTERM before they are killed."""
    broker_timeout: float = 20.0
    simulated_clock: bool = False
    """Every service reads its time from ``<data>/clock`` (written by ``tsunagu demo``)."""


# -- output ----------------------------------------------------------------------------------------


class Printer:
    """Everything ``up`` prints goes through one thread, so lines of different services never mix."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self._queue: queue.Queue[tuple[RenderableType, bool] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="tsunagu-up-printer", daemon=True)
        self._thread.start()

    def print(self, renderable: RenderableType, *, soft_wrap: bool = False) -> None:
        self._queue.put((renderable, soft_wrap))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            renderable, soft_wrap = item
            with contextlib.suppress(Exception):  # a closed terminal must not take the stack down
                self.console.print(renderable, soft_wrap=soft_wrap)

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)


# -- one service -------------------------------------------------------------------------------


class ServiceProcess:
    """One service run as ``python -m <module>`` in its own process group, its output pumped by a thread."""

    def __init__(self, entry: ServiceEntry, *, host: str, port: int, colour: str, label_width: int) -> None:
        self.entry = entry
        self.host = host
        self.port = port
        self.colour = colour
        self.label = entry.name.ljust(label_width)
        self.proc: subprocess.Popen[bytes] | None = None
        self.ready = False
        self.exit_reported = False
        self._reader: threading.Thread | None = None

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, env: dict[str, str], printer: Printer, log_path: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.entry.module],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: terminal Ctrl-C reaches `up` only
            close_fds=True,
        )
        self._reader = threading.Thread(
            target=self._pump, args=(printer, log_path), name=f"tsunagu-up-{self.name}", daemon=True
        )
        self._reader.start()

    def _pump(self, printer: Printer, log_path: Path) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        with open(log_path, "ab") as log:
            for raw in iter(self.proc.stdout.readline, b""):
                log.write(raw)
                log.flush()
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                text = Text(f"{self.label} | ", style=f"bold {self.colour}")
                text.append(line)
                printer.print(text, soft_wrap=True)
        self.proc.stdout.close()

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc else None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal_group(self, sig: int) -> bool:
        """Signal the whole process group (the service and anything it started); False if it is gone."""
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def join_output(self, timeout: float = 5.0) -> None:
        if self._reader is not None:
            self._reader.join(timeout)


# -- helpers ---------------------------------------------------------------------------------------


def port_free(host: str, port: int) -> bool:
    """Whether something could listen on ``host:port`` now (another listener makes the bind fail)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``<data>/up.lock`` for the lifetime of ``up``: a second ``up`` on the same data refuses."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_FILE
    fh = open(path, "a+")  # noqa: SIM115 - held open for the lock's lifetime
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise CliError(
                f"another `tsunagu up` (pid {holder}) is running on {data_dir}; stop it first "
                "or use another --data-dir"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        with contextlib.suppress(OSError):
            fh.seek(0)
            fh.truncate()
        fh.close()


def _process_matches(pid: int, marker: str) -> bool:
    """Whether ``pid`` is alive and (where /proc tells) its command line mentions ``marker``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path(f"/proc/{pid}")
    if not Path("/proc/self").exists():
        return True
    try:
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        return marker in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (OSError, IndexError):
        return False


async def _apply_streams(url: str) -> list[Any]:
    from .common import connect
    from .streams import apply_streams

    async with connect(url, connect_timeout=5.0) as (_nc, js):
        return await apply_streams(js)


def _ready(client: httpx.Client, service: ServiceProcess) -> bool:
    try:
        return client.get(f"{service.url}/readyz").status_code == 200
    except httpx.HTTPError:
        return False


# -- the stack -------------------------------------------------------------------------------------


class LocalStack:
    """The broker and the services of one ``tsunagu up`` (see the module documentation)."""

    def __init__(self, config: UpConfig, console: Console, stop: threading.Event) -> None:
        self.config = config
        self.data_dir = config.data_dir.resolve()
        self.stop_event = stop
        self.force_event = threading.Event()
        self._stop_requested_at = 0.0
        self.printer = Printer(console)
        self.broker: NatsServerProcess | None = None
        self.services: list[ServiceProcess] = []
        self._pids_written = False

    def _log_path(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{name}.log"

    def say(self, message: str) -> None:
        self.printer.print(message)

    # lifecycle -----------------------------------------------------------------------------------

    def run(self) -> int:
        """Start everything, serve until stopped, stop everything. Returns the exit code."""
        try:
            with data_dir_lock(self.data_dir):
                try:
                    return self._run_locked()
                finally:
                    self.shutdown()
        finally:
            self.printer.close()

    def _pids_path(self) -> Path:
        return self.data_dir / PIDS_FILE

    def _check_leftovers(self) -> None:
        """Refuse to start beside processes an earlier, killed ``up`` left running on this data."""
        path = self._pids_path()
        try:
            recorded = json.loads(path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            return
        try:
            candidates = [("nats-server", recorded.get("broker"), str(self.data_dir / "nats"))]
            candidates += [
                (name, pid, module) for name, (pid, module) in recorded.get("services", {}).items()
            ]
        except (AttributeError, TypeError, ValueError):  # not written by us: nothing to go by
            path.unlink(missing_ok=True)
            return
        alive = [
            (label, pid)
            for label, pid, marker in candidates
            if isinstance(pid, int) and _process_matches(pid, marker)
        ]
        if alive:
            listed = ", ".join(f"{label} (pid {pid})" for label, pid in alive)
            raise CliError(
                f"an earlier `tsunagu up` on {self.data_dir} was killed and left {listed} running; "
                f"stop them (kill {' '.join(str(pid) for _, pid in alive)}) and start again"
            )
        path.unlink(missing_ok=True)

    def _record_pids(self) -> None:
        recorded = {
            "broker": self.broker.pid if self.broker else None,
            "services": {s.name: [s.pid, s.entry.module] for s in self.services if s.pid},
        }
        self._pids_path().write_text(json.dumps(recorded))
        self._pids_written = True

    def _run_locked(self) -> int:
        self._check_leftovers()
        entries = discover_services(self.config.only)
        self._check_service_ports(entries)
        self.start_broker()
        self._record_pids()
        if self.stop_event.is_set():
            return 0
        assert self.broker is not None
        applied = asyncio.run(_apply_streams(self.broker.url))
        created = [a.name for a in applied if a.action == "created"]
        self.say(
            f"Streams: {len(applied)} applied"
            + (f" ({len(created)} created: {', '.join(created)})" if created else " (all present already)")
        )
        from .token import local_secret

        secret = local_secret(self.data_dir)  # created now, so `tsunagu token` works with or without services
        if self.stop_event.is_set():
            return 0
        if not entries:
            self.say(
                "[yellow]No service is installed[/] (entry point group tsunagu.services): "
                "running the broker alone."
            )
        else:
            self.start_services(entries, secret)
            if not self.wait_ready():
                return 0 if self.stop_event.is_set() else 1
        self.print_summary()
        return self.supervise()

    def _check_service_ports(self, entries: list[ServiceEntry]) -> None:
        for e in entries:
            port = self.config.base_port + e.index
            if not 0 < port < 65536:
                raise CliError(f"--base-port {self.config.base_port} gives {e.name} the invalid port {port}")
            if not port_free(self.config.host, port):
                raise CliError(
                    f"port {port} (for {e.name}) is in use: "
                    "stop what listens there or choose another --base-port"
                )

    def start_broker(self) -> None:
        host = self.config.host
        port = self.config.nats_port
        if not port_free(host, port):
            chosen = free_port(host)
            self.say(f"[yellow]Port {port} is taken[/]; the broker listens on {chosen} instead.")
            port = chosen
        monitor = port + 4000 if port + 4000 < 65536 and port_free(host, port + 4000) else free_port(host)
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.broker = NatsServerProcess(
            store_dir=self.data_dir / "nats",
            port=port,
            host=host,
            monitor_port=monitor,
            log_file=logs / "nats.log",
        )
        self.say(f"Starting nats-server on {self.broker.url} …")
        try:
            self.broker.start(timeout=self.config.broker_timeout)
        except NatsServerNotFound as exc:
            raise CliError(str(exc)) from None
        except NatsServerError:
            raise CliError(f"nats-server did not start on port {port}; see {logs / 'nats.log'}") from None

    def start_services(self, entries: list[ServiceEntry], secret: str | None) -> None:
        assert self.broker is not None
        width = max(len(e.name) for e in entries)
        for e in entries:
            port = self.config.base_port + e.index
            service = ServiceProcess(
                e, host=self.config.host, port=port, colour=COLOURS[e.index % len(COLOURS)], label_width=width
            )
            env = service_environment(
                e,
                nats_url=self.broker.url,
                data_dir=self.data_dir,
                http_host=self.config.host,
                http_port=port,
                jwt_secret=secret,
            )
            if self.config.simulated_clock:
                env[f"{e.env_prefix}SIMULATED_CLOCK_FILE"] = str(self.data_dir / CLOCK_FILE)
            (self.data_dir / e.name).mkdir(parents=True, exist_ok=True)
            service.start(env, self.printer, self.data_dir / "logs" / f"{e.name}.log")
            self.services.append(service)
            self._record_pids()
            self.say(f"Started {e.name} (pid {service.pid}, python -m {e.module}) on port {port}")

    def wait_ready(self) -> bool:
        """Poll every service's ``/readyz`` until all answer 200; False if one fails or we are stopped."""
        self.say(
            f"Waiting for {len(self.services)} service(s) to be ready "
            f"(up to {self.config.ready_timeout:.0f}s) …"
        )
        deadline = time.monotonic() + self.config.ready_timeout
        with httpx.Client(timeout=1.0) as client:
            while True:
                for s in self.services:
                    if s.ready:
                        continue
                    code = s.poll()
                    if code is not None:
                        s.exit_reported = True
                        self.say(
                            f"[bold red]{s.name} exited with code {code} before it was ready[/]; "
                            f"its output is above and in {escape(str(self._log_path(s.name)))}"
                        )
                        return False
                    if _ready(client, s):
                        s.ready = True
                        self.say(f"[green]{s.name} is ready[/]")
                if all(s.ready for s in self.services):
                    return True
                if time.monotonic() >= deadline:
                    late = ", ".join(s.name for s in self.services if not s.ready)
                    self.say(
                        f"[bold red]not ready within {self.config.ready_timeout:.0f}s: {late}[/] "
                        f"(GET /readyz did not answer 200)"
                    )
                    return False
                if self.stop_event.wait(0.2):
                    return False

    def print_summary(self) -> None:
        assert self.broker is not None
        if self.services:
            table = Table(title="Tsunagu is running")
            table.add_column("service", style="bold")
            table.add_column("pid", justify="right")
            table.add_column("URL")
            table.add_column("API docs")
            table.add_column("status")
            for s in self.services:
                status = "[green]ready[/]" if s.running else f"[red]exited ({s.poll()})[/]"
                table.add_row(
                    Text(s.name, style=f"bold {s.colour}"), str(s.pid), s.url, f"{s.url}/docs", status
                )
            self.printer.print(table)
        self.say(f"Broker   {self.broker.url}  (pid {self.broker.pid})")
        self.say(f"Monitor  {self.broker.monitor_url}")
        self.say(
            f"Data     {escape(str(self.data_dir))}  (broker store nats/, logs logs/, JWT secret jwt-secret)"
        )
        if self.config.simulated_clock:
            clock = escape(str(self.data_dir / CLOCK_FILE))
            self.say(f"Clock    simulated: the services' time is the instant in {clock}")
        if self.broker.url != default_nats_url():
            self.say(f"[dim]For the other commands: export {NATS_URL_ENV}={self.broker.url}[/]")
        self.say("[dim]Ctrl-C stops everything.[/]")

    def supervise(self) -> int:
        """Wait for Ctrl-C/SIGTERM, reporting services that die; 1 if the broker itself dies."""
        assert self.broker is not None
        while not self.stop_event.wait(0.25):
            for s in self.services:
                code = s.poll()
                if code is not None and not s.exit_reported:
                    s.exit_reported = True
                    others = [o.name for o in self.services if o.running]
                    self.say(
                        f"[bold red]{s.name} exited with code {code}[/]"
                        + (
                            f"; {', '.join(others)} {'keeps' if len(others) == 1 else 'keep'} running"
                            if others
                            else ""
                        )
                    )
            if not self.broker.is_running:
                log = escape(str(self._log_path("nats")))
                self.say(f"[bold red]nats-server stopped unexpectedly[/]; see {log}")
                return 1
        return 0

    def request_stop(self) -> None:
        """Ctrl-C once: stop gracefully. Twice: do not wait for stragglers.

        One key press can arrive as two signals (the terminal signals the whole process group,
        and a wrapper such as ``uv run`` or ``timeout`` passes it on again): a second request
        within :data:`SAME_PRESS_SECONDS` of the first is the same press.
        """
        now = time.monotonic()
        if self.stop_event.is_set():
            if now - self._stop_requested_at > SAME_PRESS_SECONDS:
                self.force_event.set()
            return
        self._stop_requested_at = now
        self.stop_event.set()

    def shutdown(self) -> None:
        """Stop the services (SIGTERM, deadline, SIGKILL), then the broker. Safe to call twice."""
        running = [s for s in self.services if s.proc is not None]
        if running:
            self.say("Stopping services …")
            for s in running:
                if s.running:
                    s.signal_group(signal.SIGTERM)
            deadline = time.monotonic() + self.config.stop_timeout
            while any(s.running for s in running) and time.monotonic() < deadline:
                if self.force_event.wait(0.05):
                    break
            for s in running:
                if s.running:
                    why = (
                        "stopping at once (Ctrl-C twice)"
                        if self.force_event.is_set()
                        else "did not stop in time"
                    )
                    self.say(f"[yellow]{s.name} {why}: killing it[/]")
                # anything left in the group (the service's own children) goes too
                s.signal_group(signal.SIGKILL)
                if s.proc is not None:
                    s.proc.wait()
                s.join_output()
        self.services = []
        if self.broker is not None:
            if self.broker.pid is not None:
                self.say("Stopping nats-server …")
            self.broker.stop(timeout=self.config.stop_timeout)
            self.broker = None
            self.say("Stopped.")
        if self._pids_written:
            self._pids_path().unlink(missing_ok=True)


def run_up(config: UpConfig, console: Console) -> int:
    """``tsunagu up`` with SIGINT/SIGTERM handling; returns the exit code."""
    stop = threading.Event()
    stack = LocalStack(config, console, stop)

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stack.request_stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return stack.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
