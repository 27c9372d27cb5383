"""Kubernetes NATS in production: the official Helm chart's cluster, its TLS, and NACK's resources.

- The rendered copy (``deploy/k8s/components/nats-cluster/nats.rendered.yaml``) is what the pinned,
  vendored chart renders with ``deploy/k8s/nats/values.yaml`` (Helm's Go SDK, no helm binary).
- The cluster as the production overlay renders it: three servers, routes over TLS, TLS on the
  client port, JetStream on volumes with the production limits, a PDB, servers spread over nodes,
  GOMEMLIMIT below the memory limit, the production users and permissions; its configuration
  passes ``nats-server -t`` with real certificates.
- The server certificate (cert-manager) names every address a client or route dials.
- The NACK resources are what ``tsunagu nack write`` generates from the contracts, validate
  against NACK's CRDs, and configure, read as NACK's controller reads them, exactly what
  ``tsunagu streams apply`` and ``tsunagu consumers apply`` send.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.util
import ipaddress
import re
import secrets
import subprocess
import tarfile
from fnmatch import fnmatch
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from test_deploy_config import (
    K8S,
    NATS_CONF,
    SERVICES,
    built_overlay,
    load_yaml_documents,
    max_file_store,
    size_bytes,
)
from tsunagu_cli.consumers import planned_consumers
from tsunagu_cli.nack import API_VERSION, nack_files
from tsunagu_contracts import STREAMS
from tsunagu_servicekit.messaging.streams import applied_config
from tsunagu_servicekit.natsserver import nats_server_binary, nats_server_version

NATS_K8S = K8S / "nats"
CLUSTER = K8S / "components" / "nats-cluster"
NACK = K8S / "components" / "nack"
NACK_CRDS = K8S / "nack" / "crds.yml"
CHART_VERSION = "2.14.2"
CHART_SHA256 = "d8d3d0ef248460e126e1a94390805ac214f9803eea79ca470db1df537d467ee6"
REPLICAS = 3
PERMISSIONS_MARKER = "# -- Permissions"


def render_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nats_render", NATS_K8S / "render.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return built_overlay("production")


def one(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    [found] = [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    return found


def nats_conf(objects: list[dict[str, Any]]) -> str:
    text: str = one(objects, "ConfigMap", "nats-config")["data"]["nats.conf"]
    return text


def json_value(conf: str, key: str) -> str:
    match = re.search(rf'"{key}":\s*("?[^",\n]*"?)', conf)
    assert match, f"{key} not in the rendered configuration"
    return match.group(1).strip('"')


# -- the chart ---------------------------------------------------------------------------------


def test_the_vendored_chart_is_the_pinned_version() -> None:
    archive = NATS_K8S / "chart" / f"nats-{CHART_VERSION}.tgz"
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == CHART_SHA256
    with tarfile.open(archive) as tar:
        member = tar.extractfile("nats/Chart.yaml")
        assert member is not None
        chart = yaml.safe_load(member.read())
    assert chart["name"] == "nats"
    assert chart["version"] == CHART_VERSION
    values = (NATS_K8S / "values.yaml").read_text(encoding="utf-8")
    assert f"--version {CHART_VERSION}" in values, "the documented helm template command pins the chart"


def test_the_rendered_copy_is_the_charts_rendering() -> None:
    render = render_module()
    assert render.CHART.exists()
    assert render.RENDERED == CLUSTER / "nats.rendered.yaml"
    fresh = render.render()
    assert fresh == render.RENDERED.read_text(encoding="utf-8"), (
        "nats.rendered.yaml is stale: uv run --locked python deploy/k8s/nats/render.py"
    )
    kinds = sorted(d["kind"] for d in yaml.safe_load_all(fresh) if d)
    assert kinds == sorted(
        ["ConfigMap", "Service", "Service", "PodDisruptionBudget", "ServiceAccount", "StatefulSet"]
    ), "no nats-box, no test pod, no PodMonitor (the observability component owns those)"


# -- the cluster -------------------------------------------------------------------------------


def test_production_runs_three_servers_with_routes_over_tls(production: list[dict[str, Any]]) -> None:
    sts = one(production, "StatefulSet", "nats")
    assert sts["spec"]["replicas"] == REPLICAS
    jobs = [o for o in production if o["kind"] == "Job"]
    assert jobs, "the migrations Jobs are there: the check below looks at real Jobs"
    streams_jobs = [
        o["metadata"]["name"]
        for o in jobs
        if o["metadata"]["labels"].get("app.kubernetes.io/component") == "streams"
        or any(
            "tsunagu streams" in " ".join(c.get("command", []) + c.get("args", []))
            or "tsunagu consumers" in " ".join(c.get("command", []) + c.get("args", []))
            for c in o["spec"]["template"]["spec"]["containers"]
        )
    ]
    assert not streams_jobs, "NACK, not the streams job, owns the streams and consumers"
    conf = nats_conf(production)
    headless = sts["spec"]["serviceName"]
    routes = re.findall(r'"(tls://[^"]+)"', conf)
    assert routes == [f"tls://nats-{i}.{headless}:6222" for i in range(REPLICAS)]
    cluster = conf[conf.index('"cluster"') : conf.index('"http_port"')]
    for key in ("cert_file", "key_file", "ca_file"):
        assert f'"{key}"' in cluster, f"routes without {key}"
    client_tls = conf[conf.index('"tls": {', conf.index('"server_name"')) :]
    for key in ("cert_file", "key_file", "ca_file"):
        assert f'"{key}"' in client_tls, f"client port without {key}"
    ports = {p["name"]: p["containerPort"] for p in sts["spec"]["template"]["spec"]["containers"][0]["ports"]}
    assert ports == {"nats": 4222, "cluster": 6222, "monitor": 8222}


def test_the_client_port_starts_tls_first_as_the_production_config(production: list[dict[str, Any]]) -> None:
    """The kit's clients send the TLS ClientHello as their first bytes (ADR 0025): a client port that
    sends INFO in clear first never completes their handshake."""
    conf = nats_conf(production)
    blocks = {
        cert: body
        for body in re.findall(r'"tls":\s*\{([^{}]*)\}', conf)
        for cert in re.findall(r'"cert_file":\s*"([^"]+)"', body)
    }
    client = blocks["/etc/nats-certs/nats/tls.crt"]
    production_conf = NATS_CONF.read_text(encoding="utf-8")
    match = re.search(r'\btls\s*\{[^{}]*handshake_first:\s*"([^"]+)"', production_conf)
    assert match, "deploy/nats/nats-server.conf starts TLS first"
    assert json_value(client, "handshake_first") == match.group(1)
    routes = blocks["/etc/nats-certs/cluster/tls.crt"]
    assert "handshake_first" not in routes, "routes are between servers, which do not start TLS first"


def test_jetstream_keeps_the_production_limits(production: list[dict[str, Any]]) -> None:
    conf = nats_conf(production)
    assert json_value(conf, "sync_interval") == "always"
    assert json_value(conf, "store_dir") == "/data"
    assert size_bytes(json_value(conf, "max_file_store")) == size_bytes(max_file_store())
    sts = one(production, "StatefulSet", "nats")
    [claim] = sts["spec"]["volumeClaimTemplates"]
    assert size_bytes(claim["spec"]["resources"]["requests"]["storage"]) > size_bytes(max_file_store())
    mounts = {
        m["name"]: m["mountPath"] for m in sts["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    }
    assert mounts[claim["metadata"]["name"]] == "/data"


def test_a_disruption_budget_keeps_the_quorum(production: list[dict[str, Any]]) -> None:
    sts = one(production, "StatefulSet", "nats")
    [pdb] = [
        o
        for o in production
        if o["kind"] == "PodDisruptionBudget"
        and o["spec"]["selector"]["matchLabels"] == sts["spec"]["selector"]["matchLabels"]
    ]
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": pdb["spec"]["selector"]}
    spread = {t["topologyKey"]: t for t in sts["spec"]["template"]["spec"]["topologySpreadConstraints"]}
    assert spread["kubernetes.io/hostname"]["whenUnsatisfiable"] == "DoNotSchedule"
    assert "topology.kubernetes.io/zone" in spread
    for constraint in spread.values():
        assert constraint["labelSelector"]["matchLabels"] == sts["spec"]["selector"]["matchLabels"]


def test_the_server_image_is_the_version_the_tests_run(production: list[dict[str, Any]]) -> None:
    container = one(production, "StatefulSet", "nats")["spec"]["template"]["spec"]["containers"][0]
    version = nats_server_version(nats_server_binary())
    assert version is not None
    assert container["image"] == "nats:{}.{}.{}-alpine".format(*version)


def test_gomemlimit_is_below_the_memory_limit(production: list[dict[str, Any]]) -> None:
    container = one(production, "StatefulSet", "nats")["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    limit = size_bytes(container["resources"]["limits"]["memory"])
    gomemlimit = size_bytes(env["GOMEMLIMIT"]["value"].replace("MiB", "Mi").replace("GiB", "Gi"))
    assert 0.8 * limit <= gomemlimit <= 0.9 * limit, (gomemlimit, limit)


def test_the_servers_have_the_production_users_and_permissions(production: list[dict[str, Any]]) -> None:
    auth = (CLUSTER / "tsunagu-auth.conf").read_text(encoding="utf-8")
    production_conf = NATS_CONF.read_text(encoding="utf-8")
    assert auth == production_conf[production_conf.index(PERMISSIONS_MARKER) :], (
        "tsunagu-auth.conf must be the permission part of deploy/nats/nats-server.conf"
    )
    sts = one(production, "StatefulSet", "nats")
    pod = sts["spec"]["template"]["spec"]
    container = pod["containers"][0]
    include = re.search(r"include ([^;]+);", nats_conf(production))
    assert include
    # The include is relative to the chart's configuration, mounted at /etc/nats-config.
    included = (Path("/etc/nats-config") / include.group(1)).resolve()
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volume = next(v for v in pod["volumes"] if v["name"] == mounts[str(included.parent)])
    config_map = one(production, "ConfigMap", volume["configMap"]["name"])
    assert config_map["data"][included.name] == auth
    passwords = {
        e["valueFrom"]["secretKeyRef"]["key"]
        for e in container["env"]
        if e.get("valueFrom", {}).get("secretKeyRef", {}).get("name") == "tsunagu-nats-auth"
    }
    assert passwords == {"admin", *SERVICES}


# -- TLS ---------------------------------------------------------------------------------------


def certificate_of(production: list[dict[str, Any]]) -> dict[str, Any]:
    return one(production, "Certificate", "nats-server")


def test_the_certificate_names_every_address_dialled(production: list[dict[str, Any]]) -> None:
    cert = certificate_of(production)["spec"]
    sts = one(production, "StatefulSet", "nats")
    tls_secrets = {
        v["secret"]["secretName"]
        for v in sts["spec"]["template"]["spec"]["volumes"]
        if v["name"] in ("nats-tls", "cluster-tls")
    }
    assert tls_secrets == {cert["secretName"]}
    assert {"server auth", "client auth"} <= set(cert["usages"]), "routes present it as clients too"
    names = cert["dnsNames"]
    route_hosts = [
        re.match(r"tls://([^:]+):", r).group(1) for r in re.findall(r'"(tls://[^"]+)"', nats_conf(production))
    ]  # type: ignore[union-attr]
    account = one(production, "Account")
    nack_hosts = [re.match(r"tls://([^:]+):", s).group(1) for s in account["spec"]["servers"]]  # type: ignore[union-attr]
    for host in [*route_hosts, *nack_hosts, "nats", f"nats-{REPLICAS + 1}.nats-headless"]:
        assert any(fnmatch(host, n) and host.count(".") == n.count(".") for n in names), host
    example = load_yaml_documents(K8S / "cert-manager" / "nats-ca-issuer.example.yaml")
    issuer = cert["issuerRef"]
    assert any(d["kind"] == issuer["kind"] and d["metadata"]["name"] == issuer["name"] for d in example)


def test_servers_and_nack_trust_the_same_ca_bundle(production: list[dict[str, Any]]) -> None:
    sts = one(production, "StatefulSet", "nats")
    [ca] = [v for v in sts["spec"]["template"]["spec"]["volumes"] if v["name"] == "tls-ca"]
    account = one(production, "Account")["spec"]
    assert ca["secret"]["secretName"] == account["tls"]["secret"]["name"] == "tsunagu-nats-ca"
    assert account["tls"]["ca"] == "ca.crt"
    assert '"/etc/nats-ca-cert/ca.crt"' in nats_conf(production)


def _pem_pair(tmp: Path, name: str, *, issuer: tuple[Any, Any] | None, dns: list[str]) -> tuple[Any, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    signer_cert, signer_key = issuer if issuer else (None, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_cert.subject if signer_cert else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        ).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    cert = builder.sign(signer_key, hashes.SHA256())
    (tmp / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / f"{name}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert, key


def test_the_rendered_configuration_passes_the_server_check(
    production: list[dict[str, Any]], tmp_path: Path
) -> None:
    """The chart's nats.conf, its include and certificates laid out as the pod mounts them (under
    a temporary root), checked by the nats-server version the image runs."""
    sts = one(production, "StatefulSet", "nats")
    pod = sts["spec"]["template"]["spec"]
    mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    root = tmp_path / "root"
    volumes = {v["name"]: v for v in pod["volumes"]}
    certs = tmp_path / "pki"
    certs.mkdir()
    ca = _pem_pair(certs, "ca", issuer=None, dns=[])
    _pem_pair(certs, "server", issuer=ca, dns=certificate_of(production)["spec"]["dnsNames"])
    files: dict[str, bytes] = {}
    for name, path in mounts.items():
        volume = volumes.get(name, {})
        if "configMap" in volume:
            data = one(production, "ConfigMap", volume["configMap"]["name"])["data"]
            files |= {f"{path}/{k}": v.encode() for k, v in data.items()}
        elif "secret" in volume and volume["secret"]["secretName"] == "tsunagu-nats-ca":
            files[f"{path}/ca.crt"] = (certs / "ca.crt").read_bytes()
        elif "secret" in volume:
            files[f"{path}/tls.crt"] = (certs / "server.crt").read_bytes()
            files[f"{path}/tls.key"] = (certs / "server.key").read_bytes()
        else:
            (root / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
    # Absolute paths in the configuration, one pass (a mount's path may prefix another's).
    mounted = re.compile(
        '"(' + "|".join(re.escape(m) for m in sorted(mounts.values(), key=len, reverse=True)) + ")"
    )
    for path, data in files.items():
        text = mounted.sub(lambda m: f'"{root}{m.group(1)}', data.decode())
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    env = {f"NATS_{u.upper()}_PASSWORD": secrets.token_hex(24) for u in ("admin", *SERVICES)}
    env["SERVER_NAME"] = "nats-0"
    out = subprocess.run(
        [str(nats_server_binary()), "-t", "-c", str(root / "etc/nats-config/nats.conf")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "is valid" in out.stdout + out.stderr


# -- NACK --------------------------------------------------------------------------------------


def test_the_nack_resources_are_generated_from_the_contracts() -> None:
    files = nack_files(REPLICAS)
    for name, text in files.by_name().items():
        assert (NACK / name).read_text(encoding="utf-8") == text, (
            f"{name} is stale: tsunagu nack write deploy/k8s/components/nack --replicas {REPLICAS}"
        )
    listed = load_yaml_documents(NACK / "kustomization.yaml")[0]["resources"]
    assert set(files.by_name()) <= set(listed)


def test_production_declares_every_stream_and_consumer(production: list[dict[str, Any]]) -> None:
    streams = [o for o in production if o["kind"] == "Stream"]
    consumers = [o for o in production if o["kind"] == "Consumer"]
    assert sorted(s["spec"]["name"] for s in streams) == sorted(d.name for d in STREAMS)
    assert sorted((c["spec"]["streamName"], c["spec"]["durableName"]) for c in consumers) == sorted(
        (p.stream, p.name) for p in planned_consumers()
    )
    names = [o["metadata"]["name"] for o in (*streams, *consumers)]
    assert len(names) == len(set(names))
    account = one(production, "Account")
    for obj in (*streams, *consumers):
        assert obj["apiVersion"] == API_VERSION
        assert obj["spec"]["account"] == account["metadata"]["name"]
        assert obj["spec"]["preventDelete"] is True, "deleting the resource must keep the events"
        assert obj["metadata"]["namespace"] == "tsunagu"
    assert all(s["spec"]["replicas"] == REPLICAS for s in streams), "R3 streams in production"


def crd_schemas() -> dict[str, dict[str, Any]]:
    schemas = {}
    for crd in load_yaml_documents(NACK_CRDS):
        for version in crd["spec"]["versions"]:
            if f"{crd['spec']['group']}/{version['name']}" == API_VERSION:
                schemas[crd["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]
    return schemas


_TYPES = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "array": list,
    "object": dict,
    "number": (int, float),
}


def schema_problems(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """What an OpenAPI v3 (structural) schema refuses in ``value``: unknown fields, types, enums."""
    expected = schema.get("type")
    if (expected and not isinstance(value, _TYPES[expected])) or (
        expected == "integer" and isinstance(value, bool)
    ):
        return [f"{where}: {value!r} is not {expected}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in {schema['enum']}"]
    problems = []
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                problems.append(f"{where}.{key}: not a field of the CRD")
            else:
                problems += schema_problems(item, schema["properties"][key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += schema_problems(item, schema["items"], f"{where}[{i}]")
    return problems


def test_the_nack_resources_validate_against_nacks_crds(production: list[dict[str, Any]]) -> None:
    schemas = crd_schemas()
    assert {"Stream", "Consumer", "Account"} <= set(schemas)
    checked = [o for o in production if o["apiVersion"] == API_VERSION]
    problems = [
        p
        for o in checked
        for p in schema_problems(
            o["spec"], schemas[o["kind"]]["properties"]["spec"], f"{o['kind']}/{o['metadata']['name']}"
        )
    ]
    assert not problems, "\n".join(problems)
    assert len(checked) == 1 + len(STREAMS) + len(planned_consumers())


def test_the_crd_check_catches_an_unknown_field() -> None:
    schema = crd_schemas()["Consumer"]["properties"]["spec"]
    assert schema_problems({"ackWait": "30s", "maxDeliveries": 5}, schema, "c") == [
        "c.maxDeliveries: not a field of the CRD"
    ]
    assert schema_problems({"ackPolicy": "sometimes"}, schema, "c")


# How NACK's controller reads the resources (nats-io/nack v0.22.4, internal/controller:
# streamSpecToConfig, consumerSpecToConfig): durations through Go's time.ParseDuration, enums
# by name, an empty maxAge or filter left unset. Only the fields Tsunagu's resources use.

_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_go_duration(text: str) -> float:
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)", text)
    assert parts, f"not a Go duration: {text!r}"
    assert "".join(n + u for n, u in parts) == text, f"not a Go duration: {text!r}"
    return sum(float(n) * _GO_UNITS[u] for n, u in parts)


def stream_config_as_nack_reads(spec: dict[str, Any]) -> StreamConfig:
    return StreamConfig(
        name=spec["name"],
        description=spec.get("description"),
        subjects=spec["subjects"],
        retention=RetentionPolicy(spec.get("retention", "limits")),
        storage=StorageType(spec.get("storage", "memory")),
        discard=DiscardPolicy(spec.get("discard", "old")),
        max_age=parse_go_duration(spec["maxAge"]) if spec.get("maxAge") else None,
        max_bytes=spec.get("maxBytes", -1),
        duplicate_window=parse_go_duration(spec["duplicateWindow"]) if spec.get("duplicateWindow") else None,
        num_replicas=spec.get("replicas", 1),
    )


def consumer_config_as_nack_reads(spec: dict[str, Any]) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=spec["durableName"],
        description=spec.get("description"),
        deliver_policy=DeliverPolicy(spec.get("deliverPolicy", "all")),
        ack_policy=AckPolicy(spec.get("ackPolicy", "none")),
        ack_wait=parse_go_duration(spec.get("ackWait", "1ns")),
        max_deliver=spec.get("maxDeliver"),
        max_ack_pending=spec.get("maxAckPending"),
        filter_subject=spec.get("filterSubject"),
        filter_subjects=spec.get("filterSubjects"),
    )


def set_fields(config: Any) -> dict[str, Any]:
    """The fields a configuration gives a value (what the apply commands send), enums as values."""
    out = {}
    for key, value in vars(config).items():
        if value is None:
            continue
        out[key] = value.value if hasattr(value, "value") else value
    return out


def test_nack_streams_are_configured_as_streams_apply_would(production: list[dict[str, Any]]) -> None:
    by_name = {o["spec"]["name"]: o["spec"] for o in production if o["kind"] == "Stream"}
    for definition in STREAMS:
        sent = set_fields(applied_config(definition, None, REPLICAS))
        read = set_fields(stream_config_as_nack_reads(by_name[definition.name]))
        if definition.max_age_seconds == 0:
            # streams apply sends max_age 0 (no limit); NACK leaves it unset, JetStream's 0.
            assert sent.pop("max_age") == 0
        assert read == sent, definition.name


def test_nack_consumers_are_configured_as_consumers_apply_would(production: list[dict[str, Any]]) -> None:
    by_name = {o["spec"]["durableName"]: o["spec"] for o in production if o["kind"] == "Consumer"}
    for planned in planned_consumers():
        spec = by_name[planned.name]
        assert spec["streamName"] == planned.stream
        assert set_fields(consumer_config_as_nack_reads(spec)) == set_fields(planned.config()), planned.name


def test_the_go_durations_read_back() -> None:
    assert parse_go_duration("9600h") == 400 * 24 * 3600
    assert parse_go_duration("1m30.5s") == 90.5
    with pytest.raises(AssertionError):
        parse_go_duration("30 s")
