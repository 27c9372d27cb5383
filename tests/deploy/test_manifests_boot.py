"""Shipped manifests boot: all five services, with the environment and the secret files their
rendered manifests give them, start against the production NATS configuration (TLS, accounts,
permissions) once the operator's step has run; every one reports ready, and a home-visit request
recorded by intake reaches scheduling through the broker.

Table-driven: ``BOOTED`` lists the services, ``DEPLOYMENTS`` where their environment comes from:

- ``compose``: ``deploy/compose/compose.yaml``, its ``${VAR}`` references filled from a test
  ``.env`` (every key of ``.env.example``: its value where it has one, a generated secret where
  it is empty), the way ``docker compose`` interpolates them; its ``secrets`` written as the files
  compose mounts (each from its .env variable, the CA from the generated certificates); on
  PostgreSQL, the databases made by the shipped init SQL (``deploy/compose/initdb``) run with psql;
- ``k8s-local`` and ``k8s-production``: the overlay rendered by ``kubectl kustomize``, each
  container's ``env`` resolved as the kubelet does (``value`` with ``$(VAR)`` references,
  ConfigMap and Secret keys from the rendering), and its Secret and projected volumes written as
  the kubelet would mount them (Secrets the overlay expects to exist beforehand from test values,
  the NATS CA the test server's; optional sources that resolve to nothing left out).

Per deployment: nats-server with the production configuration and the NATS container's rendered
passwords, then the operator's step, the command of the compose ``streams`` one-shot or of the
``tsunagu-streams`` Job, with its rendered environment and files (where NACK replaces the Job, the
commands that send the NACK resources' configurations, as NACK's user); then each service as
``python -m tsunagu_<service>`` (the image's command), all five at once, until ``/readyz``
answers 200.

What the test replaces is this machine's addresses and nothing else: the NATS host and port (user,
password file and CA setting stay the manifest's; the CA file holds the test server's CA), the
database (compose: the init SQL's databases on the test server; Kubernetes: a fresh PostgreSQL
database, or SQLite where the manifest gives none), the data directory, the HTTP host and port, and
addresses outside this machine (the trace collector is dropped; the OIDC provider's JWKS URL points
at one the test serves on the loopback, signing the test's tokens as the provider would). Mounted
paths move under a temporary root. ``ENVIRONMENT``, ``MANAGE_STREAMS``, ``MANAGE_CONSUMERS``, vault
keys, token settings and the rest are the manifest's own, and a secret found in a service's
environment rather than in a file fails the test.

Services whose manifest says ``ENVIRONMENT=production`` refuse SQLite: without
``TSUNAGU_TEST_DATABASE_URL`` (PostgreSQL) they cannot be booted, and the test says so as a skip.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy.engine import make_url
from test_deploy_config import (
    COMPOSE,
    SERVICES,
    ProductionNats,
    built_overlay,
    compose,
    mount_sources,
    nats_env,
    running_production_nats,
)
from tsunagu_servicekit.http.auth import Authenticator
from tsunagu_servicekit.natsserver import free_port
from tsunagu_servicekit.testing.databases import temporary_postgres_database

pytestmark = pytest.mark.slow

BOOTED: tuple[str, ...] = SERVICES
"""The services booted from the manifests: every one."""

NATS_HOST = "nats:4222"
"""Where the manifests' services and operator step reach the broker (compose and Kubernetes)."""

READY_WITHIN = 90.0
INITDB = COMPOSE.parent / "initdb" / "01-databases.sql"
FLOW_WITHIN = 30.0
SHINJUKU = "131041"
OPERATOR_STEP_WITHIN = 60.0
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Container:
    """What the manifests give one container: its environment, resolved, and the secret files
    mounted into it, by path inside the container (content NATS_CA: the broker's CA, known once
    the test's server has its certificate)."""

    env: dict[str, str]
    files: dict[str, str]


@dataclass(frozen=True)
class Rendered:
    """What one deployment's manifests give each container."""

    nats_env: dict[str, str]
    operator_command: list[str]
    operator: Container
    services: dict[str, Container]
    initdb_files: dict[str, str]
    """Compose: the secret files PostgreSQL's init SQL reads (empty where the database is external)."""


