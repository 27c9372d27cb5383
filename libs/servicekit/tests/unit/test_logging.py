from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from tsunagu_servicekit.logging import REDACTED, configure_logging, get_logger
from tsunagu_servicekit.settings import ServiceSettings

CANARY = "CANARY-太郎-0123"


@pytest.fixture(autouse=True)
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


def _configure(**overrides: Any) -> None:
    configure_logging(ServiceSettings(service_name="intake", **overrides))


def _lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_json_line_has_standard_fields_and_readable_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    _configure()
    get_logger("tsunagu.test").info("相談を受け付けました", case_id="case-1")

    err = capsys.readouterr().err
    assert "相談を受け付けました" in err  # not \\u-escaped
    (line,) = _lines(err)
    assert line["event"] == "相談を受け付けました"
    assert line["level"] == "info"
    assert line["service"] == "intake"
    assert line["logger"] == "tsunagu.test"
    assert line["case_id"] == "case-1"
    assert line["timestamp"].endswith("Z")
    assert "trace_id" not in line


def test_trace_and_span_ids_inside_a_span(capsys: pytest.CaptureFixture[str]) -> None:
    _configure()
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        get_logger("tsunagu.test").info("inside")
    ctx = span.get_span_context()

    (line,) = _lines(capsys.readouterr().err)
    assert line["trace_id"] == format(ctx.trace_id, "032x")
    assert line["span_id"] == format(ctx.span_id, "016x")


def test_personal_keys_are_redacted_at_any_depth(capsys: pytest.CaptureFixture[str]) -> None:
    _configure()
    get_logger("tsunagu.test").info(
        "person.updated",
        person_id="p-1",
        name=CANARY,
        Email=CANARY,
        profile={"NickName": CANARY, "contact": {"phone": CANARY, "kind": "mobile"}, "memo": [CANARY]},
        items=[{"note": CANARY, "code": "A1"}],
        Payload={"x": CANARY},
    )

    err = capsys.readouterr().err
    assert CANARY not in err
    (line,) = _lines(err)
    assert line["person_id"] == "p-1"
    assert line["name"] == REDACTED
    assert line["Email"] == REDACTED
    assert line["Payload"] == REDACTED
    assert line["profile"]["NickName"] == REDACTED
    assert line["profile"]["memo"] == REDACTED
    assert line["profile"]["contact"] == {"phone": REDACTED, "kind": "mobile"}
    assert line["items"] == [{"note": REDACTED, "code": "A1"}]


def test_stdlib_records_share_the_format_and_redaction(capsys: pytest.CaptureFixture[str]) -> None:
    _configure()
    logging.getLogger("uvicorn.error").warning("起動 %s", "完了", extra={"data": CANARY, "port": 8000})

    err = capsys.readouterr().err
    assert CANARY not in err
    (line,) = _lines(err)
    assert line["event"] == "起動 完了"
    assert line["logger"] == "uvicorn.error"
    assert line["level"] == "warning"
    assert line["service"] == "intake"
    assert line["data"] == REDACTED
    assert line["port"] == 8000


def test_exceptions_are_logged_by_class_without_message(capsys: pytest.CaptureFixture[str]) -> None:
    _configure()
    log = get_logger("tsunagu.test")
    try:
        try:
            raise KeyError(CANARY)
        except KeyError as exc:
            raise ValueError(f"bad value {CANARY}") from exc
    except ValueError:
        log.exception("handler.failed")
    try:
        raise RuntimeError(CANARY)
    except RuntimeError:
        logging.getLogger("faststream").exception("stdlib %s", "failure")

    err = capsys.readouterr().err
    assert CANARY not in err
    structlog_line, stdlib_line = _lines(err)
    assert structlog_line["error_class"] == "ValueError"
    assert structlog_line["error_causes"] == ["KeyError"]
    assert structlog_line["stack"]
    assert stdlib_line["error_class"] == "RuntimeError"
    assert stdlib_line["level"] == "error"


def test_level_filters(capsys: pytest.CaptureFixture[str]) -> None:
    _configure(log_level="warning")
    log = get_logger("tsunagu.test")
    log.info("hidden")
    log.warning("shown")
    logging.getLogger("nats").info("hidden too")

    assert [line["event"] for line in _lines(capsys.readouterr().err)] == ["shown"]


def test_uvicorn_access_lines_are_silenced(capsys: pytest.CaptureFixture[str]) -> None:
    _configure(log_level="debug")
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET /persons?name=%s HTTP/1.1" 200', CANARY)

    assert CANARY not in capsys.readouterr().err


def test_console_format(capsys: pytest.CaptureFixture[str]) -> None:
    _configure(log_format="console")
    get_logger("tsunagu.test").info("見える", name=CANARY, case_id="case-9")

    err = capsys.readouterr().err
    assert "見える" in err
    assert "case-9" in err
    assert CANARY not in err
    assert not err.lstrip().startswith("{")


def test_reconfiguring_does_not_duplicate_lines(capsys: pytest.CaptureFixture[str]) -> None:
    _configure()
    _configure()
    get_logger("tsunagu.test").info("once")

    assert len(_lines(capsys.readouterr().err)) == 1
