from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind
from opentelemetry.util._once import Once
from tsunagu_servicekit import telemetry
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.telemetry import (
    JsonLinesSpanExporter,
    build_tracer_provider,
    extract_context,
    get_tracer,
    inject_headers,
    setup_telemetry,
    shutdown_telemetry,
)

CANARY = "CANARY-太郎-0123"


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_json_lines_exporter_writes_one_object_per_span(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "spans.jsonl"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(path)))
    tracer = provider.get_tracer("test")

    with tracer.start_as_current_span("parent", kind=SpanKind.SERVER) as parent:
        with tracer.start_as_current_span("child", attributes={"case.id": "c-1", "codes": ("a", "b")}):
            pass
        # the child is on disk before the parent ends: nothing waits for a batch
        assert [s["name"] for s in _read(path)] == ["child"]

    child, parent_line = _read(path)
    ctx = parent.get_span_context()
    assert parent_line["trace_id"] == format(ctx.trace_id, "032x")
    assert len(parent_line["trace_id"]) == 32
    assert parent_line["span_id"] == format(ctx.span_id, "016x")
    assert parent_line["parent_span_id"] is None
    assert parent_line["kind"] == "SERVER"
    assert child["trace_id"] == parent_line["trace_id"]
    assert child["parent_span_id"] == parent_line["span_id"]
    assert child["kind"] == "INTERNAL"
    assert child["attributes"] == {"case.id": "c-1", "codes": ["a", "b"]}
    assert child["status"]["code"] == "UNSET"
    assert child["start_time_ns"] <= child["end_time_ns"]


def test_provider_from_settings_writes_sanitised_spans(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    provider = build_tracer_provider(ServiceSettings(service_name="intake", traces_file=path))
    tracer = provider.get_tracer("test")

    with (
        pytest.raises(ValueError, match="CANARY"),
        tracer.start_as_current_span(
            "handle",
            attributes={
                "http.url": f"http://svc/persons?name={CANARY}",
                "url.query": f"name={CANARY}",
                "url.path": f"/persons/{CANARY}",
                "user_agent.original": CANARY,
                "http.request.header.referer": (CANARY,),
                "http.route": "/persons/{person_id}",
            },
        ),
    ):
        raise ValueError(f"bad {CANARY}")

    text = path.read_text(encoding="utf-8")
    assert CANARY not in text
    (span,) = _read(path)
    assert span["service"] == "intake"
    assert span["attributes"] == {"http.route": "/persons/{person_id}"}
    assert span["status"] == {"code": "ERROR", "description": "ValueError"}
    (event,) = span["events"]
    assert event["name"] == "exception"
    assert event["attributes"]["exception.type"] == "ValueError"
    provider.shutdown()


def test_spans_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    code = textwrap.dedent(
        f"""
        import os, signal
        from tsunagu_servicekit.settings import ServiceSettings
        from tsunagu_servicekit.telemetry import setup_telemetry, get_tracer
        setup_telemetry(ServiceSettings(service_name="victim", traces_file={str(path)!r}))
        with get_tracer("t").start_as_current_span("before-kill"):
            pass
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=False)

    assert result.returncode == -signal.SIGKILL
    assert [s["name"] for s in _read(path)] == ["before-kill"]


def test_inject_extract_round_trip_keeps_the_trace() -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("publish") as span:
        headers = inject_headers({"Nats-Msg-Id": "0190-abc"})
    sent = span.get_span_context()

    assert headers["Nats-Msg-Id"] == "0190-abc"
    version, trace_id, span_id, flags = headers["traceparent"].split("-")
    assert (version, trace_id, span_id) == ("00", f"{sent.trace_id:032x}", f"{sent.span_id:016x}")
    assert int(flags, 16) & 0x01  # sampled

    received = trace.get_current_span(extract_context(headers)).get_span_context()
    assert received.trace_id == sent.trace_id
    assert received.span_id == sent.span_id
    assert received.is_remote

    # header names keep the sender's case on NATS
    shouted = {k.title(): v for k, v in headers.items()}
    assert trace.get_current_span(extract_context(shouted)).get_span_context().trace_id == sent.trace_id

    with tracer.start_as_current_span("consume", context=extract_context(headers)) as child:
        pass
    assert child.get_span_context().trace_id == sent.trace_id
    assert child.parent is not None
    assert child.parent.span_id == sent.span_id


def test_inject_without_a_span_and_extract_without_headers() -> None:
    assert inject_headers() == {}
    for headers in (None, {}, {"other": "x"}):
        assert not trace.get_current_span(extract_context(headers)).get_span_context().is_valid


def test_ratio_zero_records_nothing_at_the_root_but_follows_a_sampled_parent(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    provider = build_tracer_provider(ServiceSettings(traces_file=path, trace_sample_ratio=0.0))
    tracer = provider.get_tracer("test")

    with tracer.start_as_current_span("root") as root:
        assert not root.is_recording()
        flags = inject_headers()["traceparent"].rsplit("-", 1)[1]
        assert not int(flags, 16) & 0x01  # not sampled, and downstream will honour that
    assert _read(path) == []

    sampled_upstream = TracerProvider().get_tracer("upstream")
    with sampled_upstream.start_as_current_span("upstream"):
        headers = inject_headers()
    with tracer.start_as_current_span("downstream", context=extract_context(headers)) as child:
        assert child.is_recording()
    assert [s["name"] for s in _read(path)] == ["downstream"]
    provider.shutdown()


def test_otlp_endpoint_gets_the_traces_path() -> None:
    assert telemetry._otlp_traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert telemetry._otlp_traces_url("http://collector:4318/") == "http://collector:4318/v1/traces"
    assert (
        telemetry._otlp_traces_url("https://x.example/otlp/v1/traces") == "https://x.example/otlp/v1/traces"
    )


def test_otlp_exporter_is_batched_when_configured() -> None:
    provider = build_tracer_provider(ServiceSettings(otlp_endpoint="http://127.0.0.1:9"))
    processors = provider._active_span_processor._span_processors
    assert [type(p).__name__ for p in processors] == ["BatchSpanProcessor"]
    provider.shutdown()


@pytest.fixture
def fresh_global_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenTelemetry allows one global provider per process: give this test its own."""
    monkeypatch.setattr(trace, "_TRACER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(trace, "_TRACER_PROVIDER", None)
    monkeypatch.setattr(telemetry, "_provider", None)


@pytest.mark.usefixtures("fresh_global_provider")
def test_setup_is_idempotent_and_installs_the_global_provider(tmp_path: Path) -> None:
    path = tmp_path / "spans.jsonl"
    settings = ServiceSettings(service_name="scheduling", traces_file=path, trace_sample_ratio=1.0)

    provider = setup_telemetry(settings)
    assert setup_telemetry(ServiceSettings(service_name="other")) is provider
    assert trace.get_tracer_provider() is provider

    with get_tracer("test").start_as_current_span("global"):
        pass
    shutdown_telemetry()
    shutdown_telemetry()  # idempotent

    (span,) = _read(path)
    assert span["service"] == "scheduling"
    assert os.stat(path).st_size > 0