NATS_CA = "<the NATS CA>"
"""Stands for the content of the CA that signed the broker's certificate."""


# -- compose -----------------------------------------------------------------------------------

_COMPOSE_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}")


def filled_dotenv() -> dict[str, str]:
    """A filled-in ``.env``: every key of ``.env.example`` with its value, and a generated secret
    for each empty one compose requires (``${X:?...}``); optional empty ones stay empty."""
    required = {
        m["name"] for m in _COMPOSE_VAR.finditer(COMPOSE.read_text(encoding="utf-8")) if m["op"] == ":?"
    }
    # Secrets compose takes from .env: each one required but the retired vault keys (none yet).
    required |= {s["environment"] for s in compose()["secrets"].values() if "environment" in s}
    required -= {"INTAKE_VAULT_RETIRED_KEYS"}
    values: dict[str, str] = {}
    for line in (COMPOSE.parent / ".env.example").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        if value or key not in required:
            values[key] = value
        elif key.endswith("_URL"):
            values[key] = "https://public.example.org"
        elif key == "INTAKE_VAULT_MASTER_KEY":
            values[key] = base64.b64encode(secrets.token_bytes(32)).decode()
        else:
            values[key] = secrets.token_hex(32)
    missing = required - set(values)
    assert not missing, f"compose requires {sorted(missing)}, which .env.example does not list"
    return values


def interpolate(text: str, variables: Mapping[str, str]) -> str:
    """Compose's interpolation of ``${X}``, ``${X:-default}`` and ``${X:?error}``."""

    def one(match: re.Match[str]) -> str:
        value = variables.get(match["name"], "")
        if match["op"] == ":-":
            return value or match["arg"]
        if match["op"] == ":?":
            assert value, f"compose would refuse to start: {match['arg']}"
        return value

    return _COMPOSE_VAR.sub(one, text)


def render_compose() -> Rendered:
    dotenv = filled_dotenv()
    spec = compose()
    services, top_secrets = spec["services"], spec["secrets"]

    def files_of(name: str) -> dict[str, str]:
        """The service's compose secrets, by path in the container: ``/run/secrets/<target>``,
        each holding its .env variable's value, or the generated CA file."""
        files: dict[str, str] = {}
        for entry in services[name].get("secrets", []):
            source, target = (entry, entry) if isinstance(entry, str) else (entry["source"], entry["target"])
            where = target if target.startswith("/") else f"/run/secrets/{target}"
            defined = top_secrets[source]
            if "environment" in defined:
                files[where] = dotenv.get(defined["environment"], "")
            else:
                assert defined["file"] == "./tls/ca.pem", f"{source}: a file the test does not know"
                files[where] = NATS_CA
        return files

    def container(name: str) -> Container:
        env = {k: interpolate(str(v), dotenv) for k, v in services[name].get("environment", {}).items()}
        return Container(env, files_of(name))

    # The server's passwords: its command exports each file of /run/secrets/nats as the variable
    # of the file's name (see compose.yaml); no password is in its environment.
    nats = container("nats")
    assert not any("PASSWORD" in k for k in nats.env), "NATS passwords in the container's environment"
    nats_env = {
        path.rsplit("/", 1)[1]: value
        for path, value in nats.files.items()
        if path.startswith("/run/secrets/nats/")
    }
    initdb = {p: v for p, v in container("postgres").files.items() if p.startswith("/run/secrets/initdb/")}
    return Rendered(
        nats_env=nats_env,
        operator_command=list(services["streams"]["command"]),
        operator=container("streams"),
        services={name: container(name) for name in BOOTED},
        initdb_files=initdb,
    )


# -- Kubernetes --------------------------------------------------------------------------------

