"""The HTTP contract test: schemathesis runs every one of its checks against a service's own
OpenAPI document, in-process, bounded and deterministic.

A service's test hands over its app (or the ``httpx`` client of a service under test) and a token
per role, and asserts that nothing contradicts the document::

    async def test_http_contract(svc: Service) -> None:
        roles = ("counsellor", "supervisor")
        report = await check_http_contract(
            svc.client,
            auth={role: auth_headers(AUTH, role) for role in roles},
            max_examples=20,
            seed=7,
        )
        print(report.summary())
        assert report.failures == [] and report.errors == [] and report.untested == []

What runs is what ``st run`` runs: schemathesis's engine with its phases (examples, coverage,
fuzzing, stateful when the document has links) and all its checks (server errors, status codes,
content types, response headers and schemas, negative data rejected, positive data accepted,
missing required headers, unsupported methods, ignored authentication, use after free, resource
availability …). Requests reach the app through the caller's client on the caller's event loop,
so a service's runtime (database, clock, outbox) serves them as it serves its other tests; the
engine itself runs in a worker thread.

* **Bounded**: ``max_examples`` caps the generated cases per operation and mode (the coverage phase
  adds a fixed set of boundary cases derived from the schema).
* **Deterministic**: a fixed ``seed``, Hypothesis derandomised, no example database, no cache on
  disk, one worker.
* **Authenticated per operation**: ``auth`` maps a role (or a security scheme's name) to the
  headers that authenticate it. An operation guarded by
  :func:`~tsunagu_servicekit.http.auth.require` gets the headers of the first role in ``auth``
  that it admits (``x-tsunagu-roles`` in the document); an operation under another scheme gets
  that scheme's entry; an operation needing credentials ``auth`` does not hold is reported in
  ``errors`` rather than silently tested as refused.
* **Refusals are documented answers**: a status an operation documents as a refusal (a problem
  whose ``rule`` has an ``enum``) is accepted for valid data, because a rule can refuse valid data;
  a validation problem for valid data is still reported as ``positive_data_acceptance``.
* **Short reports**: a failure names the operation, the check, the failure's title, the status
  and a value-free hint (the documented statuses, the path in the response that broke the schema);
  never the generated input or the response body.

``schemathesis`` comes with the test dependencies (the ``dev`` group), not with the kit.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Err, Ok
from schemathesis.engine import events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.generation.meta import REQUEST_SHAPE_PROBES, coverage_scenario
from schemathesis.openapi.checks import JsonSchemaError, MissingHeaders, UndefinedStatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..http.auth import ROLES, STAFF_BEARER
from ..http.openapi import ROLES_EXTENSION
from ..http.problems import PROBLEM_MEDIA_TYPE, VALIDATION_FAILED, problem_type

__all__ = ["ContractFailure", "ContractReport", "check_http_contract"]

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_SEED = 20260101
_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
_BASE_URL = "http://contract.test"
_HOP_BY_HOP = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection"})
_ADMIN = "admin"
_AUTH_REFUSALS = frozenset({401, 403})


@dataclass(frozen=True)
class ContractFailure:
    """One way an operation contradicts its document, with how many cases showed it."""

    operation: str
    check: str
    title: str
    status: int | None = None
    hint: str = ""
    cases: int = 1

    def __str__(self) -> str:
        status = f" [{self.status}]" if self.status is not None else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.operation}: {self.check}: {self.title}{status}{hint} ×{self.cases}"


@dataclass(frozen=True)
class ContractReport:
    """The figures of a contract run. ``ok`` when nothing failed, errored or went untested.

    ``cases`` counts the cases schemathesis generated (as ``st run`` does), ``requests`` what
    reached the app (checks send some of their own), ``statuses`` how many answers had each status.
    ``untested`` lists operations that answered valid data with nothing but 401 or 403 (or not at
    all): their guard was all that ran, which usually means ``auth`` holds no token with the roles or
    scopes they need.
    """

    operations: int
    cases: int
    requests: int
    failures: list[ContractFailure]
    errors: list[str]
    untested: list[str]
    seconds: float
    seed: int
    max_examples: int
    statuses: dict[int, int] = field(default_factory=dict)
    forms: list[str] = field(default_factory=list)
    """Page forms guarded by a CSRF token (rule ``csrf_failed``): generated requests cannot carry
    one, so only the guard answers them; their pages' own tests post the forms."""

    @property
    def ok(self) -> bool:
        return not (self.failures or self.errors or self.untested)

    def summary(self) -> str:
        """One line of figures, then one line per failure, error or untested operation."""
        head = (
            f"HTTP contract: {self.operations} operations, {self.cases} cases, {self.requests} requests, "
            f"{len(self.failures)} failures, {len(self.errors)} errors, {len(self.untested)} untested "
            f"in {self.seconds:.1f} s (seed {self.seed}, at most {self.max_examples} examples per operation)"
        )
        lines = [head, *(f"  failure: {f}" for f in self.failures)]
        lines += [f"  error: {e}" for e in self.errors]
        lines += [f"  untested: {u}" for u in self.untested]
        if self.forms:
            lines.append(f"  CSRF-guarded forms, posted by their page tests: {', '.join(self.forms)}")
        return "\n".join(lines)


