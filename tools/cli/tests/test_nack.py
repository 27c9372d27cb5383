"""``tsunagu nack write``: the NACK resources, written and checked without a broker."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tsunagu_cli.consumers import planned_consumers
from tsunagu_cli.main import app
from tsunagu_cli.nack import go_duration, nack_files, resource_name
from tsunagu_contracts import STREAMS
from typer.testing import CliRunner

runner = CliRunner()


def test_write_then_check(tmp_path: Path) -> None:
    result = runner.invoke(app, ["nack", "write", str(tmp_path), "--replicas", "3"])
    assert result.exit_code == 0, result.output
    streams = [d for d in yaml.safe_load_all((tmp_path / "streams.yaml").read_text()) if d]
    consumers = [d for d in yaml.safe_load_all((tmp_path / "consumers.yaml").read_text()) if d]
    assert [s["spec"]["name"] for s in streams] == [d.name for d in STREAMS]
    assert {s["spec"]["replicas"] for s in streams} == {3}
    assert [c["spec"]["durableName"] for c in consumers] == [p.name for p in planned_consumers()]
    assert runner.invoke(app, ["nack", "write", str(tmp_path), "--replicas", "3", "--check"]).exit_code == 0
    # Another replica count is drift.
    drift = runner.invoke(app, ["nack", "write", str(tmp_path), "--replicas", "1", "--check"])
    assert drift.exit_code == 1
    assert "differ from the contracts" in drift.output


def test_the_account_is_an_option() -> None:
    text = nack_files(3, account="other").streams
    assert "account: other" in text
    assert "--account other" in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(7200, "2h"), (400 * 86400, "9600h"), (30, "30s"), (90.5, "1m30.5s"), (0.25, "0.25s")],
)
def test_go_durations(seconds: float, text: str) -> None:
    assert go_duration(seconds) == text


def test_resource_names_are_kubernetes_names() -> None:
    assert (
        resource_name("intake-scheduling-case_review-concluded-v1")
        == "intake-scheduling-case-review-concluded-v1"
    )
    assert resource_name("TSUNAGU_DLQ") == "tsunagu-dlq"
