"""A service's AsyncAPI document, from what it publishes (the registry) and consumes (its subscriptions).

No service writes code for it: ``python -m tsunagu_servicekit.asyncapi SERVICE [PATH]`` imports
``tsunagu_<service>.consumers.SUBSCRIPTIONS``, takes the description from the package's metadata
(the ``description`` of its ``pyproject.toml``) and writes ``docs/asyncapi/<service>.json`` of the
source tree, or ``PATH``. ``./dev docs`` runs it for every service.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, metadata
from pathlib import Path
from typing import Any

from tsunagu_contracts import REGISTRY
from tsunagu_contracts.asyncapi import asyncapi_document, write_asyncapi

from .messaging.consumer import Subscription

__all__ = ["document_path", "main", "package_document", "service_document"]


def service_document(
    service: str, subscriptions: Sequence[Subscription[Any, Any]], description: str
) -> dict[str, Any]:
    """The AsyncAPI document of ``service``: every event type it publishes, the ones it subscribes to."""
    return asyncapi_document(
        service,
        publishes=REGISTRY.emitted_by(service),
        # The earlier versions a subscription reads through upcasters are received too.
        subscribes=[t for s in subscriptions for t in REGISTRY.readable_as(s.event_type)],
        description=description,
    )


def package_document(service: str) -> dict[str, Any]:
    """The AsyncAPI document of the service in package ``tsunagu_<service>``: its subscriptions from
    ``consumers.SUBSCRIPTIONS``, its description from the distribution ``tsunagu-<service>``."""
    consumers = importlib.import_module(f"tsunagu_{service}.consumers")
    try:
        description = metadata(f"tsunagu-{service}")["Summary"] or ""
    except PackageNotFoundError:
        description = ""
    return service_document(service, consumers.SUBSCRIPTIONS, description)


def document_path(service: str) -> Path:
    """``docs/asyncapi/<service>.json`` of the source tree that holds package ``tsunagu_<service>``
    (in ``services/<service>/src/``): where the committed document lives."""
    package = importlib.import_module(f"tsunagu_{service}")
    if package.__file__ is None:
        raise ValueError(f"tsunagu_{service} is not a regular package")
    return Path(package.__file__).resolve().parents[4] / "docs" / "asyncapi" / f"{service}.json"


def main(argv: Sequence[str] | None = None) -> Path:
    """``SERVICE [PATH]``: write the service's document to ``PATH`` or to :func:`document_path`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or len(args) > 2:
        raise SystemExit("usage: python -m tsunagu_servicekit.asyncapi SERVICE [PATH]")
    service = args[0]
    path = Path(args[1]) if len(args) > 1 else document_path(service)
    written = write_asyncapi(package_document(service), path)
    print(written)
    return written


if __name__ == "__main__":
    main()