async def check_http_contract(
    target: httpx.AsyncClient | ASGIApp,
    *,
    auth: Mapping[str, Mapping[str, str]] | None = None,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    seed: int = DEFAULT_SEED,
    openapi_path: str = "/openapi.json",
    request_timeout: float = 30.0,
) -> ContractReport:
    """Run schemathesis with all its checks against ``target``'s OpenAPI document.

    ``target`` is an ASGI app (called in-process, no socket) or an ``httpx.AsyncClient`` already
    bound to one (a service under test's ``client``). ``auth`` maps roles or security scheme names
    to request headers. See the module documentation for what runs and what is reported.
    """
    if max_examples < 1:
        raise ValueError("max_examples must be at least 1")
    if isinstance(target, httpx.AsyncClient):
        return await _run(target, auth or {}, max_examples, seed, openapi_path, request_timeout)
    transport = httpx.ASGITransport(app=target, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=_BASE_URL) as client:
        return await _run(client, auth or {}, max_examples, seed, openapi_path, request_timeout)


async def _run(
    client: httpx.AsyncClient,
    auth: Mapping[str, Mapping[str, str]],
    max_examples: int,
    seed: int,
    openapi_path: str,
    request_timeout: float,
) -> ContractReport:
    started = time.perf_counter()
    response = await client.get(openapi_path)
    response.raise_for_status()
    document = response.json()
    plan = _Plan.of(document, auth)
    config = SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "cache": {"enabled": False},
            "workers": 1,
            "continue-on-failure": True,
            "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
            "operations": plan.operation_configs(),
        }
    )
    schema = schemathesis.openapi.from_dict(document, config=config)
    bridge = _LoopBridge(client, asyncio.get_running_loop(), request_timeout)
    schema.app = bridge
    loaded = list(schema.get_all_operations())
    operations = sum(isinstance(result, Ok) for result in loaded)
    schema_errors = [f"schema: {type(r.err()).__name__}" for r in loaded if isinstance(r, Err)]
    collected = await asyncio.to_thread(_execute, schema, plan)
    return ContractReport(
        operations=operations,
        cases=collected.cases,
        requests=bridge.requests,
        failures=collected.failures(),
        errors=schema_errors + plan.errors + collected.errors + bridge.errors,
        untested=sorted(set(plan.labels) - collected.tested - set(plan.forms)),
        forms=sorted(plan.forms),
        seconds=round(time.perf_counter() - started, 2),
        seed=seed,
        max_examples=max_examples,
        statuses=dict(sorted(bridge.statuses.items())),
    )


# --------------------------------------------------------------------------------------------
# What to send to each operation


