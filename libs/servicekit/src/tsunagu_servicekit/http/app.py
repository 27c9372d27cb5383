"""The FastAPI application every service's HTTP API is built on.

:func:`create_http_app` adds what every service needs and nothing of any domain: health
endpoints, Prometheus metrics, OpenTelemetry server spans, request counting by route template,
and error answers as RFC 9457 problem details that never echo input (architecture §3: error
messages hold no personal data), each documented on the operations that can give it
(:mod:`tsunagu_servicekit.http.problems`, :mod:`tsunagu_servicekit.http.openapi`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.telemetry import TelemetryConfig
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tsunagu_servicekit.errors import ServiceError
from tsunagu_servicekit.http.auth import Authenticator
from tsunagu_servicekit.http.health import Readiness
from tsunagu_servicekit.http.openapi import document_problems
from tsunagu_servicekit.http.problems import (
    internal_error_response,
    on_http_exception,
    on_service_error,
    on_validation_error,
    problem_response,
)
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.metrics import HTTP_REQUEST_SECONDS, HTTP_REQUESTS, render_metrics
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.telemetry import extract_context

__all__ = ["OPERATIONAL_PATHS", "create_http_app"]

_log = get_logger(__name__)

OPERATIONAL_PATHS = ("/livez", "/readyz", "/metrics")
UNMATCHED_ROUTE = "unmatched"
READINESS_TIMEOUT_SECONDS = 2.0


# FastAPI's own telemetry (since 0.165) opens a second server span holding the raw path and query
# (``url.path``, ``url.query``) and the Host (``server.address``), records HTTP metrics with the
# Host, and logs exceptions with their messages and stack traces through OpenTelemetry logs. The
# kit's middleware, Prometheus metrics and structlog lines do each of those without the values.
_NO_FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is None:
        return UNMATCHED_ROUTE
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED_ROUTE


# RFC 9110 and RFC 5789 methods; any other is a client's free text and is recorded as "_OTHER"
# (the semantic conventions' word), so it can reach no span name, metric label or log line.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
OTHER_METHOD = "_OTHER"
# The only request headers a server span reads: the W3C trace context (architecture §3).
_TRACE_HEADERS = (b"traceparent", b"tracestate")


def _method(scope: Scope) -> str:
    method = str(scope.get("method", ""))
    return method if method in _KNOWN_METHODS else OTHER_METHOD


def _trace_headers(scope: Scope) -> dict[str, str]:
    return {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope.get("headers") or ()
        if name.lower() in _TRACE_HEADERS
    }


def _start_server_span(tracer: Tracer, scope: Scope, method: str) -> Span:
    """The request's server span, holding only what the server decides, never what the client sent.

    The OpenTelemetry ASGI instrumentation records the raw path and query (``http.target``,
    ``url.path``, ``url.full``), the Host header (``http.server_name``, ``server.address``), the
    User-Agent and the client address on every span, with no option to leave them out; a raw path
    holds ids and free text, the others identify a person. So the kit starts the span itself: the
    method, the scheme and the protocol version now, the route template and the status when they
    are known. Until then, and for good on a path outside every route, the span is named by the
    method alone, as the semantic conventions name a server span without a route.
    """
    attributes: dict[str, str] = {"http.request.method": method}
    scheme = scope.get("scheme")
    if scheme in ("http", "https"):
        attributes["url.scheme"] = scheme
    version = scope.get("http_version")
    if version in ("1.0", "1.1", "2", "3"):
        attributes["network.protocol.version"] = version
    return tracer.start_span(
        "HTTP" if method == OTHER_METHOD else method,
        context=extract_context(_trace_headers(scope)),
        kind=SpanKind.SERVER,
        attributes=attributes,
    )


def _end_server_span(span: Span, method: str, route: str, status_code: int) -> None:
    """Name the span by the route template the metrics and logs use (the declared path keeps path
    convertors such as ``{case_id:tsunagu_id}``; the template is the name across signals), give it
    the status, and end it."""
    if span.is_recording():
        if route != UNMATCHED_ROUTE:
            span.set_attribute("http.route", route)
            span.update_name(f"{'HTTP' if method == OTHER_METHOD else method} {route}")
        span.set_attribute("http.response.status_code", status_code)
        if status_code >= 500:
            # A 4xx is the client's error, not the server's (semantic conventions for server spans).
            span.set_status(Status(StatusCode.ERROR))
    span.end()


def _exception_class(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _log_unhandled(exc: BaseException, scope: Scope) -> None:
    span = trace.get_current_span()
    if span.is_recording():
        # The class only: an exception's message and stack may quote input.
        span.add_event("exception", {"exception.type": _exception_class(exc), "exception.escaped": True})
        span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
    _log.error(
        "http.unhandled_exception",
        error_class=_exception_class(exc),
        method=scope.get("method"),
        route=_route_template(scope),
        exc_info=exc,
    )


class _RequestObservabilityMiddleware:
    """Traces, counts and times requests by route template and turns escaped exceptions into a
    bare 500. Operational paths get no span (probes would drown the traces) but are counted."""

    def __init__(self, app: ASGIApp, service: str, tracer: Tracer) -> None:
        self.app = app
        self.service = service
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code = 500
        response_started = False
        method = _method(scope)
        span = (
            trace.INVALID_SPAN
            if scope.get("path") in OPERATIONAL_PATHS
            else _start_server_span(self.tracer, scope, method)
        )

        async def send_and_observe(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                status_code = message["status"]
                response_started = True
            await send(message)

        # The request line is logged inside the span, so it carries the trace id.
        with trace.use_span(span, end_on_exit=False):
            try:
                await self.app(scope, receive, send_and_observe)
            except Exception as exc:
                status_code = 500
                _log_unhandled(exc, scope)
                if response_started:
                    raise  # too late for an answer: let the server close the connection
                await internal_error_response()(scope, receive, send)
            finally:
                elapsed = time.perf_counter() - started
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
                _end_server_span(span, method, route, status_code)


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
        return problem_response(413, detail=self._detail())


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    _log_unhandled(exc, request.scope)
    return internal_error_response()


class _ServiceApp(FastAPI):
    """FastAPI whose generated OpenAPI document is rewritten to document problem details."""

    def __init__(self, *, max_body_bytes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_body_bytes = max_body_bytes
        self._documented: dict[str, Any] | None = None

    def openapi(self) -> dict[str, Any]:
        # FastAPI regenerates the document when routes change and returns the cached one otherwise.
        schema = super().openapi()
        if schema is not self._documented:
            document_problems(schema, self.routes, max_body_bytes=self.max_body_bytes)
            self._documented = schema
        return schema


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
    """A FastAPI app with health, metrics, tracing, request metrics and value-free error bodies
    (problem details), whose OpenAPI document lists every error answer of every operation.

    ``authenticator`` is kept in ``app.state.authenticator``; when it is ``None`` the auth
    dependencies build one from ``settings`` on first use. ``tracer_provider`` defaults to the
    global one (see :func:`tsunagu_servicekit.telemetry.setup_telemetry`).
    """
    app = _ServiceApp(
        title=title,
        version=version,
        max_body_bytes=settings.http_max_body_bytes,
        telemetry=_NO_FASTAPI_TELEMETRY,
    )
    readiness = readiness if readiness is not None else Readiness()
    app.state.settings = settings
    app.state.readiness = readiness
    app.state.authenticator = authenticator

    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(ServiceError, on_service_error)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(Exception, _on_unhandled)
    # Added first, so it runs inside the observability middleware: a 413 is counted and logged.
    app.add_middleware(_BodySizeLimitMiddleware, limit=settings.http_max_body_bytes)
    app.add_middleware(
        _RequestObservabilityMiddleware,
        service=settings.service_name,
        # Without a provider the global one is used, also when it is installed after this call.
        tracer=trace.get_tracer(__name__, tracer_provider=tracer_provider),
    )

    app.include_router(_operational_router(readiness))
    for router in routers:
        app.include_router(router)
    return app
