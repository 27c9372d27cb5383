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
SECRETS_DIR = "/run/secrets/tsunagu"


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def env_refs(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def secret_files(
    pod: dict[str, Any], container: dict[str, Any], mount_path: str
) -> dict[str, tuple[str, str]]:
    """The files of the projected volume ``container`` mounts (read-only) at ``mount_path``: path →
    (Secret, key). Optional sources included (their absent keys are simply no files)."""
    [mount] = [m for m in container.get("volumeMounts", []) if m["mountPath"] == mount_path]
    assert mount.get("readOnly") is True, f"{mount_path} is mounted read-only"
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    return {
        item["path"]: (source["secret"]["name"], item["key"])
        for source in volume["projected"]["sources"]
        if "secret" in source
        for item in source["secret"]["items"]
    }


def secret_settings(
    pod: dict[str, Any], container: dict[str, Any], prefix: str
) -> dict[str, tuple[str, str]]:
    """Where each secret setting of a container comes from, however it is given: variable name (upper
    case) → (Secret, key), from a ``secretKeyRef`` or from a file in the ``<PREFIX>SECRETS_DIR``."""
    env = env_refs(container)
    found = {
        name: (ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"])
        for name, ref in env.items()
        if isinstance(ref, dict) and "secretKeyRef" in ref
    }
    directory = env.get(f"{prefix}SECRETS_DIR")
    if directory:
        found |= {path.upper(): ref for path, ref in secret_files(pod, container, directory).items()}
    return found


def write_secrets_dir(
    pod: dict[str, Any],
    container: dict[str, Any],
    mount_path: str,
    values: dict[str, dict[str, str]],
    root: Path,
) -> Path:
    """The projected volume as the kubelet lays it out, from ``values`` (Secret → key → value): an
    optional key that is absent is no file, a required one must exist."""
    root.mkdir(parents=True)
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == mount_path]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    for source in volume["projected"]["sources"]:
        secret = source["secret"]
        for item in secret["items"]:
            value = values.get(secret["name"], {}).get(item["key"])
            if value is None:
                assert secret.get("optional"), f"Secret {secret['name']} key {item['key']} is required"
                continue
            (root / item["path"]).write_text(value, encoding="utf-8")
    return root


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
    # As the admin user, over TLS, password and CA from the secrets directory (none in the spec).
    assert env["TSUNAGU_NATS_URL"] == "tls://nats:4222"
    assert env["TSUNAGU_NATS_USER"] == "admin"
    assert env["TSUNAGU_SECRETS_DIR"] == SECRETS_DIR
    assert env["TSUNAGU_NATS_TLS_CA_FILE"] == f"{SECRETS_DIR}/nats-ca.crt"
    assert secret_files(pod, export, SECRETS_DIR) == {
        "tsunagu_nats_password": ("tsunagu-nats-auth", "admin"),
        "nats-ca.crt": ("tsunagu-nats-ca", "ca.crt"),
    }
    assert not [e for e in export["env"] if "valueFrom" in e], "no secret in the environment"
    assert export["image"].startswith("registry.example.org/tsunagu/cli:")
    # A pinned version of a well-known uploader, never a moving tag.
    repository, _, tag = upload["image"].partition(":")
    assert repository == "rclone/rclone"
    assert re.fullmatch(r"\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?", tag), upload["image"]
    upload_script = upload["command"][2]
    store = secret_files(pod, upload, "/run/secrets/backup-store")
    read = set(re.findall(r'\$store/([a-z-]+)"', upload_script))
    assert read == {"endpoint", "access-key-id", "secret-access-key", "region", "bucket"}
    assert {path: ref for path, ref in store.items()} == {k: ("tsunagu-backup-store", k) for k in read}
    assert not [e for e in upload["env"] if "secretKeyRef" in e.get("valueFrom", {})], "no secret in the spec"
    assert "set -eu" in upload_script, "a missing credential stops the upload"
    assert "--immutable" in upload_script
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
    prefix = "TSUNAGU_INTAKE_"
    assert env[f"{prefix}SECRETS_DIR"] == SECRETS_DIR
    assert not [e for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})], "secrets as files"
    mine = secret_settings(pod_spec(cronjob), container, prefix)
    services = secret_settings(pod_spec(intake), pod_spec(intake)["containers"][0], prefix)
    for name in (
        "TSUNAGU_INTAKE_VAULT_MASTER_KEY",
        "TSUNAGU_INTAKE_VAULT_KEY_ID",
        "TSUNAGU_INTAKE_VAULT_RETIRED_KEYS",
        "TSUNAGU_INTAKE_DATABASE_URL",
    ):
        assert mine[name] == services[name], f"{name}: the re-wrap must use the service's own"
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
        prefix = f"TSUNAGU_{service.upper()}_"
        env = env_refs(container)
        assert env[f"{prefix}SECRETS_DIR"] == SECRETS_DIR
        assert env[f"{prefix}ENVIRONMENT"] == "production"
        assert not [e for e in container["env"] if "valueFrom" in e], "secrets as files, literals else"
        assert secret_files(pod_spec(job), container, SECRETS_DIR) == {
            f"tsunagu_{service}_database_url": (f"tsunagu-{service}-db", "url")
        }, "the database URL and nothing else: migrating needs no broker, token or vault secret"