@dataclass
class _Plan:
    labels: list[str] = field(default_factory=list)
    headers: dict[str, Mapping[str, str]] = field(default_factory=dict)
    refusal_statuses: dict[str, list[int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, document: Mapping[str, Any], auth: Mapping[str, Mapping[str, str]]) -> _Plan:
        plan = cls()
        global_security = document.get("security", [])
        for path, item in document.get("paths", {}).items():
            for method in _METHODS:
                operation = item.get(method)
                if operation is None:
                    continue
                label = f"{method.upper()} {path}"
                plan.labels.append(label)
                security = operation.get("security", global_security)
                headers = _credentials(operation, security, auth)
                if headers is None:
                    plan.errors.append(f"{label}: no credentials in auth for {_needs(operation, security)}")
                elif headers:
                    plan.headers[label] = headers
                plan.refusal_statuses[label] = sorted(_refusal_statuses(operation))
                if _csrf_guarded(operation):
                    plan.forms.append(label)
        return plan

    def operation_configs(self) -> list[dict[str, Any]]:
        configs = []
        for label in self.labels:
            entry: dict[str, Any] = {"include-name": label}
            if label in self.headers:
                entry["headers"] = dict(self.headers[label])
            refusals = self.refusal_statuses.get(label)
            if refusals:
                expected = sorted({*_POSITIVE_DEFAULT, *(str(s) for s in refusals)})
                entry["checks"] = {"positive_data_acceptance": {"expected-statuses": expected}}
            if len(entry) > 1:
                configs.append(entry)
        return configs


_POSITIVE_DEFAULT = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")


def _credentials(
    operation: Mapping[str, Any], security: Sequence[Mapping[str, Any]], auth: Mapping[str, Mapping[str, str]]
) -> Mapping[str, str] | None:
    """The headers for ``operation``: ``{}`` when it needs none, ``None`` when ``auth`` lacks them."""
    roles = operation.get(ROLES_EXTENSION)
    if roles:
        for name in auth:
            if name in roles or name == _ADMIN:
                return auth[name]
        return None
    if not security or any(not requirement for requirement in security):
        return {}
    for requirement in security:
        for scheme in requirement:
            if scheme in auth:
                return auth[scheme]
            if scheme == STAFF_BEARER:
                # Any staff token passes an operation that only authenticates.
                staff = next((headers for name, headers in auth.items() if name in ROLES), None)
                if staff is not None:
                    return staff
    return None


def _needs(operation: Mapping[str, Any], security: Sequence[Mapping[str, Any]]) -> str:
    roles = operation.get(ROLES_EXTENSION)
    if roles:
        return "any of the roles " + ", ".join(roles)
    return "the scheme " + " or ".join(scheme for requirement in security for scheme in requirement)


def _csrf_guarded(operation: Mapping[str, Any]) -> bool:
    """Whether the operation is a page form that refuses a request without its CSRF token."""
    response = operation.get("responses", {}).get("403", {})
    schema = response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {}).get("schema", {})
    rule = schema.get("properties", {}).get("rule", {}) if isinstance(schema, Mapping) else {}
    return "csrf_failed" in rule.get("enum", ())


def _refusal_statuses(operation: Mapping[str, Any]) -> Iterator[int]:
    for key, response in operation.get("responses", {}).items():
        if not key.isdigit():
            continue
        schema = response.get("content", {}).get(PROBLEM_MEDIA_TYPE, {}).get("schema")
        if _has_rule_enum(schema):
            yield int(key)


def _has_rule_enum(schema: Any) -> bool:
    if isinstance(schema, Mapping):
        rule = schema.get("properties", {}).get("rule")
        if isinstance(rule, Mapping) and "enum" in rule:
            return True
        return any(
            _has_rule_enum(branch) for key in ("allOf", "anyOf", "oneOf") for branch in schema.get(key, [])
        )
    return False


# --------------------------------------------------------------------------------------------
# Running the engine and reading what it found


