"""Every render validated, as an operator's CI would: schemas, checkov, the Compose specification.

- Each kustomize overlay is rendered (``kubectl kustomize``) and every object validated with
  ``kubernetes-validate`` against Kubernetes KUBERNETES_VERSION, strictly (unknown fields fail).
  Custom resources are validated against the CRD schemas vendored in ``validation/crds``; a kind
  with no schema there is counted and printed as not schema-checked, and must be in
  UNCHECKED_KINDS (with the reason), so a new kind is never let through silently.
- checkov (pinned, in a tool environment of its own: ``validation/checkov-constraints.txt``) scans
  the renders; every check skipped is in ``validation/checkov-skips.yaml`` with its reason, and no
  other check may fail.
- deploy/compose/compose.yaml validates against the compose-spec JSON schema (vendored, with
  its source in ``validation/compose-spec/README.md``).

Each test prints its counts (run with ``-s`` to see them). kubectl must be installed: these
tests fail, never skip, without it; checkov needs PyPI (or uv's cache) the first time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ROOT / "deploy" / "k8s" / "overlays"
VALIDATION = Path(__file__).parent / "validation"
CRDS = VALIDATION / "crds"
COMPOSE = ROOT / "deploy" / "compose" / "compose.yaml"

KUBERNETES_VERSION = "1.33.0"
CHECKOV = "checkov==3.3.30"

# Custom resources whose schema is not vendored (too large to keep here), and why that is enough.
UNCHECKED_KINDS = {
    ("monitoring.coreos.com/v1", "PodMonitor"): "its CRD schema is 73 kB; test_observability checks "
    "its selector, port and path against the pods it scrapes",
    ("cert-manager.io/v1", "Certificate"): "cert-manager's CRDs ship as Helm templates, not plain "
    "schemas; test_nats_cluster_manifests checks the Certificate's secret, usages, DNS names and "
    "issuer against the servers that present it",
    ("cert-manager.io/v1", "Issuer"): "cert-manager's CRDs ship as Helm templates, not plain schemas; "
    "only the local overlay has Issuers (its self-signed CA), and test_local_overlay checks the chain "
    "from the self-signed Issuer to the server Certificate and the Secrets each one names",
}
CRD_FILES = (ROOT / "deploy" / "k8s" / "nack" / "crds.yml",)
"""CustomResourceDefinitions vendored whole beside what uses them (NACK's, at the controller's
version): their ``openAPIV3Schema`` validates the resources of those kinds."""


def overlays() -> list[str]:
    return sorted(p.name for p in OVERLAYS.iterdir() if (p / "kustomization.yaml").exists())


def kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is not installed: the overlays cannot be rendered and validated")
    return found


def render(overlay: str) -> str:
    out = subprocess.run(
        [kubectl(), "kustomize", str(OVERLAYS / overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def crd_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    path = CRDS / f"{api_version.replace('/', '_')}_{kind}.json"
    if path.exists():
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded
    group, _, version = api_version.rpartition("/")
    for crd_file in CRD_FILES:
        for crd in yaml.safe_load_all(crd_file.read_text(encoding="utf-8")):
            if not crd or crd["spec"]["group"] != group or crd["spec"]["names"]["kind"] != kind:
                continue
            for served in crd["spec"]["versions"]:
                if served["name"] == version:
                    schema: dict[str, Any] = served["schema"]["openAPIV3Schema"]
                    return schema
    return None


def validate(obj: dict[str, Any]) -> tuple[str, str | None]:
    """``("checked" | "unchecked", problem or None)`` for one rendered object."""
    api_version, kind = obj["apiVersion"], obj["kind"]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        return "checked", None
    except kubernetes_validate.ValidationError as exc:
        return "checked", f"{exc.message} at {'.'.join(str(p) for p in exc.path)}"
    except kubernetes_validate.SchemaNotFoundError:
        pass  # not a built-in kind: a custom resource
    schema = crd_schema(api_version, kind)
    if schema is None:
        return "unchecked", None
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(obj), key=lambda e: list(e.path))
    if errors:
        return "checked", "; ".join(f"{e.message} at {'.'.join(str(p) for p in e.path)}" for e in errors)
    return "checked", None


@pytest.mark.parametrize("overlay", overlays())
def test_every_rendered_object_validates(overlay: str) -> None:
    objects = [o for o in yaml.safe_load_all(render(overlay)) if o]
    assert objects
    failures: list[str] = []
    unchecked: dict[tuple[str, str], int] = {}
    checked = 0
    for obj in objects:
        outcome, problem = validate(obj)
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        if outcome == "unchecked":
            key = (obj["apiVersion"], obj["kind"])
            unchecked[key] = unchecked.get(key, 0) + 1
        else:
            checked += 1
        if problem:
            failures.append(f"{where}: {problem}")
    print(
        f"\n[{overlay}] Kubernetes {KUBERNETES_VERSION}: {len(objects)} objects rendered, "
        f"{checked} validated against a schema, {len(failures)} failures, "
        f"{sum(unchecked.values())} not schema-checked "
        f"({', '.join(f'{n} {k}' for (_, k), n in sorted(unchecked.items())) or 'none'})"
    )
    assert not failures, "\n".join(failures)
    unknown = set(unchecked) - set(UNCHECKED_KINDS)
    assert not unknown, f"custom resources with no schema and no reason: {sorted(unknown)}"


def test_validation_catches_a_bad_object() -> None:
    bad_hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "x"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": "six"},
    }
    assert validate(bad_hpa)[1]
    bad_rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "x"},
        "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up", "for": "ten minutes"}]}]},
    }
    assert validate(bad_rule)[1]
    unknown_field = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "dta": {}}
    assert validate(unknown_field)[1], "strict: unknown fields fail"


# -- checkov ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Skip:
    check_id: str
    reason: str
    overlays: frozenset[str] = frozenset()
    resources: frozenset[str] = frozenset()

    @property
    def everywhere(self) -> bool:
        return not self.overlays and not self.resources

    def covers(self, check: dict[str, Any], overlay: str) -> bool:
        return (
            check["check_id"] == self.check_id
            and (not self.overlays or overlay in self.overlays)
            and (not self.resources or check["resource"] in self.resources)
        )


def checkov_skips() -> list[Skip]:
    doc = yaml.safe_load((VALIDATION / "checkov-skips.yaml").read_text(encoding="utf-8"))
    skips = [
        Skip(
            check_id=entry["id"],
            reason=" ".join(entry["reason"].split()),
            overlays=frozenset(entry.get("overlays", ())),
            resources=frozenset(entry.get("resources", ())),
        )
        for entry in doc["skips"]
    ]
    assert all(len(s.reason.split()) >= 8 for s in skips), "every skip says why"
    return skips


def run_checkov(directory: Path, skip_everywhere: list[str]) -> dict[str, Any]:
    uv = shutil.which("uv") or str(ROOT / ".tools" / "uv" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.fail("uv is needed to run checkov in its own tool environment")
    command = [
        uv,
        "tool",
        "run",
        "--constraints",
        str(VALIDATION / "checkov-constraints.txt"),
        "--from",
        CHECKOV,
        "checkov",
        "--compact",
        "--framework",
        "kubernetes",
        "--output",
        "json",
        "--directory",
        str(directory),
    ]
    if skip_everywhere:
        command += ["--skip-check", ",".join(skip_everywhere)]
    # No calls home: no Bridgecrew mapping download, no package scan.
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    out = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False, env=env)
    assert out.stdout.strip(), f"checkov printed nothing (exit {out.returncode}): {out.stderr[-2000:]}"
    report = json.loads(out.stdout)
    reports = report if isinstance(report, list) else [report]
    [kubernetes] = [r for r in reports if r.get("check_type") == "kubernetes"]
    return dict(kubernetes)


@pytest.mark.slow
def test_checkov_finds_nothing_unexplained(tmp_path: Path) -> None:
    for overlay in overlays():
        (tmp_path / overlay).mkdir()
        (tmp_path / overlay / "rendered.yaml").write_text(render(overlay), encoding="utf-8")
    skips = checkov_skips()
    report = run_checkov(tmp_path, sorted({s.check_id for s in skips if s.everywhere}))
    scoped = [s for s in skips if not s.everywhere]
    counts = {o: {"passed": 0, "failed": 0, "skipped": 0, "explained": 0} for o in overlays()}
    unexplained: list[str] = []
    used: set[Skip] = set()
    for outcome in ("passed", "failed", "skipped"):
        for check in report["results"].get(f"{outcome}_checks", []):
            overlay = Path(check["file_path"]).parent.name
            counts[overlay][outcome] += 1
            if outcome != "failed":
                continue
            explained = next((s for s in scoped if s.covers(check, overlay)), None)
            if explained is not None:
                counts[overlay]["explained"] += 1
                used.add(explained)
                continue
            unexplained.append(
                f"{check['check_id']} {check['check_name']}: {check['resource']} ({overlay})"
                + (f", severity {check['severity']}" if check.get("severity") else "")
            )
    summary = report["summary"]
    for overlay, c in counts.items():
        print(
            f"\n[{overlay}] checkov {summary['checkov_version']}: {c['passed']} passed, "
            f"{c['failed']} failed ({c['explained']} of them explained by a scoped skip), "
            f"{c['skipped']} skipped"
        )
    print(f"\nskipped everywhere: {sorted({s.check_id for s in skips if s.everywhere})}")
    assert not unexplained, "\n".join(unexplained)
    assert set(scoped) <= used, f"scoped skips that no longer match a finding: {set(scoped) - used}"
    assert all(c["passed"] > 100 for c in counts.values()), "checkov checked next to nothing"


def test_every_checkov_skip_names_a_kubernetes_check() -> None:
    for skip in checkov_skips():
        assert skip.check_id.startswith(("CKV_K8S_", "CKV2_K8S_")), skip.check_id
        assert skip.overlays <= set(overlays()), skip


# -- Compose ---------------------------------------------------------------------------------------


def compose_schema() -> dict[str, Any]:
    return dict(json.loads((VALIDATION / "compose-spec" / "compose-spec.json").read_text(encoding="utf-8")))


def test_compose_file_validates_against_the_compose_spec() -> None:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(compose_schema())
    errors = [f"{e.message} at {'.'.join(str(p) for p in e.path)}" for e in validator.iter_errors(document)]
    print(f"\n[compose] {len(document['services'])} services, {len(errors)} compose-spec violations")
    assert not errors, "\n".join(errors)


def test_the_compose_check_catches_a_bad_file() -> None:
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    document["services"]["intake"]["restart_policy"] = "always"  # not a Compose key
    validator = jsonschema.Draft202012Validator(compose_schema())
    assert list(validator.iter_errors(document))