_K8S_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def external_secrets() -> dict[str, dict[str, str]]:
    """Secrets an overlay expects to exist in the namespace beforehand (docs/deploy.md), with test
    values. ``tsunagu-<service>-db`` holds a placeholder: the database is always the test's."""
    nats_auth = {user: secrets.token_hex(32) for user in ("admin", *SERVICES)}
    return {
        "tsunagu-nats-auth": nats_auth,
        "tsunagu-nats-nack": {"user": "admin", "password": nats_auth["admin"]},
        "tsunagu-nats-ca": {"ca.crt": NATS_CA},
        "tsunagu-intake-vault": {"master-key": base64.b64encode(secrets.token_bytes(32)).decode()},
        "tsunagu-intake-pages": {"secret": secrets.token_urlsafe(48)},
        **{f"tsunagu-{s}-db": {"url": "postgresql+psycopg://replaced-by-the-test"} for s in SERVICES},
    }


def resolve_container_env(
    env: list[dict[str, Any]],
    config_maps: Mapping[str, Mapping[str, str]],
    secret_values: Mapping[str, Mapping[str, str]],
) -> dict[str, str]:
    """A container's environment as the kubelet builds it: in order, ``$(VAR)`` expanded from the
    variables before it, references to ConfigMap and Secret keys looked up, a missing optional
    reference left out, a missing required one an error (the pod would not start)."""
    resolved: dict[str, str] = {}
    for entry in env:
        name = entry["name"]
        if "value" in entry:
            resolved[name] = _K8S_REF.sub(lambda m: resolved.get(m[1], m[0]), str(entry["value"]))
            continue
        source = entry["valueFrom"]
        if "resourceFieldRef" in source or "fieldRef" in source:
            continue  # filled from the pod itself (GOMEMLIMIT): nothing a local process needs
        ref_kind, table = (
            ("configMapKeyRef", config_maps)
            if "configMapKeyRef" in source
            else ("secretKeyRef", secret_values)
        )
        ref = source[ref_kind]
        value = table.get(ref["name"], {}).get(ref["key"])
        if value is None:
            assert ref.get("optional"), f"{name}: {ref_kind} {ref['name']}/{ref['key']} does not exist"
            continue
        resolved[name] = value
    return resolved


def render_k8s(overlay: str) -> Rendered:
    objects = built_overlay(overlay)
    config_maps = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
    secret_values: dict[str, dict[str, str]] = external_secrets()
    for o in objects:
        if o["kind"] == "Secret":
            decoded = {k: base64.b64decode(v).decode() for k, v in o.get("data", {}).items()}
            secret_values[o["metadata"]["name"]] = {**decoded, **o.get("stringData", {})}

    def pod(kind: str, name: str) -> dict[str, Any]:
        [obj] = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
        spec: dict[str, Any] = obj["spec"]["template"]["spec"]
        return spec

    def container(kind: str, name: str) -> Container:
        spec = pod(kind, name)
        first = spec["containers"][0]
        env = resolve_container_env(first.get("env", []), config_maps, secret_values)
        return Container(env, mounted_secret_files(spec, first, secret_values))

    if any(o["kind"] == "Job" and o["metadata"]["name"] == "tsunagu-streams" for o in objects):
        operator_command = list(pod("Job", "tsunagu-streams")["containers"][0]["command"])
        operator = container("Job", "tsunagu-streams")
    else:
        operator_command, operator = nack_stand_in(objects, secret_values)
    return Rendered(
        # The server runs with the test's certificate (running_production_nats): only its
        # environment (the passwords) is taken.
        nats_env=resolve_container_env(
            pod("StatefulSet", "nats")["containers"][0].get("env", []), config_maps, secret_values
        ),
        operator_command=operator_command,
        operator=operator,
        services={name: container("Deployment", name) for name in BOOTED},
        initdb_files={},
    )


