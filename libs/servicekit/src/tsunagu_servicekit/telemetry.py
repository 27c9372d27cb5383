"""OpenTelemetry tracing: provider set-up, W3C context in message headers, a JSON-lines exporter.

Sampling happens at the root (``ParentBased(TraceIdRatioBased(ratio))``): a trace that started
sampled stays sampled across services, an unsampled one costs nothing downstream.

Spans hold no personal data (architecture §3). The kit's own spans never record what a client
sent (see :mod:`tsunagu_servicekit.http.app`); as a second line, every exporter set up here is
wrapped so that exception messages and stack traces (which may quote input), URLs, raw paths,
query strings, headers and client addresses are removed before a span leaves the process; the
exception *class* is kept.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from tsunagu_servicekit.settings import ServiceSettings

__all__ = [
    "JsonLinesSpanExporter",
    "SanitizingSpanExporter",
    "build_tracer_provider",
    "extract_context",
    "get_tracer",
    "inject_headers",
    "setup_telemetry",
    "shutdown_telemetry",
]

# Only W3C trace context crosses process boundaries: baggage could carry arbitrary values.
_PROPAGATOR = TraceContextTextMapPropagator()

_lock = threading.Lock()
_provider: TracerProvider | None = None


# --------------------------------------------------------------------------------------------
# Sanitising spans before export


# What clients send: the raw path and query (ids, free text), the Host header, the User-Agent,
# the client's address, and any header captured as an attribute. The kit's server spans never
# record them (http/app.py); other instrumentations do by default, hence this second line.
_DROPPED_ATTRIBUTES = frozenset(
    {
        "url.query",
        "url.path",
        "url.full",
        "http.url",
        "http.target",
        "http.host",
        "http.server_name",
        "server.address",
        "http.user_agent",
        "user_agent.original",
        "client.address",
        "client.port",
        "net.peer.ip",
        "net.peer.port",
        "net.sock.peer.addr",
        "net.sock.peer.port",
        "network.peer.address",
        "network.peer.port",
        "http.client_ip",
        "enduser.id",
    }
)
_DROPPED_PREFIXES = ("http.request.header.", "http.response.header.")
_EXCEPTION_KEPT = frozenset({"exception.type", "exception.escaped"})
_CLASS_NAME = re.compile(r"^[A-Za-z_][\w.]{0,200}$")


def _clean_attributes(attributes: Mapping[str, Any] | None) -> tuple[dict[str, Any], bool]:
    cleaned: dict[str, Any] = {}
    changed = False
    for key, value in (attributes or {}).items():
        if key in _DROPPED_ATTRIBUTES or key.startswith(_DROPPED_PREFIXES):
            changed = True
            continue
        cleaned[key] = value
    return cleaned, changed


def _clean_status(status: Status) -> tuple[Status, bool]:
    description = status.description
    if status.status_code is not StatusCode.ERROR or not description:
        return status, False
    head = description.split(":", 1)[0].strip()
    if head == description and _CLASS_NAME.match(head):
        return status, False
    return Status(StatusCode.ERROR, head if _CLASS_NAME.match(head) else None), True


def sanitize_span(span: ReadableSpan) -> ReadableSpan:
    """The span without exception messages, stack traces, URLs, paths, query strings, headers
    (Host and User-Agent included) or client addresses."""
    attributes, changed = _clean_attributes(span.attributes)
    events: list[Event] = []
    for event in span.events:
        if event.name == "exception":
            kept = {k: v for k, v in (event.attributes or {}).items() if k in _EXCEPTION_KEPT}
            events.append(Event(event.name, kept, event.timestamp))
            changed = True
        else:
            event_attributes, event_changed = _clean_attributes(event.attributes)
            events.append(Event(event.name, event_attributes, event.timestamp) if event_changed else event)
            changed = changed or event_changed
    status, status_changed = _clean_status(span.status)
    if not (changed or status_changed):
        return span
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class SanitizingSpanExporter(SpanExporter):
    """Wraps an exporter; every span goes through :func:`sanitize_span` first."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([sanitize_span(s) for s in spans])

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


# --------------------------------------------------------------------------------------------
# JSON lines


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json_value(v) for v in value]
    return value


