"""The FastAPI application every service's HTTP API is built on.

:func:`create_http_app` adds what every service needs and nothing of any domain: health
endpoints, Prometheus metrics, OpenTelemetry server spans, request counting by route template,
and error answers that never echo input (architecture §3: error messages hold no personal data).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.trace import Status, StatusCode, TracerProvider
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tsunagu_servicekit.errors import Refusal, ServiceError
from tsunagu_servicekit.http.auth import Authenticator
from tsunagu_servicekit.http.health import Readiness
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS, render_metrics
from tsunagu_servicekit.settings import ServiceSettings

__all__ = ["OPERATIONAL_PATHS", "create_http_app"]

_log = get_logger(__name__)

OPERATIONAL_PATHS = ("/livez", "/readyz", "/metrics")
UNMATCHED_ROUTE = "unmatched"
READINESS_TIMEOUT_SECONDS = 2.0

# A location element is shown only when it is a field name of the code (or a list index);
# anything else (a key of a free-form dict in the input, say) is masked.
_SAFE_LOC = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


# RFC 9110's names, which Python's HTTPStatus took only in 3.13: codes must not change with Python.
_RENAMED = {413: "content_too_large", 416: "range_not_satisfiable", 422: "unprocessable_content"}


def _error_code(status_code: int) -> str:
    if status_code in _RENAMED:
        return _RENAMED[status_code]
    try:
        phrase = HTTPStatus(status_code).phrase
    except ValueError:
        return "http_error"
    return re.sub(r"[^a-z0-9]+", "_", phrase.lower()).strip("_")


def _loc(loc: Sequence[Any]) -> str:
    parts = [
        str(p) if isinstance(p, int) or (isinstance(p, str) and _SAFE_LOC.match(p)) else "*" for p in loc
    ]
    return ".".join(parts)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:
        return UNMATCHED_ROUTE
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED_ROUTE


def _exception_class(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _internal_error_response() -> JSONResponse:
    return JSONResponse({"error": "internal_error"}, status_code=500)


def _log_unhandled(exc: BaseException, scope: Scope) -> None:
    span = trace.get_current_span()
    if span.is_recording():
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
    _log.error(
        "http.unhandled_exception",
        error_class=_exception_class(exc),
        method=scope.get("method"),
        route=_route_template(scope),
        exc_info=exc,
    )


class _RequestObservabilityMiddleware:
    """Counts and times requests by route template and turns escaped exceptions into a bare 500."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code = 500
        response_started = False

        async def send_and_observe(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                status_code = message["status"]
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, send_and_observe)
        except Exception as exc:
            status_code = 500
            _log_unhandled(exc, scope)
            if response_started:
                raise  # too late for an answer: let the server close the connection
            await _internal_error_response()(scope, receive, send)
        finally:
            elapsed = time.perf_counter() - started
            method = str(scope.get("method", ""))
            route = _route_template(scope)
            HTTP_REQUESTS.labels(self.service, method, route, str(status_code)).inc()
            HTTP_REQUEST_SECONDS.labels(self.service, method, route).observe(elapsed)
            if route not in OPERATIONAL_PATHS or status_code >= 400:
                _log.info(
                    "http.request",
                    method=method,
                    route=route,
                    status=status_code,
                    duration_ms=round(elapsed * 1000, 2),
                )


class _BodySizeLimitMiddleware:
    """Refuses request bodies over ``limit`` bytes with 413, before they are parsed.

    A declared ``Content-Length`` over the limit is refused at once; a body without one (chunked)
    is counted as it arrives and refused when it passes the limit, so no handler ever reads more.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse()(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Handled by the app's HTTPException handler like any other 4xx.
                    raise StarletteHTTPException(413, self._detail())
            return message

        await self.app(scope, counting_receive, send)

    def _detail(self) -> str:
        return f"The request body is larger than {self.limit} bytes."

    def _refuse(self) -> JSONResponse:
        return JSONResponse({"error": _error_code(413), "detail": self._detail()}, status_code=413)


async def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"loc": _loc(err.get("loc", ())), "rule": str(err.get("type", "invalid"))} for err in exc.errors()
    ]
    return JSONResponse({"error": "validation_failed", "problems": problems}, status_code=422)


async def _on_service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    body: dict[str, Any] = {"error": exc.code, "detail": exc.message}
    headers: dict[str, str] | None = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, Refusal):
        body["rule"] = exc.rule.name
        headers = {**(headers or {}), **exc.headers} or None
    _log.info("http.service_error", error=exc.code, status=exc.status_code)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _on_http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse(
        {"error": _error_code(exc.status_code), "detail": exc.detail},
        status_code=exc.status_code,
        headers=headers,
    )


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    _log_unhandled(exc, request.scope)
    return _internal_error_response()


def _operational_router(readiness: Readiness) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/livez")
    async def livez() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz")
    async def readyz() -> JSONResponse:
        results = await readiness.run(timeout=READINESS_TIMEOUT_SECONDS)
        checks = {name: "ok" if ok else "failing" for name, ok in results.items()}
        if all(results.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        return JSONResponse({"status": "not_ready", "checks": checks}, status_code=503)

    @router.get("/metrics")
    async def metrics() -> Response:
        body, content_type = render_metrics()
        return Response(content=body, media_type=content_type)

    return router


def create_http_app(
    *,
    settings: ServiceSettings,
    title: str,
    version: str = "0.1.0",
    readiness: Readiness | None = None,
    routers: Sequence[APIRouter] = (),
    authenticator: Authenticator | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """A FastAPI app with health, metrics, tracing, request metrics and value-free error bodies.

    ``authenticator`` is kept in ``app.state.authenticator``; when it is ``None`` the auth
    dependencies build one from ``settings`` on first use. ``tracer_provider`` defaults to the
    global one (see :func:`tsunagu_servicekit.telemetry.setup_telemetry`).
    """
    app = FastAPI(title=title, version=version)
    readiness = readiness if readiness is not None else Readiness()
    app.state.settings = settings
    app.state.readiness = readiness
    app.state.authenticator = authenticator

    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ServiceError, _on_service_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(Exception, _on_unhandled)
    # Added first, so it runs inside the observability middleware: a 413 is counted and logged.
    app.add_middleware(_BodySizeLimitMiddleware, limit=settings.http_max_body_bytes)
    app.add_middleware(_RequestObservabilityMiddleware, service=settings.service_name)

    app.include_router(_operational_router(readiness))
    for router in routers:
        app.include_router(router)

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=tracer_provider,
        excluded_urls=",".join(rf"{re.escape(p)}(\?|$)" for p in OPERATIONAL_PATHS),
    )
    return app
