"""Backups, migrations as Jobs, and PostgreSQL in the cluster: what the components promise.

- ``components/backups`` (in the production overlay): the events backup CronJob exports exactly
  the contract's streams as the NATS admin user and uploads with a pinned image, credentials from a
  Secret; the vault re-wrap CronJob runs intake's ``rewrap-keys`` with intake's vault settings; the
  network policies let each reach what it needs. (Their hardening: ``test_deploy_config``.)
- ``components/migrations`` (in the production overlay): a Job per service, its image the
  Deployment's, running ``python -m tsunagu_<service> migrate``; run here as a process with the
  environment the rendered Job gives it, it migrates the service's database, and a second run
  changes nothing.
- ``components/postgres-cnpg`` (not in any overlay): rendered on top of the production overlay;
  its roles, databases and grants are compose's init script's, statement for statement; TLS only;
  a ScheduledBackup of the cluster; its backup retention is the vault's; every pod that connects
  mounts the CA where the database URL's ``sslrootcert`` points.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from test_deploy_config import K8S, SERVICES, built_overlay, load_yaml_documents, pod_spec
from test_manifests_boot import external_secrets, process_env, resolve_container_env, service_database
from tsunagu_contracts import STREAMS

ROOT = Path(__file__).resolve().parents[2]
INITDB = ROOT / "deploy" / "compose" / "initdb" / "01-databases.sql"
CNPG = K8S / "components" / "postgres-cnpg"
CA_DIR = "/etc/tsunagu/postgres-ca"


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def env_refs(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


# -- backups -----------------------------------------------------------------------------------


def test_the_events_backup_exports_every_stream_as_admin_and_uploads_with_a_pinned_image() -> None:
    objects = built_overlay("production")
    cronjob = by_kind(objects, "CronJob")["tsunagu-events-backup"]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    pod = pod_spec(cronjob)
    [export] = pod["initContainers"]
    [upload] = pod["containers"]
    script = export["command"][2]
    exported = re.findall(r"\bTSUNAGU_[A-Z]+\b", script.split("for stream in", 1)[1].split(";", 1)[0])
    assert exported == [s.name for s in STREAMS], "the backup exports exactly the contract's streams"
    assert "tsunagu events export --stream" in script
    assert "set -eu" in script, "a failed export fails the Job before anything is uploaded"
    env = env_refs(export)
    assert env["NATS_ADMIN_PASSWORD"]["secretKeyRef"] == {"name": "tsunagu-nats-auth", "key": "admin"}
    assert env["TSUNAGU_NATS_URL"] == "nats://admin:$(NATS_ADMIN_PASSWORD)@nats:4222"
    assert export["image"].startswith("registry.example.org/tsunagu/cli:")
    # A pinned version of a well-known uploader, never a moving tag.
    repository, _, tag = upload["image"].partition(":")
    assert repository == "rclone/rclone"
    assert re.fullmatch(r"\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?", tag), upload["image"]
    upload_env = env_refs(upload)
    for name in ("RCLONE_CONFIG_STORE_ACCESS_KEY_ID", "RCLONE_CONFIG_STORE_SECRET_ACCESS_KEY", "BUCKET"):
        assert upload_env[name]["secretKeyRef"]["name"] == "tsunagu-backup-store", name
    assert "--immutable" in upload["command"][2]
    mounts = {m["mountPath"]: m for m in upload["volumeMounts"]}
    assert mounts["/backup"].get("readOnly") is True


def test_the_vault_rewrap_runs_intakes_command_with_intakes_vault_settings() -> None:
    objects = built_overlay("production")
    cronjob = by_kind(objects, "CronJob")["tsunagu-intake-rewrap-keys"]
    [container] = pod_spec(cronjob)["containers"]
    assert container["command"] == ["python", "-m", "tsunagu_intake", "rewrap-keys"]
    intake = by_kind(objects, "Deployment")["intake"]
    assert container["image"] == pod_spec(intake)["containers"][0]["image"]
    env = env_refs(container)
    service_env = env_refs(pod_spec(intake)["containers"][0])
    for name in (
        "TSUNAGU_INTAKE_VAULT_MASTER_KEY",
        "TSUNAGU_INTAKE_VAULT_KEY_ID",
        "TSUNAGU_INTAKE_VAULT_RETIRED_KEYS",
        "TSUNAGU_INTAKE_DATABASE_URL",
    ):
        assert env[name] == service_env[name], f"{name}: the re-wrap must use the service's own"
    assert "TSUNAGU_INTAKE_VAULT_BACKUP_RETENTION_DAYS" in env
    from tsunagu_intake.cli import app

    assert "rewrap-keys" in {c.name for c in app.registered_commands}


def test_network_policies_let_the_jobs_reach_what_they_need() -> None:
    objects = built_overlay("production")
    policies = by_kind(objects, "NetworkPolicy")

    def selects(policy: dict[str, Any], component: str) -> bool:
        selector = policy["spec"]["podSelector"]
        if selector.get("matchLabels", {}).get("app.kubernetes.io/component") == component:
            return True
        return any(
            e["key"] == "app.kubernetes.io/component" and component in e["values"]
            for e in selector.get("matchExpressions", [])
        )

    def egress_ports(component: str) -> set[int]:
        return {
            p["port"]
            for policy in policies.values()
            if "Egress" in policy["spec"]["policyTypes"] and selects(policy, component)
            for rule in policy["spec"].get("egress", [])
            for p in rule.get("ports", [])
        }

    assert {4222, 443} <= egress_ports("backup")
    assert 5432 in egress_ports("migrations")
    assert 5432 in egress_ports("maintenance")
    nats_from = policies["nats-ingress"]["spec"]["ingress"][0]["from"][0]["podSelector"]["matchExpressions"][
        0
    ]
    assert "backup" in nats_from["values"]
    for name, cronjob in by_kind(objects, "CronJob").items():
        labels = cronjob["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/component"] in ("backup", "maintenance"), name


# -- migrations --------------------------------------------------------------------------------


def migration_jobs() -> dict[str, dict[str, Any]]:
    return {
        o["metadata"]["labels"]["tsunagu/service"]: o
        for o in built_overlay("production")
        if o["kind"] == "Job" and o["metadata"]["labels"].get("app.kubernetes.io/component") == "migrations"
    }


def test_every_service_has_a_migrations_job_with_its_own_image_and_database() -> None:
    objects = built_overlay("production")
    jobs = migration_jobs()
    assert set(jobs) == set(SERVICES)
    deployments = by_kind(objects, "Deployment")
    for service, job in jobs.items():
        [container] = pod_spec(job)["containers"]
        assert container["command"] == ["python", "-m", f"tsunagu_{service}", "migrate"]
        assert container["image"] == pod_spec(deployments[service])["containers"][0]["image"]
        url = env_refs(container)[f"TSUNAGU_{service.upper()}_DATABASE_URL"]
        assert url["secretKeyRef"] == {"name": f"tsunagu-{service}-db", "key": "url"}


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_the_migrations_job_migrates_the_services_database_once(service: str, tmp_path: Path) -> None:
    """The rendered Job's command and environment, with this machine's database and data directory."""
    [container] = pod_spec(migration_jobs()[service])["containers"]
    env = resolve_container_env(container["env"], {}, external_secrets())
    prefix = f"TSUNAGU_{service.upper()}_"
    with service_database(tmp_path, service) as database_url:
        env[f"{prefix}DATABASE_URL"] = database_url
        env[f"{prefix}DATA_DIR"] = str(tmp_path / "data")
        command = [sys.executable if part == "python" else part for part in container["command"]]

        def migrate() -> str:
            done = subprocess.run(
                command,
                env=process_env(env),
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
                stdin=subprocess.DEVNULL,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            return done.stdout

        assert f"{service}: migrated from (empty) to " in migrate()
        engine = sa.create_engine(database_url)
        try:
            tables = set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()
        assert {"alembic_version", "tsunagu_outbox", "tsunagu_inbox"} <= tables
        assert any(t.startswith(f"{service}_") for t in tables), f"{service}'s own tables: {sorted(tables)}"
        assert f"{service}: already at " in migrate()


# -- PostgreSQL in the cluster (CloudNativePG) -------------------------------------------------


def rendered_with_cnpg(tmp_path: Path) -> list[dict[str, Any]]:
    """The production overlay with the postgres-cnpg component, as an operator would add it."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: overlays are not built here")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    k8s = os.path.relpath(K8S, overlay)
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "namespace": "tsunagu",
                "resources": [f"{k8s}/overlays/production"],
                "components": [f"{k8s}/components/postgres-cnpg"],
            }
        )
    )
    out = subprocess.run(
        [kubectl, "kustomize", "--load-restrictor", "LoadRestrictionsNone", str(overlay)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def sql_statements(statements: list[str]) -> list[str]:
    """Statements without passwords (they come from Secrets in one, the environment in the other)."""
    return [re.sub(r"\s+PASSWORD\s+:'\w+'", "", s.strip().rstrip(";")) for s in statements]


def initdb_statements() -> list[str]:
    text = INITDB.read_text(encoding="utf-8")
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith(("--", "\\"))
    ]
    statements = sql_statements(" ".join(lines).split(";")[:-1])
    # The guard against an empty password file is psql's own (gset, if): it creates nothing.
    return [s for s in statements if "password_missing" not in s]


def test_cnpg_cluster_makes_composes_roles_databases_and_grants(tmp_path: Path) -> None:
    objects = rendered_with_cnpg(tmp_path)
    cluster = by_kind(objects, "Cluster")["tsunagu-pg"]
    spec = cluster["spec"]
    initdb = spec["bootstrap"]["initdb"]
    # The bootstrap database and owner, then postInitSQL, make what compose's script makes.
    made = [
        f"CREATE ROLE {initdb['owner']} LOGIN",
        f"CREATE DATABASE {initdb['database']} OWNER {initdb['owner']}",
        *sql_statements(initdb["postInitSQL"]),
    ]
    assert sorted(made) == sorted(initdb_statements())
    assert len(initdb_statements()) == 3 * len(SERVICES)
    managed = {r["name"]: r for r in spec["managed"]["roles"]}
    for service in SERVICES:
        role = f"tsunagu_{service}"
        if role == initdb["owner"]:
            assert initdb["secret"]["name"] == f"tsunagu-pg-{service}"
            continue
        assert managed[role]["passwordSecret"]["name"] == f"tsunagu-pg-{service}"
        assert managed[role]["login"] is True
        assert managed[role]["superuser"] is False
    assert spec["instances"] >= 3
    hba = spec["postgresql"]["pg_hba"]
    assert hba[:2] == ["hostnossl all all 0.0.0.0/0 reject", "hostnossl all all ::/0 reject"], "TLS only"
    assert spec["plugins"][0]["isWALArchiver"] is True


def test_cnpg_backups_are_scheduled_and_kept_as_long_as_the_vaults_keys(tmp_path: Path) -> None:
    objects = rendered_with_cnpg(tmp_path)
    [backup] = by_kind(objects, "ScheduledBackup").values()
    assert backup["spec"]["cluster"]["name"] == "tsunagu-pg"
    assert backup["spec"]["method"] == "plugin"
    assert len(backup["spec"]["schedule"].split()) == 6, "CloudNativePG's schedule has seconds first"
    [store] = by_kind(objects, "ObjectStore").values()
    assert (
        store["metadata"]["name"]
        == by_kind(objects, "Cluster")["tsunagu-pg"]["spec"]["plugins"][0]["parameters"]["barmanObjectName"]
    )
    [backups_config] = [
        o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("tsunagu-backups")
    ]
    days = backups_config["data"]["vault-backup-retention-days"]
    assert store["spec"]["retentionPolicy"] == f"{days}d", "erasures reach every backup once its KEK is gone"


def test_cnpg_ca_is_mounted_where_every_database_client_reads_it(tmp_path: Path) -> None:
    objects = rendered_with_cnpg(tmp_path)
    clients = [
        o
        for o in objects
        if o["kind"] in ("Deployment", "Job", "CronJob")
        and any(
            e["name"].endswith("_DATABASE_URL") for c in pod_spec(o)["containers"] for e in c.get("env", [])
        )
    ]
    assert len(clients) == 2 * len(SERVICES) + 1, "the services, their migrations and the re-wrap"
    for obj in clients:
        pod = pod_spec(obj)
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["postgres-ca"]["secret"]["secretName"] == "tsunagu-pg-ca", obj["metadata"]["name"]
        mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        assert mounts["postgres-ca"] == CA_DIR, obj["metadata"]["name"]
    documented = (CNPG / "kustomization.yaml").read_text(encoding="utf-8")
    assert f"sslmode=verify-full&sslrootcert={CA_DIR}/ca.crt" in documented


def test_cnpg_component_is_not_in_the_production_overlay() -> None:
    production = load_yaml_documents(K8S / "overlays" / "production" / "kustomization.yaml")[0]
    assert not any("postgres-cnpg" in c for c in production["components"])
    assert any("postgres-external" in c for c in production["components"])
