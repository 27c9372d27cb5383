"""Discovery of the installed services, and the environment ``tsunagu up`` gives each of them.

A service package declares an entry point in the group ``tsunagu.services``: its name is the
service name (``intake``), its value the module run with ``python -m`` (``tsunagu_intake``).
Installing a service is all it takes for ``tsunagu up`` to run it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from rich.table import Table

from .common import CliError, console

ENTRY_POINT_GROUP = "tsunagu.services"
_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """One installed service: its name, the module that runs it, the package that provides it."""

    name: str
    module: str
    distribution: str | None = None
    index: int = 0
    """Position among all installed services (sorted by name); gives the service a stable HTTP port."""

    @property
    def env_prefix(self) -> str:
        """``intake`` -> ``TSUNAGU_INTAKE_`` (the prefix the service's settings read)."""
        return f"TSUNAGU_{self.name.upper().replace('-', '_')}_"


def discover_services(only: Sequence[str] = ()) -> list[ServiceEntry]:
    """The installed services, sorted by name; ``only`` keeps the named ones (and checks they exist)."""
    found: dict[str, ServiceEntry] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        name = ep.name.strip().lower()
        if not _NAME_RE.match(name) or name in found:
            continue
        dist = ep.dist.name if ep.dist is not None else None
        found[name] = ServiceEntry(name=name, module=ep.module, distribution=dist)
    entries = [
        ServiceEntry(name=e.name, module=e.module, distribution=e.distribution, index=i)
        for i, e in enumerate(sorted(found.values(), key=lambda e: e.name))
    ]
    if only:
        wanted = [n.strip().lower() for n in only]
        unknown = sorted(set(wanted) - {e.name for e in entries})
        if unknown:
            installed = ", ".join(e.name for e in entries) or "none"
            raise CliError(
                f"--only: no installed service named {', '.join(unknown)} (installed: {installed})"
            )
        entries = [e for e in entries if e.name in wanted]
    return entries


def service_environment(
    entry: ServiceEntry,
    *,
    nats_url: str,
    data_dir: Path,
    http_host: str,
    http_port: int,
    jwt_secret: str | None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment a service runs with under ``tsunagu up``.

    Streams are created once by ``up`` itself (``MANAGE_STREAMS=false``), each service keeps its
    state in its own directory, and every service verifies tokens with the one local secret.
    """
    env = dict(os.environ if base is None else base)
    prefix = entry.env_prefix
    env.update(
        {
            f"{prefix}NATS_URL": nats_url,
            f"{prefix}DATA_DIR": str(data_dir / entry.name),
            f"{prefix}HTTP_HOST": http_host,
            f"{prefix}HTTP_PORT": str(http_port),
            f"{prefix}MANAGE_STREAMS": "false",
            f"{prefix}LOG_FORMAT": "console",
            "PYTHONUNBUFFERED": "1",  # lines reach `up` as they are written
        }
    )
    if jwt_secret is not None:
        env[f"{prefix}JWT_SECRET"] = jwt_secret
    return env


def list_services_command(base_port: int) -> None:
    entries = discover_services()
    if not entries:
        console.print(
            "No service is installed. Services register an entry point in the "
            f"[bold]{ENTRY_POINT_GROUP}[/] group; `tsunagu up` then runs the broker alone."
        )
        return
    table = Table(title="Installed services")
    table.add_column("service", style="bold")
    table.add_column("module (python -m)")
    table.add_column("package")
    table.add_column("port under `up`", justify="right")
    table.add_column("settings prefix")
    for e in entries:
        table.add_row(e.name, e.module, e.distribution or "?", str(base_port + e.index), e.env_prefix)
    console.print(table)
