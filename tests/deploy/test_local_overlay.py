"""The local Kubernetes overlay: one NATS server with the production configuration, TLS included.

- The server's pod has, at the paths the configuration reads, the configuration itself and the
  certificate and key of the cert-manager Certificate ``nats-server``; laid out as the kubelet
  mounts them, ``nats-server -t`` accepts them.
- cert-manager's self-signed bootstrap is complete: a selfSigned Issuer signs the CA Certificate,
  whose Secret is what every client trusts (``tsunagu-nats-ca``, key ``ca.crt``) and what the CA
  Issuer signs with; that Issuer signs the server Certificate, for the names clients dial. The
  server Certificate is production's own (one shared component).
- The overlay gives no database, so it must not say ``environment=production`` (which refuses
  SQLite); the boot test (test_manifests_boot, ``k8s-local``) starts every service from it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from test_deploy_config import (
    NATS_CONF,
    NATS_TLS_CERT,
    NATS_TLS_KEY,
    WORKLOAD_KINDS,
    built_overlay,
    check_config,
    mount_sources,
    nats_env,
    pod_spec,
)
from tsunagu_cli.tls import generate_certificates

CLIENT_NAMES = {"nats", "nats.tsunagu", "nats.tsunagu.svc", "nats.tsunagu.svc.cluster.local"}
"""What the services and the streams job may dial the server by (they use ``nats``)."""

CA_SECRET = "tsunagu-nats-ca"
"""The clients' trust: key ``ca.crt`` of this Secret (the base's Deployments, the streams job)."""


@pytest.fixture(scope="module")
def local() -> list[dict[str, Any]]:
    return built_overlay("local")


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [found] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def mounted_files(
    objects: list[dict[str, Any]], pod: dict[str, Any], container: dict[str, Any]
) -> dict[str, Any]:
    """Each file the kubelet puts into ``container`` from ConfigMap, Secret and projected volumes,
    by path: ``("ConfigMap", name, key)`` or ``("Secret", name, key)``; a ConfigMap's content is
    taken from the rendering (its generated name included)."""
    files: dict[str, Any] = {}
    for path, kind, ref in mount_sources(pod, container):
        if kind == "configMap":
            data = one(objects, "ConfigMap", ref["name"]).get("data", {})
            items = ref.get("items") or [{"key": k, "path": k} for k in data]
            for item in items:
                files[f"{path}/{item['path']}"] = ("ConfigMap", ref["name"], item["key"])
        else:
            assert "items" in ref, f"Secret {ref['name']}: mount named keys, not the whole Secret"
            for item in ref["items"]:
                files[f"{path}/{item['path']}"] = ("Secret", ref["name"], item["key"])
    return files


def config_path(container: dict[str, Any]) -> str:
    command = container["command"]
    return str(command[command.index("--config") + 1])


def test_local_nats_reads_its_configuration_and_certificate_from_its_mounts(
    local: list[dict[str, Any]], tmp_path: Path
) -> None:
    sts = one(local, "StatefulSet", "nats")
    pod = pod_spec(sts)
    [container] = pod["containers"]
    files = mounted_files(local, pod, container)
    cert = one(local, "Certificate", "nats-server")["spec"]

    kind, config_map, key = files[config_path(container)]
    assert kind == "ConfigMap"
    text: str = one(local, "ConfigMap", config_map)["data"][key]
    assert text == NATS_CONF.read_text(encoding="utf-8"), "the production configuration, unchanged"
    assert files.get(NATS_TLS_CERT) == ("Secret", cert["secretName"], "tls.crt")
    assert files.get(NATS_TLS_KEY) == ("Secret", cert["secretName"], "tls.key")

    # As the kubelet lays the files out (the certificate: one for the names the Certificate asks
    # for), with the pod's /etc/nats moved under tmp_path: the server accepts the configuration.
    tls = generate_certificates(tmp_path / "issued", sorted(CLIENT_NAMES))
    issued = {"tls.crt": tls.server_cert, "tls.key": tls.server_key}
    root = tmp_path / "root"
    for path, (kind, _name, key) in files.items():
        host = root / PurePosixPath(path).relative_to("/")
        host.parent.mkdir(parents=True, exist_ok=True)
        host.write_text(text if kind == "ConfigMap" else issued[key].read_text(encoding="utf-8"))
    mount = str(PurePosixPath(config_path(container)).parent)
    here = root / PurePosixPath(config_path(container)).relative_to("/")
    here.write_text(text.replace(f'"{mount}/', f'"{root}{mount}/'), encoding="utf-8")
    out = check_config(here, nats_env())
    assert out.returncode == 0, out.stdout + out.stderr


def test_local_tls_is_cert_manager_s_self_signed_bootstrap(local: list[dict[str, Any]]) -> None:
    issuers = {o["metadata"]["name"]: o["spec"] for o in local if o["kind"] == "Issuer"}
    certificates = {o["metadata"]["name"]: o["spec"] for o in local if o["kind"] == "Certificate"}

    server = certificates["nats-server"]
    assert server["issuerRef"]["kind"] == "Issuer"
    ca_issuer = issuers[server["issuerRef"]["name"]]
    ca_secret = ca_issuer["ca"]["secretName"]
    assert ca_secret == CA_SECRET, "the CA Issuer signs with the CA the clients trust"
    [ca] = [c for c in certificates.values() if c["secretName"] == ca_secret]
    assert ca.get("isCA") is True
    assert ca["issuerRef"]["kind"] == "Issuer"
    assert issuers[ca["issuerRef"]["name"]] == {"selfSigned": {}}, "the root signs itself"
    assert set(server["dnsNames"]) >= CLIENT_NAMES
    assert "server auth" in server["usages"]

    # Every client of the broker trusts that Secret's ca.crt, and only that key of it (the
    # Secret also holds the CA's private key).
    clients = [o for o in local if o["kind"] in WORKLOAD_KINDS and o["metadata"]["name"] != "nats"]
    assert clients
    for obj in clients:
        pod = pod_spec(obj)
        container = pod["containers"][0]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        [ca_file] = [v for k, v in env.items() if k.endswith("NATS_TLS_CA_FILE")]
        mounted = mounted_files(local, pod, container)
        assert mounted[ca_file] == ("Secret", CA_SECRET, "ca.crt"), obj["metadata"]["name"]
        keys = {key for kind, name, key in mounted.values() if (kind, name) == ("Secret", CA_SECRET)}
        assert keys == {"ca.crt"}, f"{obj['metadata']['name']} mounts {sorted(keys)} of {CA_SECRET}"


def test_local_and_production_share_the_server_certificate(local: list[dict[str, Any]]) -> None:
    production = built_overlay("production")
    assert (
        one(local, "Certificate", "nats-server")["spec"]
        == one(production, "Certificate", "nats-server")["spec"]
    )
    # Production's CA is the operator's: the overlay makes no Issuer and no CA of its own.
    assert not [o for o in production if o["kind"] == "Issuer"]
    assert [o["metadata"]["name"] for o in production if o["kind"] == "Certificate"] == ["nats-server"]


def test_local_overlay_without_a_database_is_not_production(local: list[dict[str, Any]]) -> None:
    [config] = [
        o for o in local if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("tsunagu-config")
    ]
    for obj in local:
        if obj["kind"] != "Deployment":
            continue
        container = pod_spec(obj)["containers"][0]
        env = {e["name"] for e in container.get("env", [])}
        files = mounted_files(local, pod_spec(obj), container)
        prefix = f"TSUNAGU_{obj['metadata']['name'].upper()}_"
        assert f"{prefix}DATABASE_URL" not in env
        assert not [p for p in files if p.endswith(f"/{prefix.lower()}database_url")]
    assert config["data"]["environment"] == "local", "SQLite in each pod: production would refuse it"
