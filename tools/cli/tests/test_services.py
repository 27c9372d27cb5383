"""Service discovery (entry points ``tsunagu.services``) and the environment ``up`` gives a service."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from tsunagu_cli import services
from tsunagu_cli.common import CliError
from tsunagu_cli.services import ServiceEntry, discover_services, service_environment


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> None:
    eps = [
        EntryPoint(name="scheduling", value="tsunagu_scheduling", group="tsunagu.services"),
        EntryPoint(name="intake", value="tsunagu_intake", group="tsunagu.services"),
        EntryPoint(name="partners", value="tsunagu_partners.main:run", group="tsunagu.services"),
    ]
    monkeypatch.setattr(services, "entry_points", lambda group: [e for e in eps if e.group == group])


@pytest.mark.usefixtures("installed")
def test_discovery_is_sorted_with_stable_indexes() -> None:
    found = discover_services()
    assert [(e.name, e.module, e.index) for e in found] == [
        ("intake", "tsunagu_intake", 0),
        ("partners", "tsunagu_partners.main", 1),
        ("scheduling", "tsunagu_scheduling", 2),
    ]
    only = discover_services(["scheduling"])
    assert [(e.name, e.index) for e in only] == [("scheduling", 2)]  # keeps its port under --only


@pytest.mark.usefixtures("installed")
def test_unknown_only_names_the_installed_ones() -> None:
    with pytest.raises(
        CliError, match=r"no installed service named subsidy \(installed: intake, partners, scheduling\)"
    ):
        discover_services(["subsidy", "intake"])


def test_environment_of_a_service() -> None:
    entry = ServiceEntry(name="intake", module="tsunagu_intake")
    env = service_environment(
        entry,
        nats_url="nats://127.0.0.1:4322",
        data_dir=Path("/data"),
        http_host="127.0.0.1",
        http_port=8100,
        jwt_secret="s" * 40,
        base={"PATH": "/bin"},
    )
    assert env == {
        "PATH": "/bin",
        "TSUNAGU_INTAKE_NATS_URL": "nats://127.0.0.1:4322",
        "TSUNAGU_INTAKE_DATA_DIR": str(Path("/data/intake")),
        "TSUNAGU_INTAKE_HTTP_HOST": "127.0.0.1",
        "TSUNAGU_INTAKE_HTTP_PORT": "8100",
        "TSUNAGU_INTAKE_MANAGE_STREAMS": "false",
        "TSUNAGU_INTAKE_LOG_FORMAT": "console",
        "TSUNAGU_INTAKE_JWT_SECRET": "s" * 40,
        "PYTHONUNBUFFERED": "1",
    }
