from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Header, HTTPException, Query, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyQuery
from fastapi.testclient import TestClient
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection
from tsunagu_servicekit.errors import Refusal, Rule, ServiceError, refuse
from tsunagu_servicekit.http import Readiness, create_http_app
from tsunagu_servicekit.http.paths import ID
from tsunagu_servicekit.logging import configure_logging
from tsunagu_servicekit.metrics import REGISTRY
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.telemetry import build_tracer_provider
from tsunagu_servicekit.wire import IsoDateTime

CANARY = "CANARY-太郎-0123"


class Part(BaseModel):
    name: str = Field(max_length=5)


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=10)
    count: int = 0
    tags: dict[str, int] = Field(default_factory=dict)
    parts: list[Part] = Field(default_factory=list)


ITEM_NOT_FOUND = Rule("item_not_found", 404, "The item does not exist.")
CLOSURE_DAY = Rule("closure_day", 422, "Reservations cannot be made on closure days.")
ALREADY_REGISTERED = Rule("already_registered", 409, "The item was already registered.")
OTHER_MUNICIPALITY = Rule("own_municipality_only", 403, "The case belongs to another municipality.")
LOCKED_OUT = Rule("locked_out", 429, "Too many failed sign-ins; try again later.")
SIGN_IN_FAILED = Rule("sign_in_failed", 401, "The sign-in failed.")

router = APIRouter()
# A second router on a path of the first: 405 must name the methods of both.
other_router = APIRouter()


@other_router.delete("/items/{item_id}", status_code=204)
async def delete_item(item_id: str) -> None:
    return None


@router.post("/items", status_code=201)
async def create_item(item: Item) -> dict[str, str]:
    return {"title": item.title}


@router.get("/items/{item_id}")
async def get_item(item_id: str) -> dict[str, str]:
    if item_id == "missing":
        refuse(ITEM_NOT_FOUND)
    return {"id": item_id}


class ShortKey(APIKeyQuery):
    """An API key in the query whose format is checked: a malformed key is a validation error."""

    async def __call__(self, request: HTTPConnection) -> str | None:
        key = request.query_params.get(self.model.name)
        if key is not None and len(key) > 8:
            raise RequestValidationError([{"type": "string_too_long", "loc": ("query", self.model.name)}])
        return key


@router.get("/feeds/{feed_id}")
async def feed(
    feed_id: str, key: Annotated[str | None, Security(ShortKey(name="key", auto_error=False))]
) -> None:
    return None


@router.post("/things/search")
async def search_things() -> list[str]:
    return []


@router.get(f"/things/{{thing_id:{ID}}}")
async def get_thing(thing_id: str) -> dict[str, str]:
    return {"id": thing_id}


@router.post("/closed")
async def closed() -> None:
    raise Refusal(CLOSURE_DAY)


@router.post("/duplicate")
async def duplicate() -> None:
    raise Refusal(ALREADY_REGISTERED)


@router.get("/forbidden")
async def forbidden() -> None:
    raise Refusal(OTHER_MUNICIPALITY)


@router.get("/plain")
async def plain() -> None:
    raise ServiceError("The request cannot be handled.")


@router.get("/locked")
async def locked() -> None:
    raise Refusal(LOCKED_OUT, headers={"Retry-After": "60"})


@router.post("/sign-in")
async def sign_in() -> None:
    raise Refusal(SIGN_IN_FAILED)


@router.get("/http-exception")
async def http_exception() -> None:
    raise HTTPException(status_code=409, detail="Already done.")


@router.get("/http-exception-with-data")
async def http_exception_with_data() -> None:
    raise HTTPException(status_code=400, detail={"field": CANARY})


@router.get("/sessions")
async def sessions(
    starts_from: Annotated[IsoDateTime | None, Query()] = None,
    x_request_id: Annotated[str | None, Header(max_length=8)] = None,
) -> dict[str, str | None]:
    return {"starts_from": starts_from.isoformat() if starts_from else None}


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError(f"database said: {CANARY}")


