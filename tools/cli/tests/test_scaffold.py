"""``tsunagu new-service``: a generated service passes its own tests and starts under ``tsunagu up``.

The slow test copies this workspace into a temporary directory, generates a service there, locks
and installs it offline (every dependency is the one the workspace already uses), runs the
generated tests, then runs it with ``tsunagu up`` and calls its API.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from datetime import date
from pathlib import Path

import httpx
import nats
import pytest
from tsunagu_cli.scaffold import ScaffoldError, ServiceScaffold, new_service, next_port
from tsunagu_servicekit.http import Authenticator
from tsunagu_servicekit.natsserver import free_port

REPO = Path(__file__).resolve().parents[3]


def _workspace_copy(target: Path) -> Path:
    """The files git knows in this workspace (tracked, or new and not ignored), copied to ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        source = REPO / raw.decode()
        if source.is_file():
            destination = target / raw.decode()
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


def _uv() -> str:
    # `uv run` tells its children where it is; elsewhere it must be on PATH.
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.fail(
            "uv is needed to lock and install the generated service (./dev installs it)", pytrace=False
        )
    return found


def _env(workspace: Path, venv: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT"))}
    env.update({"UV_PROJECT_ENVIRONMENT": str(workspace / venv), "UV_OFFLINE": "1", "PYTHONUNBUFFERED": "1"})
    env.pop("TSUNAGU_NATS_URL", None)
    return env


def test_names_are_checked_and_nothing_is_overwritten(tmp_path: Path) -> None:
    for bad in ("Partners", "p", "with-dash", "1st", "x" * 31):
        with pytest.raises(ScaffoldError):
            ServiceScaffold(bad)
    with pytest.raises(ScaffoldError, match="other than"):
        ServiceScaffold("notes", entity="notes")
    with pytest.raises(ScaffoldError, match="not a Tsunagu workspace"):
        new_service(tmp_path, ServiceScaffold("demo"))


def test_the_template_is_rendered_completely(tmp_path: Path) -> None:
    workspace = _workspace_copy(tmp_path / "ws")
    before = (workspace / "pyproject.toml").read_text()
    scaffold = ServiceScaffold("demo", entity="note", description="A demonstration.", today=date(2026, 12, 2))
    assert scaffold.port == 8001
    assert next_port(workspace) > 8001
    written = new_service(workspace, scaffold)
    service = workspace / "services/demo"
    generated = [p for p in written if service in p.parents]
    assert {p.relative_to(service).as_posix() for p in generated} >= {
        "pyproject.toml",
        "src/tsunagu_demo/app.py",
        "src/tsunagu_demo/settings.py",
        "src/tsunagu_demo/adapters/migrations/versions/demo_0001_initial.py",
        "src/tsunagu_demo/handlers/notes.py",
        "src/tsunagu_demo/consumers/__init__.py",
        "src/tsunagu_demo/api/notes.py",
        "tests/component/test_notes.py",
    }
    for path in [*written, workspace / "libs/contracts/src/tsunagu_contracts/events/demo.py"]:
        assert "{{" not in path.read_text(), f"placeholder left in {path}"
    after = (workspace / "pyproject.toml").read_text()
    assert '    "tsunagu-demo",\n' in after
    assert "tsunagu-demo = { workspace = true }" in after
    assert (
        after.replace('    "tsunagu-demo",\n', "").replace("tsunagu-demo = { workspace = true }\n", "")
        == before
    )
    assert '"demo")' in (workspace / "libs/contracts/src/tsunagu_contracts/streams.py").read_text()
    with pytest.raises(ScaffoldError, match="would overwrite"):
        new_service(workspace, scaffold)


def test_a_long_description_is_wrapped_in_the_package_docstring(tmp_path: Path) -> None:
    workspace = _workspace_copy(tmp_path / "ws")
    description = "Partner organisations and their agreements, local resources, the municipal network. " * 2
    new_service(workspace, ServiceScaffold("demo", entity="note", description=description))
    package = (workspace / "services/demo/src/tsunagu_demo/__init__.py").read_text()
    assert max(len(line) for line in package.splitlines()) <= 110
    assert " ".join(package.split()) == f'"""Tsunagu demo: {description.strip()}"""'


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_generated_service_passes_its_tests_and_runs_under_up(tmp_path: Path) -> None:
    workspace = _workspace_copy(tmp_path / "ws")
    uv = _uv()
    generate = [uv, "run", "--locked", "tsunagu", "new-service", "demo", "--entity", "note"]
    subprocess.run(generate, cwd=workspace, check=True, env=_env(workspace, ".venv"))
    # Offline first: every dependency is one the workspace already uses. A fresh uv cache holds the
    # wheels `uv sync` installed but not the index pages a lock reads, so then ask the registry.
    if subprocess.run([uv, "lock", "--offline"], cwd=workspace, env=_env(workspace, ".venv")).returncode:
        online = {k: v for k, v in _env(workspace, ".venv").items() if k != "UV_OFFLINE"}
        subprocess.run([uv, "lock"], cwd=workspace, check=True, env=online)
    run_demo = [uv, "run", "--locked", "--exact", "--package", "tsunagu-demo"]

    tests = subprocess.run(
        [*run_demo, "pytest", "services/demo/tests", "-q", "-p", "no:cacheprovider"],
        cwd=workspace,
        env=_env(workspace, ".venvs/demo"),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    passed = re.search(r"(\d+) passed", tests.stdout)
    assert passed, tests.stdout[-2000:]
    assert int(passed.group(1)) >= 9, tests.stdout[-2000:]
    assert "skipped" not in tests.stdout.splitlines()[-1]

    lint = subprocess.run(
        [uv, "run", "--locked", "ruff", "check", "services/demo", "libs/contracts"],  # as ./dev lint
        cwd=workspace,
        env=_env(workspace, ".venv"),
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout[-2000:]

    nats_port, http_port = free_port(), free_port()
    run_up = [uv, "run", "--locked", "tsunagu", "up", "--only", "demo"]
    data = tmp_path / "data"
    up = subprocess.Popen(
        [*run_up, "--nats-port", str(nats_port), "--base-port", str(http_port), "--data-dir", str(data)],
        cwd=workspace,
        env=_env(workspace, ".venv"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 180
        ready = False
        while time.monotonic() < deadline and up.poll() is None and not ready:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                ready = False
            if not ready:
                time.sleep(0.5)
        if not ready:
            if up.poll() is None:
                os.killpg(up.pid, signal.SIGKILL)
            output = up.communicate(timeout=30)[0].decode(errors="replace")
            pytest.fail(f"the generated service never became ready under tsunagu up:\n{output[-3000:]}")
        secret = (data / "jwt-secret").read_text().strip()
        token = Authenticator(secret=secret, issuer="tsunagu-local", audience="tsunagu").issue(
            "scaffold-test", ["supervisor"]
        )
        created = httpx.post(
            f"{base}/notes",
            json={"title": "つなぐ"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert created.status_code == 201, created.text
        assert _published(f"nats://127.0.0.1:{nats_port}", "TSUNAGU_DEMO") == [created.json()["id"]]
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGINT)
        try:
            output, _ = up.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)
            output, _ = up.communicate()
    assert up.returncode == 0, output.decode(errors="replace")[-3000:]


def _published(url: str, stream: str) -> list[str]:
    """Subjects of the entity ids the stream holds, once the relay has published (bounded wait)."""
    import asyncio

    async def read() -> list[str]:
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            for _ in range(50):
                info = await js.stream_info(stream)
                if info.state.messages:
                    msg = await js.get_msg(stream, info.state.first_seq)
                    return [json.loads(msg.data or b"{}")["subject"]]
                await asyncio.sleep(0.2)
            return []
        finally:
            await nc.close()

    return asyncio.run(read())