@dataclass
class _Collected:
    plan: _Plan
    cases: int = 0
    tested: set[str] = field(default_factory=set)
    found: Counter[tuple[str, str, str, int | None, str]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def failures(self) -> list[ContractFailure]:
        return [
            ContractFailure(operation=op, check=check, title=title, status=status, hint=hint, cases=n)
            for (op, check, title, status, hint), n in sorted(self.found.items(), key=lambda kv: str(kv[0]))
        ]

    def scenario(self, recorder: ScenarioRecorder) -> None:
        self.cases += len(recorder.cases)
        for case_id, node in recorder.cases.items():
            label = node.value.operation.label
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction is not None else None
            if response is not None and _past_the_guard(node.value, response.status_code):
                self.tested.add(label)
            status = response.status_code if response is not None else None
            for check in recorder.checks.get(case_id, []):
                if check.failure_info is not None:
                    if check.name == "negative_data_rejection" and self._negation_undone(node.value, label):
                        continue
                    failure = check.failure_info.failure
                    self.found[(label, check.name, failure.title, status, _hint(failure))] += 1
            if response is not None and self._validation_of_valid_data(node.value, label, response):
                key = (label, "positive_data_acceptance", "Valid data failed validation", status, "")
                self.found[key] += 1

    def _negation_undone(self, case: Any, label: str) -> bool:
        """Whether every negation of a negative case was undone or is ignored by design, so the
        request that went out was valid: a header negated (an ``Authorization`` left out) that the
        plan sends anyway, and unknown query parameters, which every service ignores (schemathesis
        excuses those itself, but not beside a header it believes missing)."""
        phase = getattr(case.meta, "phase", None)
        mutations = getattr(getattr(phase, "data", None), "mutations", None)
        if not mutations:
            return False
        sent = {name.lower() for name in self.plan.headers.get(label, {})}
        for mutation in mutations:
            location = mutation.parameter_location
            if location is ParameterLocation.HEADER and (mutation.parameter or "").lower() in sent:
                continue
            if location is ParameterLocation.QUERY and set(mutation.keywords) == {"additionalProperties"}:
                continue
            return False
        return True

    def _validation_of_valid_data(self, case: Any, label: str, response: Any) -> bool:
        """Schemathesis accepts 422 for valid data where a refusal is documented with 422; a
        validation problem is still a rejection of valid data."""
        if 422 not in self.plan.refusal_statuses.get(label, ()) or response.status_code != 422:
            return False
        if not _valid_data(case):
            return False
        try:
            body = json.loads(response.content)
        except ValueError:
            return False
        return isinstance(body, dict) and body.get("type") == problem_type(VALIDATION_FAILED)


def _past_the_guard(case: Any, status: int) -> bool:
    """Whether valid data got further than authentication: an operation that only ever refused
    the caller was not tested beyond its guard (malformed bodies fail before it, so they do not count)."""
    return _valid_data(case) and status not in _AUTH_REFUSALS


def _valid_data(case: Any) -> bool:
    """Whether ``case`` was generated as valid data (positive mode, not a probe of the request's shape)."""
    meta = case.meta
    return not (
        meta is None
        or not meta.generation.mode.is_positive
        or coverage_scenario(case) in REQUEST_SHAPE_PROBES
    )


def _hint(failure: Failure) -> str:
    """A value-free pointer to what broke; never the generated input or a response value."""
    if isinstance(failure, UndefinedStatusCode):
        return "documented: " + ", ".join(failure.defined_status_codes)
    if isinstance(failure, JsonSchemaError):
        path = "/".join(str(p) if isinstance(p, int) else _safe_name(p) for p in failure.instance_path)
        keyword = failure.schema_path[-1] if failure.schema_path else ""
        return f"at /{path}, keyword {keyword}"
    if isinstance(failure, MissingHeaders):
        return "missing: " + ", ".join(failure.missing_headers)
    return ""


def _safe_name(part: object) -> str:
    text = str(part)
    return text if text.isidentifier() and len(text) <= 64 else "*"


def _execute(schema: Any, plan: _Plan) -> _Collected:
    collected = _Collected(plan)
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            collected.scenario(event.recorder)
        elif isinstance(event, events.NonFatalError):
            collected.errors.append(f"{event.label}: {event.info.title} ({type(event.value).__name__})")
        elif isinstance(event, events.FatalError):
            raise RuntimeError(f"schemathesis stopped: {type(event.exception).__name__}") from event.exception
    return collected


# --------------------------------------------------------------------------------------------
# From schemathesis's thread to the caller's event loop


class _LoopBridge:
    """An ASGI app that schemathesis calls on its own event loop thread, forwarding each request
    to ``client`` on the caller's loop, where the service under test lives."""

    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop, timeout: float) -> None:
        self.client = client
        self.loop = loop
        self.timeout = timeout
        self.requests = 0
        self.statuses: Counter[int] = Counter()
        self.errors: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # Refusing before reading a message is how an app says it has no lifespan to run.
            raise RuntimeError("the contract bridge forwards HTTP requests only")
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        future = asyncio.run_coroutine_threadsafe(self._forward(scope, bytes(body)), self.loop)
        start, content = await asyncio.wrap_future(future)
        await send(start)
        await send({"type": "http.response.body", "body": content})

    async def _forward(self, scope: Scope, body: bytes) -> tuple[Message, bytes]:
        self.requests += 1
        raw_path = scope.get("raw_path") or str(scope["path"]).encode()
        query = scope.get("query_string") or b""
        prefix = self.client.base_url.raw_path.rstrip(b"/")
        url = self.client.base_url.copy_with(raw_path=prefix + raw_path + (b"?" + query if query else b""))
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in _HOP_BY_HOP]
        try:
            request = self.client.build_request(str(scope["method"]), url, headers=headers, content=body)
            response = await asyncio.wait_for(self.client.send(request), self.timeout)
        except Exception as exc:
            # Shown to schemathesis as a bare 500 (a failure of the operation) and named in the errors.
            self.errors.append(f"{scope.get('method')} request not answered: {type(exc).__name__}")
            self.statuses[500] += 1
            return {"type": "http.response.start", "status": 500, "headers": []}, b""
        self.statuses[response.status_code] += 1
        start: Message = {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": [(k.lower(), v) for k, v in response.headers.raw],
        }
        return start, response.content
