"""Structured logging: one JSON object per line on stderr, the same shape for structlog and stdlib.

Every line carries ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``, ``service``, ``event`` and,
when an OpenTelemetry span is current, ``trace_id`` and ``span_id``. Records of stdlib loggers
(uvicorn, FastStream, nats, SQLAlchemy) go through the same processors and renderer.

Personal data never belongs in a log line (architecture §3): log ids, codes and error classes.
As a second line of defence, values under keys that denote personal data (``name``, ``email``,
``text``, ``payload``, ``data`` …, at any depth) are replaced with ``"[redacted]"``, and
exceptions are rendered as their class and stack frames only — an exception's message may echo
input, so it is never written.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import structlog
from opentelemetry import trace

if TYPE_CHECKING:
    from structlog.typing import EventDict, Processor, WrappedLogger

    from tsunagu_servicekit.settings import ProcessSettings

__all__ = [
    "PERSONAL_KEYS",
    "REDACTED",
    "configure_logging",
    "get_logger",
    "redact_personal_data",
]

REDACTED = "[redacted]"

#: Keys (compared case-insensitively, ``-`` read as ``_``) whose values are never logged.
PERSONAL_KEYS: frozenset[str] = frozenset(
    {
        "name",
        "nickname",
        "full_name",
        "first_name",
        "last_name",
        "given_name",
        "family_name",
        "kana",
        "name_kana",
        "phone",
        "phone_number",
        "tel",
        "email",
        "email_address",
        "mail",
        "address",
        "postal_address",
        "note",
        "notes",
        "text",
        "body",
        "message_body",
        "birth_date",
        "date_of_birth",
        "birthday",
        "memo",
        "comment",
        "comments",
        "payload",
        "data",
        "free_text",
    }
)

# Loggers of libraries we run under, which install their own handlers or formats.
_FOREIGN_LOGGERS = (
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "faststream",
    "faststream.access",
    "nats",
    "sqlalchemy",
    "alembic",
    "httpx",
    "httpcore",
)

_MAX_DEPTH = 8


def _is_personal_key(key: object) -> bool:
    return isinstance(key, str) and key.lower().replace("-", "_") in PERSONAL_KEYS


def _redact_value(value: Any, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if _is_personal_key(k) else _redact_value(v, depth + 1)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact_value(v, depth + 1) for v in value]
    return value


def redact_personal_data(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Processor: replace the values of personal-data keys, also inside nested dicts and lists."""
    for key in list(event_dict):
        if key == "event" or key.startswith("_"):
            continue
        if _is_personal_key(key):
            event_dict[key] = REDACTED
        else:
            value = event_dict[key]
            if isinstance(value, Mapping | list | tuple | set | frozenset):
                event_dict[key] = _redact_value(value, 1)
    return event_dict


def add_trace_ids(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Processor: add ``trace_id``/``span_id`` (hex) of the current OpenTelemetry span, if any."""
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event_dict.setdefault("trace_id", format(ctx.trace_id, "032x"))
        event_dict.setdefault("span_id", format(ctx.span_id, "016x"))
    return event_dict


def _exception_class(exc: BaseException) -> str:
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _frames(tb: TracebackType | None) -> list[str]:
    return [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb, limit=30)]


def render_exception_safely(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """Processor: turn ``exc_info`` into the exception class, its causes' classes and stack frames.

    The exception's message (``str(exc)``) is left out on purpose: it may quote input values.
    """
    exc_info = event_dict.pop("exc_info", None)
    event_dict.pop("stack_info", None)
    if not exc_info:
        return event_dict
    exc: BaseException | None
    if isinstance(exc_info, BaseException):
        exc = exc_info
    elif isinstance(exc_info, tuple):
        exc = exc_info[1]
    else:
        exc = sys.exc_info()[1]
    if exc is None:
        return event_dict
    event_dict.setdefault("error_class", _exception_class(exc))
    causes: list[str] = []
    seen = {id(exc)}
    link = exc.__cause__ or exc.__context__
    while link is not None and id(link) not in seen and len(causes) < 5:
        seen.add(id(link))
        causes.append(_exception_class(link))
        link = link.__cause__ or link.__context__
    if causes:
        event_dict["error_causes"] = causes
    event_dict["stack"] = _frames(exc.__traceback__)
    return event_dict


def _drop_color_message(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    event_dict.pop("color_message", None)
    return event_dict


class _ServiceAdder:
    def __init__(self, service: str, environment: str) -> None:
        self.service = service
        self.environment = environment

    def __call__(self, _logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
        event_dict["service"] = self.service
        event_dict.setdefault("environment", self.environment)
        return event_dict


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic in the stubs, not at run time
    """Writes to whatever ``sys.stderr`` is at the time of the record (pytest capture, redirects)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


# The structlog side is the same for every configuration, so loggers may be cached safely;
# everything that depends on the settings lives in the formatter of the root handler.
_SHARED: list[Processor] = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    add_trace_ids,
]


def _configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            *_SHARED,
            redact_personal_data,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


# structlog always hands its events to stdlib logging, from import on: a module-level logger
# used before configure_logging() must not get cached with structlog's default (print) set-up.
_configure_structlog()


def configure_logging(settings: ProcessSettings) -> None:
    """Route structlog and stdlib logging to stderr, JSON lines (or console), at ``log_level``.

    Safe to call again (tests, reconfiguration): the root handler is replaced, not duplicated.
    Run uvicorn with ``log_config=None`` so it keeps this configuration.
    """
    _configure_structlog()
    level = logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO)

    renderer: Processor
    if settings.log_format == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    else:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            *_SHARED,
            structlog.stdlib.ExtraAdder(),
            _drop_color_message,
            redact_personal_data,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _ServiceAdder(settings.service_name, settings.environment),
            render_exception_safely,
            renderer,
        ],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)

    for name in _FOREIGN_LOGGERS:
        lib_logger = logging.getLogger(name)
        for old in list(lib_logger.handlers):
            lib_logger.removeHandler(old)
        lib_logger.propagate = True
        lib_logger.setLevel(logging.NOTSET)
    # uvicorn's access lines quote the raw path and query string, which may carry ids or personal
    # data; the HTTP middleware of servicekit counts requests by route template instead.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # SQLAlchemy logs statements with their parameters at INFO, httpx logs URLs: WARNING at most.
    for name in ("httpx", "httpcore", "sqlalchemy", "alembic"):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    logging.captureWarnings(True)


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A structlog logger bound to the stdlib logger ``name``; log ids, codes and error classes only."""
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
