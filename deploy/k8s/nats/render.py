"""Render the official NATS Helm chart with Tsunagu's values, as ``helm template`` would.

    uv run --locked python deploy/k8s/nats/render.py           # write the rendered copy
    uv run --locked python deploy/k8s/nats/render.py --check   # exit 1 if it differs

The chart is the vendored archive beside this file (no network); Helm's Go SDK renders it
through ``helm-python-sdk`` (a dev dependency), so no helm binary is needed. The output is
``helm template nats <chart> --namespace tsunagu --skip-tests -f values.yaml``: every
template's manifest in template-path order, each under a ``# Source:`` line.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CHART = HERE / "chart" / "nats-2.14.2.tgz"
VALUES = HERE / "values.yaml"
RENDERED = HERE.parent / "components" / "nats-cluster" / "nats.rendered.yaml"
RELEASE = "nats"
NAMESPACE = "tsunagu"

HEADER = (
    "# Rendered from the official NATS Helm chart (deploy/k8s/nats/chart) with\n"
    "# deploy/k8s/nats/values.yaml by deploy/k8s/nats/render.py. Do not edit: change the values\n"
    "# and render again (tests/deploy/test_nats_cluster_manifests.py fails on any difference).\n"
)


def render() -> str:
    """The chart's manifests with Tsunagu's values, hooks of ``helm test`` left out."""
    import helm_python as helm  # a dev dependency: imported only when rendering

    values: dict[str, Any] = yaml.safe_load(VALUES.read_text(encoding="utf-8"))
    with helm.Chart.load(str(CHART)) as chart:
        manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    parts = [HEADER]
    for path in sorted(manifests):
        if "/templates/tests/" in path:
            continue  # `--skip-tests`: the chart's test pod is not part of the release
        body = manifests[path].strip()
        if not body:
            continue
        parts.append(f"---\n# Source: {path}\n{body}\n")
    return "".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if RENDERED.read_text(encoding="utf-8") != text:
            print(f"{RENDERED} differs from the chart's rendering: run {Path(__file__).name}")
            return 1
        return 0
    RENDERED.write_text(text, encoding="utf-8")
    print(f"wrote {RENDERED}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