SERVICE = "http-test"


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(service_name=SERVICE, data_dir=tmp_path)


@pytest.fixture
def client(settings: ServiceSettings) -> Iterator[TestClient]:
    app = create_http_app(settings=settings, title="Test", routers=[router, other_router])
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert isinstance(body, dict)
    assert body["status"] == status
    return body


@pytest.fixture
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)


def test_livez(client: TestClient) -> None:
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_readyz_without_checks_is_ready(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {}}


def _app_with_checks(settings: ServiceSettings, **checks: Any) -> TestClient:
    readiness = Readiness()
    for name, check in checks.items():
        readiness.add(name, check)
    return TestClient(create_http_app(settings=settings, title="Test", readiness=readiness))


def test_readyz_ready(settings: ServiceSettings) -> None:
    async def ok() -> None:
        return None

    response = _app_with_checks(settings, database=ok, broker=ok).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}


def test_readyz_failing_hides_the_exception(settings: ServiceSettings) -> None:
    async def ok() -> None:
        return None

    async def broken() -> None:
        raise ConnectionError(f"postgresql://admin:{CANARY}@db/intake refused")

    response = _app_with_checks(settings, database=broken, broker=ok).get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "not_ready", "checks": {"database": "failing", "broker": "ok"}}
    assert CANARY not in response.text


async def test_readiness_checks_run_concurrently_with_a_timeout() -> None:
    async def slow() -> None:
        await asyncio.sleep(10)

    async def quick() -> None:
        await asyncio.sleep(0.01)

    readiness = Readiness()
    readiness.add("slow", slow)
    readiness.add("slow-too", slow)
    readiness.add("quick", quick)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await readiness.run(timeout=0.2) == {"slow": False, "slow-too": False, "quick": True}
    assert loop.time() - started < 1.0
    with pytest.raises(ValueError, match="already registered"):
        readiness.add("quick", quick)


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    def count(route: str, status: str) -> float:
        labels = {"service": SERVICE, "method": "GET", "route": route, "status": status}
        return REGISTRY.get_sample_value("tsunagu_http_requests_total", labels) or 0.0

    before = count("/items/{item_id}", "200")
    assert client.get("/items/person-4711").status_code == 200
    assert client.get("/items/person-4712").status_code == 200
    missing_before = count("/items/{item_id}", "404")
    assert client.get("/items/missing").status_code == 404
    unmatched_before = count("unmatched", "404")
    assert client.get(f"/nowhere/{CANARY}").status_code == 404

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert count("/items/{item_id}", "200") == before + 2
    assert count("/items/{item_id}", "404") == missing_before + 1
    assert count("unmatched", "404") == unmatched_before + 1
    assert "person-4711" not in response.text
    assert "CANARY" not in response.text
    assert "tsunagu_http_requests_total" in response.text


