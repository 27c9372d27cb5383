"""A service's AsyncAPI document, from what it publishes (the registry) and consumes (its subscriptions).

Each service's ``asyncapi.py`` names its description and calls :func:`main`, so
``python -m tsunagu_<service>.asyncapi [path]`` writes ``docs/asyncapi/<service>.json`` of the
source tree (or ``path``); ``./dev docs`` runs it for every service.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tsunagu_contracts import REGISTRY
from tsunagu_contracts.asyncapi import asyncapi_document, write_asyncapi

from .messaging.consumer import Subscription

__all__ = ["default_path", "main", "service_document"]


def service_document(
    service: str, subscriptions: Sequence[Subscription[Any, Any]], description: str
) -> dict[str, Any]:
    """The AsyncAPI document of ``service``: every event type it publishes, the ones it subscribes to."""
    return asyncapi_document(
        service,
        publishes=REGISTRY.subjects_of(service),
        subscribes=[s.event_type for s in subscriptions],
        description=description,
    )


def default_path(service: str, source_file: str) -> Path:
    """``docs/asyncapi/<service>.json`` of the source tree that holds ``source_file`` (a service's
    ``asyncapi.py``, in ``services/<s>/src/<package>/``): where the committed document lives."""
    return Path(source_file).resolve().parents[4] / "docs" / "asyncapi" / f"{service}.json"


def main(service: str, document: dict[str, Any], source_file: str, argv: Sequence[str] | None = None) -> Path:
    """Write ``document`` to the path in ``argv``, or to :func:`default_path`."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else default_path(service, source_file)
    written = write_asyncapi(document, path)
    print(written)
    return written
