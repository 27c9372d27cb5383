"""Observability as shipped (deploy/k8s/components/observability), checked against the code.

- Every metric an alert or a dashboard panel queries exists in the services' registry (the kit's
  and intake's), with the labels the queries match on; the few from other software are named
  here with where they come from. Every expression parses (``promql-parser``).
- Every alert has a severity, a summary and a runbook_url pointing at a section of
  docs/deploy.md that exists and names the alert.
- The PodMonitors select the services' pods on the port and path the kit serves metrics at, and
  NATS's pods by the chart's label; the HPAs scale Deployments that spread and request CPU.
- The OpenTelemetry Collector listens where the otel component sends, and drops client details.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import metrics as prometheus_metrics
from tsunagu_servicekit.http.app import OPERATIONAL_PATHS
from tsunagu_servicekit.metrics import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
COMPONENT = ROOT / "deploy" / "k8s" / "components" / "observability"
OTEL_COMPONENT = ROOT / "deploy" / "k8s" / "components" / "otel" / "kustomization.yaml"
RULES = COMPONENT / "prometheusrule.yaml"
DASHBOARD = COMPONENT / "dashboards" / "tsunagu.json"
COLLECTOR = COMPONENT / "otel-collector.yaml"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SERVICES = ("intake", "scheduling", "partners", "subsidy", "training")

# Metrics queried that other software exports, and who: not in our registry by design.
EXTERNAL_METRICS = {
    "certmanager_certificate_expiration_timestamp_seconds": "cert-manager's controller",
}
# Alerts every deployment needs (issue 15), by the condition they watch.
REQUIRED_ALERTS = {
    "TsunaguConsumerLag",
    "TsunaguDeadLetters",
    "TsunaguOutboxPending",
    "TsunaguOutboxStalled",
    "TsunaguOutboxQuarantined",
    "TsunaguStreamFilling",
    "TsunaguStreamFull",
    "TsunaguRelayWithoutLeader",
    "TsunaguRepliesOverdue",
    "TsunaguEmergencyReplyOverdue",
    "TsunaguCertificateExpiringSoon",
    "TsunaguCertificateExpiryImminent",
}


# -- the code's metrics -----------------------------------------------------------------------


def registered_metrics() -> dict[str, set[str]]:
    """Every sample name the services can expose (``_total``, ``_bucket``, ...), with its labels.

    Intake's own metrics join the kit's registry when intake's package is imported.
    """
    import tsunagu_intake.metrics  # noqa: F401  # registers intake's metrics in the kit's registry

    names: dict[str, set[str]] = {}
    for name, collector in REGISTRY._names_to_collectors.items():
        labels = set(getattr(collector, "_labelnames", ()))
        if isinstance(collector, prometheus_metrics.Histogram) and name.endswith("_bucket"):
            labels.add("le")
        names[name] = labels
    return names


def selectors(expr: str) -> Iterator[tuple[str, set[str]]]:
    """``(metric name, label names it matches or groups on)`` of every vector selector in ``expr``."""
    root = promql_parser.parse(expr)

    def walk(node: Any, grouping: set[str]) -> Iterator[tuple[str, set[str]]]:
        if isinstance(node, promql_parser.VectorSelector):
            matched = {m.name for m in node.matchers.matchers} - {"__name__"}
            yield node.name, matched | grouping
            return
        if isinstance(node, promql_parser.AggregateExpr):
            modifier = node.modifier
            grouping = grouping | set(modifier.labels if modifier is not None else ())
        for attr in ("expr", "lhs", "rhs", "vector_selector", "param"):
            child = getattr(node, attr, None)
            if child is not None and type(child).__module__.startswith("promql_parser"):
                yield from walk(child, grouping)
        for arg in getattr(node, "args", None) or ():
            yield from walk(arg, grouping)

    yield from walk(root, set())


def alert_rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["spec"]["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [(panel["title"], t["expr"]) for panel in dashboard["panels"] for t in panel["targets"]]


def queries() -> list[tuple[str, str]]:
    return [(f"alert {r['alert']}", r["expr"]) for r in alert_rules()] + [
        (f"panel {title}", expr) for title, expr in dashboard_exprs()
    ]


def test_every_query_parses() -> None:
    problems = []
    for where, expr in queries():
        try:
            promql_parser.parse(expr)
        except Exception as exc:  # the parser raises its own error types
            problems.append(f"{where}: {exc}")
    assert not problems, "\n".join(problems)


def test_every_queried_metric_exists_with_the_labels_queried() -> None:
    registered = registered_metrics()
    problems = []
    used: set[str] = set()
    for where, expr in queries():
        for name, labels in selectors(expr):
            used.add(name)
            if name in EXTERNAL_METRICS:
                continue
            if name not in registered:
                problems.append(f"{where}: {name} is not a metric of the services")
            elif missing := labels - registered[name]:
                problems.append(f"{where}: {name} has no label {sorted(missing)}")
    assert not problems, "\n".join(problems)
    assert set(EXTERNAL_METRICS) <= used, "an external metric no query uses: drop it from the list"


def test_the_alerts_watch_the_new_metrics() -> None:
    watched = {name for r in alert_rules() for name, _ in selectors(r["expr"])}
    assert {"tsunagu_outbox_relay_leader", "tsunagu_intake_replies_overdue"} <= watched


def test_the_check_sees_a_metric_that_does_not_exist() -> None:
    # The drift check itself: a misspelt name is caught, and a label the metric lacks.
    registered = registered_metrics()
    [(name, labels)] = list(selectors('max by (service) (tsunagu_outbox_pendings{stream="x"})'))
    assert name not in registered
    [(name, labels)] = list(selectors('max by (stream) (tsunagu_outbox_pending{triage="x"})'))
    assert labels - registered[name] == {"stream", "triage"}


# -- alerts and their runbooks ---------------------------------------------------------------


def github_anchor(heading: str) -> str:
    """The fragment GitHub (and most Markdown renderers) give a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def doc_sections() -> dict[str, str]:
    """docs/deploy.md's sections by anchor, each with its text up to the next heading."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    parts = re.split(r"^(#{1,6} .+)$", text, flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        sections[github_anchor(heading.lstrip("#"))] = heading + body
    return sections


def test_every_alert_is_complete_and_has_its_runbook_section() -> None:
    rules = alert_rules()
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names)), "alert names are unique"
    assert set(names) >= REQUIRED_ALERTS
    sections = doc_sections()
    for rule in rules:
        where = rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}, where
        assert rule["annotations"]["summary"], where
        assert rule["annotations"]["description"], where
        url = rule["annotations"]["runbook_url"]
        page, _, anchor = url.partition("#")
        assert page.endswith("/docs/deploy.md"), f"{where}: {url}"
        assert anchor in sections, f"{where}: docs/deploy.md has no section #{anchor}"
        section = sections[anchor]
        assert where in section, f"{where}: its runbook section does not name it"
        assert len(section.split()) > 40, f"{where}: its runbook section says too little"


def test_runbooks_use_the_real_operator_commands() -> None:
    from tsunagu_cli.main import app
    from typer.main import get_command

    command = get_command(app)
    sections = doc_sections()
    text = "".join(sections[github_anchor(a)] for a in REQUIRED_ALERTS if github_anchor(a) in sections)
    used = set(re.findall(r"`tsunagu ((?:[a-z]+)(?: [a-z]+)?)", text))
    assert used, "the runbooks name no tsunagu command"
    for phrase in used:
        group, *rest = phrase.split()
        assert group in command.commands, f"`tsunagu {group}` is not a command"  # type: ignore[attr-defined]
        sub = command.commands[group]  # type: ignore[attr-defined]
        if rest and hasattr(sub, "commands"):
            assert rest[0] in sub.commands, f"`tsunagu {phrase}` is not a command"
    assert {"outbox list", "outbox retry", "outbox discard", "dlq list"} <= {p for p in used}


# -- the rendered component ------------------------------------------------------------------


def render(path: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not installed: the manifests cannot be rendered")
    out = subprocess.run(
        [kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return render(ROOT / "deploy" / "k8s" / "overlays" / "production")


def of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_podmonitors_scrape_every_service_where_it_serves_metrics(production: list[dict[str, Any]]) -> None:
    monitors = of_kind(production, "PodMonitor")
    services = monitors["tsunagu-services"]["spec"]
    [endpoint] = services["podMetricsEndpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["path"] in OPERATIONAL_PATHS, "the kit serves metrics there"
    deployments = of_kind(production, "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]
        assert selects(services["selector"]["matchLabels"], pod["metadata"]["labels"]), name
        ports = {p["name"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
        assert endpoint["port"] in ports, f"{name} has no port named {endpoint['port']}"
    others = [o for o in production if o["kind"] in {"StatefulSet", "Job"}]
    for other in others:  # NATS and the streams job expose no /metrics of the kit
        labels = other["spec"]["template"]["metadata"].get("labels", {})
        assert not selects(services["selector"]["matchLabels"], labels), other["metadata"]["name"]


def test_the_nats_podmonitor_uses_the_charts_label_and_exporter_port(
    production: list[dict[str, Any]],
) -> None:
    nats = of_kind(production, "PodMonitor")["nats"]["spec"]
    assert nats["selector"]["matchLabels"] == {"app.kubernetes.io/name": "nats"}
    assert [e["port"] for e in nats["podMetricsEndpoints"]] == ["prom-metrics"]
    pods = [
        o["spec"]["template"]
        for o in production
        if o["kind"] == "StatefulSet"
        and selects(nats["selector"]["matchLabels"], o["spec"]["template"]["metadata"]["labels"])
    ]
    assert pods, "no NATS pods carry app.kubernetes.io/name: nats"
    policy = of_kind(production, "NetworkPolicy")["nats-metrics-ingress"]["spec"]
    assert [p["port"] for rule in policy["ingress"] for p in rule["ports"]] == [7777]


def test_hpas_scale_spread_deployments_that_request_cpu(production: list[dict[str, Any]]) -> None:
    hpas = of_kind(production, "HorizontalPodAutoscaler")
    deployments = of_kind(production, "Deployment")
    assert set(hpas) == set(SERVICES)
    pdbs = [o for o in production if o["kind"] == "PodDisruptionBudget"]
    for name, hpa in hpas.items():
        spec = hpa["spec"]
        assert hpa["apiVersion"] == "autoscaling/v2"
        target = spec["scaleTargetRef"]
        assert (target["kind"], target["apiVersion"]) == ("Deployment", "apps/v1")
        deployment = deployments[target["name"]]
        assert 2 <= spec["minReplicas"] < spec["maxReplicas"], name
        [metric] = spec["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert 50 <= metric["resource"]["target"]["averageUtilization"] <= 90
        pod = deployment["spec"]["template"]["spec"]
        assert all("cpu" in c["resources"]["requests"] for c in pod["containers"]), name
        keys = {t["topologyKey"] for t in pod["topologySpreadConstraints"]}
        assert {"kubernetes.io/hostname", "topology.kubernetes.io/zone"} <= keys, name
        labels = deployment["spec"]["selector"]["matchLabels"]
        assert any(p["spec"]["selector"]["matchLabels"] == labels for p in pdbs), f"{name}: no PDB"
        # The autoscaler owns the count: a replicas field would reset it on every apply.
        assert "replicas" not in deployment["spec"], f"{name}: replicas beside its autoscaler"


def test_the_dashboard_configmap_carries_the_dashboard(production: list[dict[str, Any]]) -> None:
    config = of_kind(production, "ConfigMap")["tsunagu-grafana-dashboard"]
    assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(config["data"]["tsunagu.json"])
    assert dashboard == json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    assert all(p["targets"] for p in dashboard["panels"])


def test_the_collector_receives_where_the_services_send_and_drops_client_details() -> None:
    otel = yaml.safe_load(OTEL_COMPONENT.read_text(encoding="utf-8"))
    [generator] = otel["configMapGenerator"]
    endpoint = dict(lit.split("=", 1) for lit in generator["literals"])["otlp-endpoint"]
    match = re.fullmatch(r"http://([^.:/]+)\.([^.:/]+)\.svc:(\d+)", endpoint)
    assert match, endpoint
    config = yaml.safe_load(COLLECTOR.read_text(encoding="utf-8"))
    http = config["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
    assert http.rsplit(":", 1)[1] == match.group(3) == "4318"
    assert "grpc" not in config["receivers"]["otlp"]["protocols"], "the services send OTLP/HTTP only"
    header = COLLECTOR.read_text(encoding="utf-8")
    assert f"`{match.group(1)}` in namespace `{match.group(2)}`" in header
    [pipeline] = config["service"]["pipelines"].values()
    for kind in ("receivers", "processors", "exporters"):
        for name in pipeline[kind]:
            assert name in config[kind], f"{kind}: {name} is used but not configured"
    assert pipeline["processors"][-1] == "batch", "batch last, after anything that drops data"
    redaction = [p for p in pipeline["processors"] if p.startswith("attributes")]
    assert redaction, "no attributes processor in the pipeline"
    deleted = {
        a["key"] for p in redaction for a in config["processors"][p]["actions"] if a["action"] == "delete"
    }
    assert {"http.user_agent", "user_agent.original", "client.address", "net.peer.ip"} <= deleted