@pytest.mark.usefixtures("_restore_logging")
def test_validation_error_is_a_problem_that_never_echoes_the_input(
    settings: ServiceSettings, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(settings)
    capsys.readouterr()

    response = client.post("/items", json={"title": CANARY * 3, "count": CANARY})

    assert _problem(response, 422) == {
        "type": "urn:tsunagu:problem:validation_failed",
        "title": "Validation failed",
        "status": 422,
        "detail": "The request does not match the operation's schema; errors says where.",
        "errors": [
            {"loc": "body.title", "type": "string_too_long"},
            {"loc": "body.count", "type": "int_parsing"},
        ],
    }
    assert CANARY not in response.text
    assert "太郎" not in response.content.decode("utf-8")
    assert CANARY not in capsys.readouterr().err


def test_malformed_json_never_echoes_the_input(client: TestClient) -> None:
    response = client.post(
        "/items", content=f'{{"title": "{CANARY}", '.encode(), headers={"content-type": "application/json"}
    )

    body = _problem(response, 422)
    assert CANARY not in response.text
    assert body["type"] == "urn:tsunagu:problem:validation_failed"
    assert [e["type"] for e in body["errors"]] == ["json_invalid"]


def test_unreadable_body_is_a_400_problem(client: TestClient) -> None:
    body = b'{"title": "' + CANARY.encode() + b'\xff"}'  # not UTF-8: the body cannot even be decoded
    response = client.post("/items", content=body, headers={"content-type": "application/json"})

    problem = _problem(response, 400)
    assert problem["type"] == "about:blank"
    assert problem["title"] == "Bad Request"
    assert CANARY not in response.text


def test_keys_of_free_form_input_are_masked_in_locations(client: TestClient) -> None:
    # Identifier-shaped keys are personal data too: masking follows the schema, not the key's shape.
    response = client.post(
        "/items", json={"title": "ok", "tags": {CANARY: "not a number", "yamada_taro": "x"}}
    )

    body = _problem(response, 422)
    assert CANARY not in response.text
    assert "yamada" not in response.text
    assert body["errors"] == [
        {"loc": "body.tags.*", "type": "int_parsing"},
        {"loc": "body.tags.*", "type": "int_parsing"},
    ]


def test_unknown_keys_are_masked_in_locations(client: TestClient) -> None:
    response = client.post(
        "/items", json={"title": "ok", "yamada_hanako": 1, CANARY: 2, "parts": [{"nme": 3}]}
    )

    body = _problem(response, 422)
    assert "yamada" not in response.text
    assert CANARY not in response.text
    assert "nme" not in response.text
    assert sorted((e["loc"], e["type"]) for e in body["errors"]) == [
        ("body.*", "extra_forbidden"),
        ("body.*", "extra_forbidden"),
        ("body.parts.0.name", "missing"),
    ]


def test_nested_locations_name_fields_and_indices(client: TestClient) -> None:
    response = client.post("/items", json={"title": "ok", "parts": [{"name": "ok"}, {"name": CANARY}]})

    assert _problem(response, 422)["errors"] == [{"loc": "body.parts.1.name", "type": "string_too_long"}]
    assert CANARY not in response.text


def test_missing_body_field(client: TestClient) -> None:
    response = client.post("/items", json={})
    assert _problem(response, 422)["errors"] == [{"loc": "body.title", "type": "missing"}]


def test_query_and_header_parameters_are_located_by_name(client: TestClient) -> None:
    ascii_canary = "CANARY-0123456789"
    response = client.get("/sessions", params={"starts_from": "0.5"}, headers={"x-request-id": ascii_canary})

    assert sorted((e["loc"], e["type"]) for e in _problem(response, 422)["errors"]) == [
        ("header.x-request-id", "string_too_long"),
        ("query.starts_from", "datetime_parsing"),
    ]
    assert ascii_canary not in response.text
    assert "0.5" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        (
            "GET",
            "/items/missing",
            404,
            {
                "type": "urn:tsunagu:problem:item_not_found",
                "title": "Item not found",
                "status": 404,
                "detail": "The item does not exist.",
                "rule": "item_not_found",
            },
        ),
        (
            "POST",
            "/closed",
            422,
            {
                "type": "urn:tsunagu:problem:closure_day",
                "title": "Closure day",
                "status": 422,
                "detail": "Reservations cannot be made on closure days.",
                "rule": "closure_day",
            },
        ),
        (
            "POST",
            "/duplicate",
            409,
            {
                "type": "urn:tsunagu:problem:already_registered",
                "title": "Already registered",
                "status": 409,
                "detail": "The item was already registered.",
                "rule": "already_registered",
            },
        ),
        (
            "GET",
            "/forbidden",
            403,
            {
                "type": "urn:tsunagu:problem:own_municipality_only",
                "title": "Own municipality only",
                "status": 403,
                "detail": "The case belongs to another municipality.",
                "rule": "own_municipality_only",
            },
        ),
        (
            "GET",
            "/plain",
            400,
            {
                "type": "urn:tsunagu:problem:bad_request",
                "title": "Bad request",
                "status": 400,
                "detail": "The request cannot be handled.",
            },
        ),
        (
            "GET",
            "/http-exception",
            409,
            {"type": "about:blank", "title": "Conflict", "status": 409, "detail": "Already done."},
        ),
        (
            "GET",
            "/http-exception-with-data",
            400,
            {
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": "The request is malformed.",
            },
        ),
        (
            "GET",
            f"/nowhere/{CANARY}",
            404,
            {
                "type": "about:blank",
                "title": "Not Found",
                "status": 404,
                "detail": "No resource lives at this path.",
            },
        ),
    ],
)
def test_errors_are_problem_details(
    client: TestClient, method: str, path: str, status: int, body: dict[str, str]
) -> None:
    response = client.request(method, path)
    assert _problem(response, status) == body
    assert CANARY not in response.text