def run_migrations_job(service: str, database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The rendered Job's command and environment, its secrets directory laid out with
    ``database_url`` as the Secret's url, and a data directory of this machine."""
    job = migration_jobs()[service]
    pod = pod_spec(job)
    [container] = pod["containers"]
    env = resolve_container_env(container["env"], {}, external_secrets())
    prefix = f"TSUNAGU_{service.upper()}_"
    values = {f"tsunagu-{service}-db": {"url": database_url}}
    secrets_dir = write_secrets_dir(pod, container, env[f"{prefix}SECRETS_DIR"], values, tmp_path / "secrets")
    env[f"{prefix}SECRETS_DIR"] = str(secrets_dir)
    env[f"{prefix}DATA_DIR"] = str(tmp_path / "data")
    command = [sys.executable if part == "python" else part for part in container["command"]]
    return subprocess.run(
        command,
        env=process_env(env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
@pytest.mark.parametrize("service", SERVICES)
def test_the_migrations_job_migrates_the_services_database_once(service: str, tmp_path: Path) -> None:
    """As the Job runs it: environment=production, nothing but the database URL (from its secrets
    directory) given. Production refuses SQLite: this needs PostgreSQL."""
    if not os.environ.get("TSUNAGU_TEST_DATABASE_URL", "").strip():
        pytest.skip(
            "the Job runs with environment=production, which refuses SQLite: set TSUNAGU_TEST_DATABASE_URL"
        )
    with service_database(tmp_path, service) as database_url:

        def migrate() -> str:
            done = run_migrations_job(service, database_url, tmp_path / f"run{len(list(tmp_path.iterdir()))}")
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


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrations_job_refuses_sqlite(service: str, tmp_path: Path) -> None:
    """Production's one refusal that migrating keeps, and only it: nothing about NATS, tokens or a
    public address, which the Job does not give."""
    done = run_migrations_job(service, f"sqlite:///{(tmp_path / 'x.db').as_posix()}", tmp_path / "run")
    assert done.returncode == 2
    assert f"{service}: settings refused: " in done.stderr
    assert "database_url: production needs PostgreSQL" in done.stderr
    for other in ("jwt_jwks_url", "nats_url", "public_base_url", "vault"):
        assert other not in done.stderr, other
    assert not (tmp_path / "x.db").exists()


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


def reads_a_database_url(obj: dict[str, Any]) -> bool:
    """A workload given a database URL: as a variable, or as a file of a projected Secret volume."""
    pod = pod_spec(obj)
    files = [
        item["path"]
        for v in pod.get("volumes", [])
        for source in v.get("projected", {}).get("sources", [])
        for item in source.get("secret", {}).get("items", [])
    ]
    variables = [e["name"] for c in pod["containers"] for e in c.get("env", [])]
    return any(name.lower().endswith("_database_url") for name in [*files, *variables])


def test_cnpg_ca_is_mounted_where_every_database_client_reads_it(tmp_path: Path) -> None:
    objects = rendered_with_cnpg(tmp_path)
    clients = [
        o for o in objects if o["kind"] in ("Deployment", "Job", "CronJob") and reads_a_database_url(o)
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