def mounted_secret_files(
    pod: Mapping[str, Any], container: Mapping[str, Any], secret_values: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """The files the kubelet would mount into ``container`` from Secret and projected volumes:
    each selected key at ``<mountPath>/<path>``; a missing Secret or key is left out where the
    source is optional and stops the pod (here: the test) where it is not."""
    files: dict[str, str] = {}
    for path, kind, secret in mount_sources(pod, container):
        if kind != "secret":
            continue
        values = secret_values.get(secret["name"])
        if values is None:
            assert secret.get("optional"), f"Secret {secret['name']} does not exist: the pod would not start"
            continue
        items = secret.get("items") or [{"key": k, "path": k} for k in values]
        for item in items:
            if item["key"] not in values:
                assert secret.get("optional"), f"Secret {secret['name']} has no key {item['key']}"
                continue
            files[f"{path}/{item['path']}"] = values[item["key"]]
    return files


def nack_stand_in(
    objects: list[dict[str, Any]], secret_values: Mapping[str, Mapping[str, str]]
) -> tuple[list[str], Container]:
    """Where NACK creates the streams and consumers (no streams job), the commands that send the
    same configurations (test_nats_cluster_manifests compares them field by field), as the user of
    NACK's Account. One replica: this test runs one server, the cluster's streams have three."""
    [account] = [o for o in objects if o["kind"] == "Account"]
    user_ref = account["spec"]["user"]
    login = secret_values[user_ref["secret"]["name"]]
    user, password = login[user_ref["user"]], login[user_ref["password"]]
    assert {o["kind"] for o in objects} >= {"Stream", "Consumer"}
    tls = account["spec"]["tls"]
    assert secret_values[tls["secret"]["name"]][tls["ca"]] == NATS_CA, (
        "NACK verifies the servers with their CA"
    )
    return (
        ["sh", "-c", "tsunagu streams apply --replicas 1 && tsunagu consumers apply"],
        Container(
            {
                "TSUNAGU_NATS_URL": f"tls://{NATS_HOST}",
                "TSUNAGU_NATS_USER": user,
                "TSUNAGU_NATS_PASSWORD": password,
                "TSUNAGU_NATS_TLS_CA_FILE": "/etc/nack/ca.crt",
            },
            {"/etc/nack/ca.crt": NATS_CA},
        ),
    )


DEPLOYMENTS: dict[str, Callable[[], Rendered]] = {
    "compose": render_compose,
    "k8s-local": lambda: render_k8s("local"),
    "k8s-production": lambda: render_k8s("production"),
}


# -- this machine's addresses ------------------------------------------------------------------


def on_loopback(url: str, port: int) -> str:
    assert url.count(f"{NATS_HOST}") == 1, f"the broker is no longer reached at {NATS_HOST}: update this test"
    return url.replace(NATS_HOST, f"{LOOPBACK}:{port}")


def materialize(container: Container, root: Path, ca: Path) -> dict[str, str]:
    """Write the container's secret files under ``root`` (``/run/secrets/x`` becomes
    ``<root>/run/secrets/x``) and return its environment with those paths moved there too."""
    for path, content in container.files.items():
        host = root / path.lstrip("/")
        host.parent.mkdir(parents=True, exist_ok=True)
        host.write_text(ca.read_text(encoding="utf-8") if content == NATS_CA else content, encoding="utf-8")
    mounted = {str(PurePosixPath(path).parent) for path in container.files}
    return {
        key: (f"{root}{value}" if any(value == d or value.startswith(f"{d}/") for d in mounted) else value)
        for key, value in container.env.items()
    }


def on_this_machine(
    service: str,
    container: Container,
    *,
    database_url: str,
    data_dir: Path,
    http_port: int,
    jwks_url: str,
) -> Container:
    """``container`` with this machine's addresses in place of the cluster's (see the module
    docstring); the database URL wherever the manifest gives it, variable or secret file."""
    prefix = f"TSUNAGU_{service.upper()}_"
    env = dict(container.env)
    files = dict(container.files)
    url_file = next((p for p in files if p.endswith(f"/{prefix.lower()}database_url")), None)
    if url_file is not None:
        files[url_file] = database_url
    elif f"{prefix}DATABASE_URL" in env:
        env[f"{prefix}DATABASE_URL"] = database_url
    env[f"{prefix}DATA_DIR"] = str(data_dir)
    env[f"{prefix}HTTP_HOST"] = LOOPBACK
    env[f"{prefix}HTTP_PORT"] = str(http_port)
    env.pop(f"{prefix}OTLP_ENDPOINT", None)
    if f"{prefix}JWT_JWKS_URL" in env:
        env[f"{prefix}JWT_JWKS_URL"] = jwks_url
    for key, value in env.items():
        if key.endswith(("_JWT_ISSUER", "_PUBLIC_BASE_URL", "_NATS_URL")):
            continue  # names compared with `iss` or printed in links; the broker is moved at start
        for host in re.findall(r"://(?:[^@/\s]*@)?([^:/\s]+)", value):
            assert host == LOOPBACK or value == database_url, f"{key} still points at {host}"
    return Container(env, files)


def with_broker(env: Mapping[str, str], variable: str, nats: ProductionNats) -> dict[str, str]:
    """``env`` reaching the test's broker: the manifest's URL on the loopback port, its CA file
    the test CA's copy (checked to be the manifest's own setting, not added here)."""
    out = dict(env)
    out[variable] = on_loopback(env[variable], nats.port)
    ca_variable = variable.replace("_NATS_URL", "_NATS_TLS_CA_FILE")
    assert ca_variable in env, f"the manifest gives no {ca_variable}: the client cannot verify the broker"
    assert out[variable].startswith("tls://") or ca_variable in env
    return out


def process_env(env: Mapping[str, str]) -> dict[str, str]:
    """A clean process environment: the manifest's variables, nothing of this shell's TSUNAGU_*."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    # The image's console scripts (`tsunagu`) are beside its Python.
    base["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), base.get("PATH", "")])
    return {**base, **env, "PYTHONUNBUFFERED": "1"}


@contextlib.contextmanager
def service_database(tmp_path: Path, service: str) -> Iterator[str]:
    server_url = os.environ.get("TSUNAGU_TEST_DATABASE_URL", "").strip()
    if not server_url:
        yield f"sqlite:///{(tmp_path / f'{service}.db').as_posix()}"
        return
    with temporary_postgres_database(server_url) as url:
        yield url


# -- processes ---------------------------------------------------------------------------------


def run_operator_step(rendered: Rendered, nats: ProductionNats, workdir: Path) -> None:
    env = with_broker(materialize(rendered.operator, workdir / "operator", nats.ca), "TSUNAGU_NATS_URL", nats)
    done = subprocess.run(
        rendered.operator_command,
        env=process_env(env),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=OPERATOR_STEP_WITHIN,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, f"the operator's step failed:\n{done.stdout}\n{done.stderr}"


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{LOOPBACK}:{port}/readyz", timeout=2) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def service_process(
    service: str, env: Mapping[str, str], log_file: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log_file.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", f"tsunagu_{service}"],
            env=process_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def log_tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# -- tokens as the deployment's issuer signs them -----------------------------------------------


class Issuer:
    """Mints bearer tokens the booted services accept: HS256 with the manifests' shared secret
    where they give one, else RS256 from a key whose JWKS this serves on the loopback (the OIDC
    provider's part). Issuer and audience are the manifests' own."""

    def __init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": "smoke", "use": "sig", "alg": "RS256"}]}).encode()

        class Jwks(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Jwks)
        self.jwks_url = f"http://{LOOPBACK}:{self._server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def bearer(self, env: Mapping[str, str], prefix: str, *roles: str, **ties: str) -> dict[str, str]:
        issuer, audience = env[f"{prefix}JWT_ISSUER"], env[f"{prefix}JWT_AUDIENCE"]
        if f"{prefix}JWT_JWKS_URL" in env:
            now = int(time.time())
            claims = {"iss": issuer, "aud": audience, "sub": "smoke-staff", "iat": now, "nbf": now}
            claims |= {"exp": now + 600, "roles": sorted(roles), "scope": "", **ties}
            token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": "smoke"})
        else:
            secret = (
                env.get(f"{prefix}JWT_SECRET")
                or (Path(env[f"{prefix}SECRETS_DIR"]) / f"{prefix.lower()}jwt_secret")
                .read_text(encoding="utf-8")
                .strip()
            )
            auth = Authenticator(secret=secret, issuer=issuer, audience=audience)
            token = auth.issue("smoke-staff", roles, **ties)
        return {"Authorization": f"Bearer {token}"}


# -- the test ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    deployment: str
    rendered: Rendered
    nats: ProductionNats


@pytest.fixture(scope="module", params=list(DEPLOYMENTS))
def platform(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """One deployment's broker, with the production configuration, after the operator's step."""
    rendered = DEPLOYMENTS[request.param]()
    store = tmp_path_factory.mktemp(f"nats-{request.param}")
    with running_production_nats(store, nats_env(**rendered.nats_env)) as nats:
        run_operator_step(rendered, nats, store)
        yield Platform(request.param, rendered, nats)


@dataclass(frozen=True)
class Booted:
    env: dict[str, str]
    port: int


def wait_ready(booted: Mapping[str, tuple[Booted, subprocess.Popen[bytes], Path]]) -> dict[str, float]:
    """Seconds each service took to answer ``/readyz`` 200, all started together."""
    started, took = time.monotonic(), {}
    while len(took) < len(booted):
        for service, (b, proc, log_file) in booted.items():
            if service in took:
                continue
            assert proc.poll() is None, f"{service} exited with {proc.returncode}:\n{log_tail(log_file)}"
            if ready(b.port):
                took[service] = time.monotonic() - started
        waiting = sorted(set(booted) - set(took))
        assert time.monotonic() - started < READY_WITHIN, (
            f"not ready in {READY_WITHIN}s: {waiting}\n"
            + "\n".join(f"-- {s}:\n{log_tail(booted[s][2])}" for s in waiting)
        )
        time.sleep(0.2)
    return took


def home_visit_crosses_to_scheduling(intake: Booted, scheduling: Booted, issuer: Issuer) -> None:
    """The cross-service flow: a municipality's home-visit request, recorded by intake, becomes
    scheduling's visits to schedule (intake's outbox → NATS → scheduling's consumer), and the
    municipality reads them there."""
    municipality = {"municipality": SHINJUKU}
    asks = issuer.bearer(intake.env, "TSUNAGU_INTAKE_", "municipality_staff", **municipality)
    reads = issuer.bearer(scheduling.env, "TSUNAGU_SCHEDULING_", "municipality_staff", **municipality)
    body = {
        "municipality_code": SHINJUKU,
        "person": {"nickname": "スモーク"},
        "residence_code": SHINJUKU,
        "age_years": 30,
        "visits_requested": 2,
        "consulter": "family",
    }
    with httpx.Client(base_url=f"http://{LOOPBACK}:{intake.port}", timeout=10) as ic:
        created = ic.post("/home-visit-requests", json=body, headers=asks)
    assert created.status_code == 201, created.text
    request_id = str(created.json().get("request_id") or created.json()["id"])
    deadline = time.monotonic() + FLOW_WITHIN
    with httpx.Client(base_url=f"http://{LOOPBACK}:{scheduling.port}", timeout=10) as sc:
        while True:
            visits = sc.get("/home-visits", params={"request_id": request_id}, headers=reads)
            assert visits.status_code == 200, visits.text
            if len(visits.json()) == 2:
                break
            assert time.monotonic() < deadline, f"scheduling has {len(visits.json())} of the 2 visits"
            time.sleep(0.2)
    assert {v["status"] for v in visits.json()} == {"to_schedule"}


@contextlib.contextmanager
def initialised_databases(rendered: Rendered, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Compose: the shipped init SQL (deploy/compose/initdb) run on the test's PostgreSQL as the
    image's entrypoint runs it, with the password files compose mounts; yields each service's
    database URL as its manifest gives it, on the test server's host and port. The roles and
    databases it creates (tsunagu_<service>) are dropped before and after."""
    server = make_url(os.environ["TSUNAGU_TEST_DATABASE_URL"].strip())
    psql = shutil.which("psql")
    assert psql, "psql runs the init SQL, as in the postgres image: install the PostgreSQL client"
    files = tmp_path / "initdb"
    sql = INITDB.read_text(encoding="utf-8")
    for path, value in rendered.initdb_files.items():
        host = files / path.rsplit("/", 1)[1]
        host.parent.mkdir(parents=True, exist_ok=True)
        host.write_text(value, encoding="utf-8")
        sql = sql.replace(path, str(host))
    (files / "01-databases.sql").write_text(sql, encoding="utf-8")
    connect = [psql, "-X", "-v", "ON_ERROR_STOP=1", "-h", str(server.host), "-p", str(server.port or 5432)]
    connect += ["-U", str(server.username or "postgres"), "-d", "postgres"]

    def drop() -> None:
        # One -c each: DROP DATABASE cannot run inside the transaction a multi-statement -c is.
        statements = [
            f"{what} IF EXISTS tsunagu_{s}{force}"
            for s in SERVICES
            for what, force in (("DROP DATABASE", " WITH (FORCE)"), ("DROP ROLE", ""))
        ]
        subprocess.run(
            [*connect, "-q", *(a for s in statements for a in ("-c", s))],
            check=True,
            capture_output=True,
            timeout=60,
        )

    drop()
    try:
        done = subprocess.run(
            [*connect, "-q", "-f", str(files / "01-databases.sql")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        where = f"@{server.host}:{server.port or 5432}/"
        yield {
            s: c.env[f"TSUNAGU_{s.upper()}_DATABASE_URL"].replace("@postgres:5432/", where)
            for s, c in rendered.services.items()
        }
    finally:
        drop()


def test_every_service_boots_ready_from_the_manifests_and_a_flow_crosses_them(
    platform: Platform, tmp_path: Path
) -> None:
    containers = platform.rendered.services
    production = any(
        c.env.get(f"TSUNAGU_{s.upper()}_ENVIRONMENT") == "production" for s, c in containers.items()
    )
    on_postgres = bool(os.environ.get("TSUNAGU_TEST_DATABASE_URL", "").strip())
    if production and not on_postgres:
        pytest.skip(
            "these manifests run environment=production, which refuses SQLite: set TSUNAGU_TEST_DATABASE_URL"
        )
    issuer = Issuer()
    with contextlib.ExitStack() as stack:
        stack.callback(issuer.close)
        if platform.rendered.initdb_files and on_postgres:
            databases = stack.enter_context(initialised_databases(platform.rendered, tmp_path))
        else:
            databases = {s: stack.enter_context(service_database(tmp_path, s)) for s in BOOTED}
        booted: dict[str, tuple[Booted, subprocess.Popen[bytes], Path]] = {}
        for service in BOOTED:
            data_dir = tmp_path / service / "data"
            data_dir.mkdir(parents=True)  # the container's volume
            here = on_this_machine(
                service,
                containers[service],
                database_url=databases[service],
                data_dir=data_dir,
                http_port=free_port(),
                jwks_url=issuer.jwks_url,
            )
            env = with_broker(
                materialize(here, tmp_path / service / "root", platform.nats.ca),
                f"TSUNAGU_{service.upper()}_NATS_URL",
                platform.nats,
            )
            assert not {k for k in env if k.endswith(("_PASSWORD", "_SECRET", "_MASTER_KEY"))}, (
                f"{service}: secrets in the environment, not in files"
            )
            log_file = tmp_path / f"{service}.log"
            proc = stack.enter_context(service_process(service, env, log_file))
            booted[service] = (Booted(env, int(env[f"TSUNAGU_{service.upper()}_HTTP_PORT"])), proc, log_file)
        took = wait_ready(booted)
        flow_started = time.monotonic()
        home_visit_crosses_to_scheduling(booted["intake"][0], booted["scheduling"][0], issuer)
        print(
            f"\n{platform.deployment}: "
            + ", ".join(f"{s} ready in {took[s]:.1f}s" for s in BOOTED)
            + f"; home-visit request intake → scheduling in {time.monotonic() - flow_started:.1f}s"
            + (
                " (databases from the shipped init SQL)"
                if platform.rendered.initdb_files and on_postgres
                else ""
            )
        )