def test_refusal_headers_are_sent(client: TestClient) -> None:
    response = client.get("/locked")
    assert _problem(response, 429)["rule"] == "locked_out"
    assert response.headers["retry-after"] == "60"


def test_a_401_refusal_names_the_scheme(client: TestClient) -> None:
    response = client.post("/sign-in")
    assert _problem(response, 401)["rule"] == "sign_in_failed"
    assert response.headers["www-authenticate"] == "Bearer"


def test_method_not_allowed_lists_every_method_of_the_path(client: TestClient) -> None:
    assert client.delete("/items/x").status_code == 204  # the second router's route

    response = client.put("/items/x")

    assert _problem(response, 405) == {
        "type": "about:blank",
        "title": "Method Not Allowed",
        "status": 405,
        "detail": "The resource does not support this method; the Allow header lists those it does.",
    }
    assert response.headers["allow"] == "DELETE, GET"
    other = client.put("/items")
    assert _problem(other, 405)["title"] == "Method Not Allowed"
    assert other.headers["allow"] == "POST"


@pytest.mark.usefixtures("_restore_logging")
def test_unhandled_exception_is_a_bare_500_and_logs_only_the_class(
    settings: ServiceSettings, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(settings)
    capsys.readouterr()

    response = client.get("/boom")

    assert _problem(response, 500) == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The server failed to handle the request.",
    }
    err = capsys.readouterr().err
    assert CANARY not in err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    (failure,) = [line for line in lines if line["event"] == "http.unhandled_exception"]
    assert failure["error_class"] == "RuntimeError"
    assert failure["route"] == "/boom"
    assert failure["level"] == "error"
    (request_line,) = [line for line in lines if line["event"] == "http.request"]
    assert request_line["status"] == 500


async def test_works_over_asgi_transport(settings: ServiceSettings) -> None:
    app = create_http_app(settings=settings, title="Test", routers=[router])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        assert (await http.get("/livez")).json() == {"status": "alive"}
        response = await http.get("/boom")
    assert _problem(response, 500)["detail"] == "The server failed to handle the request."
    assert CANARY not in response.text


def test_openapi_lists_the_routers_but_not_the_operational_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"] == {"title": "Test", "version": "0.1.0"}
    assert "/items" in schema["paths"]
    assert "/livez" not in schema["paths"]
    assert client.get("/docs").status_code == 200


def test_server_spans_use_the_route_template_and_skip_operational_paths(settings: ServiceSettings) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_http_app(settings=settings, title="Test", routers=[router], tracer_provider=provider)
    with TestClient(app) as c:
        c.get("/livez")
        c.get("/readyz")
        c.get("/metrics")
        c.get("/items/abc")
        c.get("/things/0190a6f2-7b3c-7def-8abc-0123456789ab")

    server_spans = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    assert len(server_spans) == 2
    # A route with a path convertor is named by its template, as its metrics are.
    assert [(s.name, (s.attributes or {})["http.route"]) for s in server_spans] == [
        ("GET /items/{item_id}", "/items/{item_id}"),
        ("GET /things/{thing_id}", "/things/{thing_id}"),
    ]


