"""AsyncAPI 3.0.0 documents of what a service publishes and consumes.

One channel per event type (its address is the NATS subject, which equals the CloudEvents
``type``), one message per channel whose payload is the event's full envelope schema, and one
operation per direction: ``publish_<type>`` (``send``) and ``consume_<type>`` (``receive``), with
``_`` in place of the dots. Schemas go to ``components.schemas`` with their ``$defs`` lifted
beside them, so every ``$ref`` resolves from the document root.

The documents are JSON (valid AsyncAPI, and no YAML library is needed); services write theirs to
``docs/asyncapi/<service>.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .registry import REGISTRY, Registry
from .schemagen import docstring, event_schema, summary

ASYNCAPI_VERSION = "3.0.0"
CONTENT_TYPE = "application/cloudevents+json"
DEFAULT_SERVER_HOST = "localhost:4222"


def component_key(type_name: str) -> str:
    """``tsunagu.intake.case.opened.v1`` -> ``tsunagu_intake_case_opened_v1``."""
    return type_name.replace(".", "_")


def durable_name(consumer: str, type_name: str) -> str:
    """Durable pull consumer of ``consumer`` for one type, e.g. ``scheduling-intake-case-escalated-v1``."""
    _, producer, entity, action, version = type_name.split(".")
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
) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of ``service``: the event types it publishes and consumes.

    Every type must be registered in ``registry`` (a :class:`KeyError` names the one that is not).
    """
    publishes = sorted(set(publishes))
    subscribes = sorted(set(subscribes))
    for name in [*publishes, *subscribes]:
        if name not in registry:
            raise KeyError(f"{name} is not a registered event type")

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}

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
            "payload": {"$ref": f"#/components/schemas/{key}"},
            "correlationId": {
                "description": "Id of the first event of the flow",
                "location": "$message.payload#/correlationid",
            },
        }
        channels[key] = {
            "address": name,
            "title": name,
            "description": f"Stream {et.stream}; CloudEvents structured mode, Nats-Msg-Id = event id.",
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
            durable = durable_name(service, name)
            operations[f"consume_{key}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{key}"},
                "summary": f"{service} consumes {name} with the durable pull consumer {durable}",
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
        "servers": {
            "nats": {
                "host": server_host,
                "protocol": "nats",
                "description": "NATS JetStream: a stream per producing service, dead letters in TSUNAGU_DLQ",
            }
        },
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