def span_to_dict(span: ReadableSpan) -> dict[str, Any]:
    """One finished span as a plain dict (the line format of :class:`JsonLinesSpanExporter`)."""
    ctx = span.context
    parent = span.parent
    return {
        "name": span.name,
        "service": span.resource.attributes.get(SERVICE_NAME),
        "trace_id": format(ctx.trace_id, "032x") if ctx else None,
        "span_id": format(ctx.span_id, "016x") if ctx else None,
        "parent_span_id": format(parent.span_id, "016x") if parent else None,
        "kind": span.kind.name,
        "attributes": {k: _json_value(v) for k, v in (span.attributes or {}).items()},
        "events": [
            {
                "name": e.name,
                "timestamp_ns": e.timestamp,
                "attributes": {k: _json_value(v) for k, v in (e.attributes or {}).items()},
            }
            for e in span.events
        ],
        "start_time_ns": span.start_time,
        "end_time_ns": span.end_time,
        "status": {"code": span.status.status_code.name, "description": span.status.description},
        "scope": span.instrumentation_scope.name if span.instrumentation_scope else None,
    }


class JsonLinesSpanExporter(SpanExporter):
    """Appends one JSON object per finished span to ``path``, one per line.

    Each export is written and flushed to the operating system before it returns, so with a
    ``SimpleSpanProcessor`` a span is in the file as soon as it ends and survives a later SIGKILL.
    Several processes may append to the same file (each line is one ``write``).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        self._closed = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._closed:
            return SpanExportResult.FAILURE
        text = "".join(
            json.dumps(span_to_dict(s), ensure_ascii=False, separators=(",", ":"), default=str) + "\n"
            for s in spans
        )
        try:
            with self._lock:
                if self._file is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._file = self.path.open("a", encoding="utf-8")
                self._file.write(text)
                self._file.flush()
        except OSError:
            return SpanExportResult.FAILURE
        return SpanExportResult.SUCCESS

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        with self._lock:
            if self._file is not None:
                self._file.flush()
        return True

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            if self._file is not None:
                self._file.close()
                self._file = None


# --------------------------------------------------------------------------------------------
# Provider


def _otlp_traces_url(endpoint: str) -> str:
    """``http://collector:4318`` -> ``http://collector:4318/v1/traces``; a full URL is kept."""
    parts = urlsplit(endpoint)
    if parts.path in ("", "/"):
        return urlunsplit((parts.scheme, parts.netloc, "/v1/traces", parts.query, ""))
    return endpoint


def build_tracer_provider(settings: ServiceSettings) -> TracerProvider:
    """A provider configured from ``settings``, not installed globally (tests, embedding)."""
    resource = Resource.create(
        {SERVICE_NAME: settings.service_name, "deployment.environment.name": settings.environment}
    )
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio))
    )
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        otlp = OTLPSpanExporter(endpoint=_otlp_traces_url(settings.otlp_endpoint))
        provider.add_span_processor(BatchSpanProcessor(SanitizingSpanExporter(otlp)))
    if settings.traces_file:
        exporter = JsonLinesSpanExporter(settings.traces_file)
        provider.add_span_processor(SimpleSpanProcessor(SanitizingSpanExporter(exporter)))
    return provider


def setup_telemetry(settings: ServiceSettings) -> TracerProvider:
    """Build the provider from ``settings`` and install it as the global one, once per process.

    Later calls return the provider of the first call (OpenTelemetry allows one global provider
    per process), whatever their settings.
    """
    global _provider
    with _lock:
        if _provider is None:
            provider = build_tracer_provider(settings)
            trace.set_tracer_provider(provider)
            _provider = provider
        return _provider


def get_tracer(name: str) -> Tracer:
    """A tracer of the global provider (a no-op one until :func:`setup_telemetry` ran)."""
    return trace.get_tracer(name)


def shutdown_telemetry() -> None:
    """Flush pending spans and stop the exporters of the provider set up by this module."""
    with _lock:
        provider = _provider
    if provider is not None:
        provider.force_flush()
        provider.shutdown()


# --------------------------------------------------------------------------------------------
# Propagation in message headers


class _HeaderGetter(Getter[Mapping[str, str]]):
    """Reads header values whatever their case (NATS headers keep the sender's case)."""

    def get(self, carrier: Mapping[str, str], key: str) -> list[str] | None:
        value = carrier.get(key)
        if value is None:
            for k, v in carrier.items():
                if k.lower() == key:
                    value = v
                    break
        if value is None:
            return None
        return [value] if isinstance(value, str) else list(value)

    def keys(self, carrier: Mapping[str, str]) -> list[str]:
        return list(carrier.keys())


_GETTER = _HeaderGetter()


def inject_headers(headers: dict[str, str] | None = None) -> dict[str, str]:
    """Write ``traceparent``/``tracestate`` of the current context into ``headers`` (or a new dict)."""
    carrier: dict[str, str] = headers if headers is not None else {}
    _PROPAGATOR.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str] | None) -> Context:
    """The context carried by ``headers``; an empty context (a new root) when there is none."""
    if not headers:
        return Context()
    return _PROPAGATOR.extract(headers, context=Context(), getter=_GETTER)