def test_exported_server_spans_hold_no_query_strings_or_exception_messages(
    settings: ServiceSettings, tmp_path: Path
) -> None:
    path = tmp_path / "spans.jsonl"
    provider = build_tracer_provider(settings.model_copy(update={"traces_file": path}))
    app = create_http_app(settings=settings, title="Test", routers=[router], tracer_provider=provider)
    with TestClient(app, raise_server_exceptions=False) as c:
        c.get("/items/abc", params={"name": CANARY})
        c.get("/boom")
    provider.shutdown()

    text = path.read_text(encoding="utf-8")
    assert CANARY not in text
    spans = [json.loads(line) for line in text.splitlines()]
    (failed,) = [s for s in spans if s["kind"] == "SERVER" and s["attributes"].get("http.route") == "/boom"]
    assert failed["status"]["code"] == "ERROR"
    assert any(e["attributes"].get("exception.type") == "RuntimeError" for e in failed["events"])


def test_authenticator_is_kept_on_the_app_state(settings: ServiceSettings) -> None:
    from tsunagu_servicekit.http import Authenticator

    authenticator = Authenticator(secret="s" * 40, issuer="i", audience="a")
    app = create_http_app(settings=settings, title="Test", authenticator=authenticator)
    assert app.state.authenticator is authenticator
    assert create_http_app(settings=settings, title="Test").state.authenticator is None


