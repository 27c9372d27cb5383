"""Smoke test: ``python -m bench --quick`` runs end to end and writes every figure.

No timing assertions: figures depend on the machine. Run with ``pytest bench/tests``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_run_writes_every_figure(tmp_path: Path) -> None:
    from bench.report import FIGURES, POSTGRES_FIGURES, checks_for

    out = tmp_path / "latest.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())

    assert set(result) >= {
        "generated_at",
        "environment",
        "sizes",
        "figures",
        "checks",
        "all_passed",
        "complete",
        "warnings",
        "seconds",
    }
    assert result["complete"] is True
    http = {f"http_{side}_c{c}" for c in (1, 8) for side in ("kit", "peer")}
    # PostgreSQL figures come where the suite runs on PostgreSQL (the bench reads the same variable).
    postgres = set(POSTGRES_FIGURES) if os.environ.get("TSUNAGU_TEST_DATABASE_URL") else set()
    assert set(result["figures"]) == set(FIGURES) | http | postgres
    for name in result["figures"]:
        figure = result["figures"][name]
        if name.startswith("latency"):
            assert {"p50_ms", "p99_ms", "count", "lost"} <= set(figure)
            assert figure["count"] > 0
        else:
            assert {"count", "seconds", "msgs_per_s"} <= set(figure)
            assert figure["count"] > 0
    assert [c["name"] for c in result["checks"]] == [c.name for c in checks_for(result["figures"])]
    assert {"tracing_cost", "http_kit_c8_vs_peer"} <= {c["name"] for c in result["checks"]}
    for check in result["checks"]:
        assert {"value", "reference_value", "ratio", "op", "target", "passed"} <= set(check)
    assert result["environment"]["python"]


def test_template_payload_is_the_contract_document() -> None:
    """The fast payload template parses with the registry like an event built through the contracts."""
    from bench.benchapp import REGISTRY, new_pinged, payload

    eid, data = payload(7)
    event = REGISTRY.parse(data)
    assert event.id == eid
    assert event.data.n == 7
    built = new_pinged(7).to_json_bytes()
    assert set(json.loads(built)) == set(json.loads(data))
    assert abs(len(built) - len(data)) <= 8