def test_a_body_over_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    settings = ServiceSettings(service_name=SERVICE, data_dir=tmp_path, http_max_body_bytes=1024)
    app = create_http_app(settings=settings, title="Test", routers=[router])
    too_large = {
        "type": "about:blank",
        "title": "Content Too Large",
        "status": 413,
        "detail": "The request body is larger than 1024 bytes.",
    }
    with TestClient(app, raise_server_exceptions=False) as c:
        small = c.post("/items", json={"title": "ok"})
        assert small.status_code == 201
        big = c.post("/items", json={"title": "ok", "tags": {f"{CANARY}{n}": n for n in range(100)}})
        assert _problem(big, 413) == too_large
        assert CANARY not in big.text

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"title": "ok", "tags": {'
            for n in range(200):
                yield f'"{CANARY}{n}": {n},'.encode()
            yield b'"x": 1}}'

        streamed = c.post("/items", content=chunks(), headers={"Content-Type": "application/json"})
        assert _problem(streamed, 413) == too_large
        assert CANARY not in streamed.text


def test_an_api_key_parameter_is_named_in_locations(client: TestClient) -> None:
    # The key is declared by the operation's security scheme rather than as a parameter.
    response = client.get("/feeds/f1", params={"key": CANARY})
    assert _problem(response, 422)["errors"] == [{"loc": "query.key", "type": "string_too_long"}]
    assert CANARY not in response.text


def test_an_id_segment_matches_only_an_id(client: TestClient) -> None:
    thing = "0190a6f2-7b3c-7def-8abc-0123456789ab"
    assert client.get(f"/things/{thing}").json() == {"id": thing}
    # The literal route beside it is not taken for an id: another method there is a 405.
    assert _problem(client.get("/things/search"), 405)
    assert client.get("/things/search").headers["allow"] == "POST"
    assert CANARY not in _problem(client.get(f"/things/{CANARY}"), 404)["detail"]
    assert "/things/{thing_id}" in client.get("/openapi.json").json()["paths"]


def _span_texts(span: Any) -> list[str]:
    """Every string a span carries: its name, attribute keys and values, event names and attributes."""
    texts = [span.name, span.status.description or ""]
    for key, value in (span.attributes or {}).items():
        texts += [key, str(value)]
    for event in span.events:
        texts.append(event.name)
        for key, value in (event.attributes or {}).items():
            texts += [key, str(value)]
    return texts


@pytest.fixture
def global_spans(monkeypatch: pytest.MonkeyPatch) -> InMemorySpanExporter:
    """A global provider of this test's own (OpenTelemetry allows one per process), recording every
    span anything in the process starts: the kit's, and any library's that uses the global one."""
    monkeypatch.setattr(otel_trace, "_TRACER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(otel_trace, "_TRACER_PROVIDER", None)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    otel_trace.set_tracer_provider(provider)
    return exporter


def test_server_spans_never_record_what_the_client_sent(
    settings: ServiceSettings, global_spans: InMemorySpanExporter
) -> None:
    # Recorded straight from the global provider, no sanitiser between: no span may hold them.
    exporter = global_spans
    app = create_http_app(settings=settings, title="Test", routers=[router])
    # Header values are ASCII on the wire; the path and query carry Japanese, as a nickname would.
    canaries = {
        "agent": "CANARY-agent-hanako",
        "host": "canary-host-7f3a.example",
        "path": "CANARY-path-一郎",
        "id": "0190a6f2-7b3c-7def-8abc-c0ffeec0ffee",
        "unmatched": "CANARY-unmatched-次郎",
        "query": "CANARY-query-三郎",
        "referer": "CANARY-referer-shiro",
        "forwarded": "203.0.113.77",
        "cookie": "CANARY-cookie-goro",
        "authorization": "CANARY-authorization-rokuro",
    }
    headers = {
        "User-Agent": canaries["agent"],
        "Host": canaries["host"],
        "Referer": f"https://{canaries['referer']}.example/",
        "X-Forwarded-For": canaries["forwarded"],
        "Cookie": f"session={canaries['cookie']}",
        "Authorization": f"Bearer {canaries['authorization']}",
    }
    query = {"q": canaries["query"]}
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get(f"/items/{canaries['path']}", params=query, headers=headers).status_code == 200
        assert c.get(f"/things/{canaries['id']}", params=query, headers=headers).status_code == 200
        assert c.get(f"/{canaries['unmatched']}/x", params=query, headers=headers).status_code == 404
        assert c.get(f"/things/{canaries['unmatched']}", params=query, headers=headers).status_code == 404
        assert c.post("/items", params=query, headers=headers, json={"title": 1}).status_code == 422

    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind.name == "SERVER"]
    assert len(server) == 5  # one per request: no other instrumentation opens its own
    assert {s.instrumentation_scope.name for s in spans if s.instrumentation_scope} == {
        "tsunagu_servicekit.http.app"
    }
    texts = [text for span in spans for text in _span_texts(span)]
    leaked = {name: canary for name, canary in canaries.items() if any(canary in t for t in texts)}
    assert leaked == {}
    # No attribute that carries a header, however it is named.
    assert not [t for t in texts if t.startswith(("http.request.header.", "http.response.header."))]
    assert [(s.name, (s.attributes or {}).get("http.route")) for s in server] == [
        ("GET /items/{item_id}", "/items/{item_id}"),
        ("GET /things/{thing_id}", "/things/{thing_id}"),
        ("GET", None),
        ("GET", None),
        ("POST /items", "/items"),
    ]
    assert [(s.attributes or {}).get("http.response.status_code") for s in server] == [
        200,
        200,
        404,
        404,
        422,
    ]


def test_a_server_span_continues_the_callers_trace_and_names_no_unknown_method(
    settings: ServiceSettings,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_http_app(settings=settings, title="Test", routers=[router], tracer_provider=provider)
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    with TestClient(app) as c:
        c.get("/items/abc", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
        # A method is free text from the client: one outside HTTP's is never named.
        assert c.request("CANARYMETHOD", "/items").status_code == 405

    followed, other = (s for s in exporter.get_finished_spans() if s.kind.name == "SERVER")
    assert format(followed.context.trace_id, "032x") == trace_id
    assert followed.parent is not None
    assert format(followed.parent.span_id, "016x") == parent_id
    assert other.name == "HTTP /items"
    assert (other.attributes or {})["http.request.method"] == "_OTHER"
    with TestClient(app) as c:
        assert "CANARYMETHOD" not in c.get("/metrics").text
