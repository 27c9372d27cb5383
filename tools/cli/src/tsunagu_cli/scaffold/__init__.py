"""``tsunagu new-service NAME``: a new service in the kit's shape, ready to run and to test.

The template (``template/``) is a service of the same form as intake and scheduling: settings, a
migration, one command with its refusal rules, one event (its contract goes into
``libs/contracts``, where every contract lives), one consumer (intake's ``PersonErased``: every
service that keeps anything about a person must forget it), an API, test support and tests.
Placeholders in paths and files are ``{{service}}``, ``{{Service}}``, ``{{SERVICE}}``,
``{{entity}}``, ``{{Entity}}``, ``{{ENTITY}}``, ``{{entities}}``, ``{{description}}``,
``{{port}}`` and ``{{date}}``; files end in ``.tmpl`` so that no tool reads the template as code.

Besides writing the files, it registers the contract module (``events/__init__.py``), the
service as a producer with a stream of its own (``streams.py``) and the package in the workspace
(root ``pyproject.toml``). What it cannot decide for you is listed as
next steps (see ``docs/adding-a-service.md``).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

__all__ = ["ScaffoldError", "ServiceScaffold", "new_service"]

_NAME = re.compile(r"^[a-z][a-z0-9]{1,29}$")
_FIRST_PORT = 8001


class ScaffoldError(ValueError):
    """The service cannot be generated as asked (bad name, exists already, not a workspace)."""


@dataclass(frozen=True)
class ServiceScaffold:
    """What a new service is called, and what its first entity is called."""

    service: str
    entity: str = "item"
    description: str = "a new Tsunagu service."
    port: int = _FIRST_PORT
    today: date = field(default_factory=date.today)

    def __post_init__(self) -> None:
        for what, value in (("service", self.service), ("entity", self.entity)):
            if not _NAME.match(value):
                raise ScaffoldError(
                    f"the {what} name must be 2-30 lower-case letters and digits, first a letter"
                )
        if self.service == self.entity:
            raise ScaffoldError("the entity needs a name other than the service's")

    def placeholders(self) -> dict[str, str]:
        return {
            "{{service}}": self.service,
            "{{Service}}": self.service.capitalize(),
            "{{SERVICE}}": self.service.upper(),
            "{{entity}}": self.entity,
            "{{Entity}}": self.entity.capitalize(),
            "{{ENTITY}}": self.entity.upper(),
            "{{entities}}": f"{self.entity}s",
            "{{description}}": self.description.replace('"', "'"),
            # The package docstring, wrapped to the line length ruff allows.
            "{{docstring}}": textwrap.fill(
                f"Tsunagu {self.service}: " + self.description.replace('"', "'"), width=100
            ),
            "{{port}}": str(self.port),
            "{{date}}": self.today.isoformat(),
        }

    def render(self, text: str) -> str:
        for placeholder, value in self.placeholders().items():
            text = text.replace(placeholder, value)
        return text


def _template_files(node: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for child in node.iterdir():
        path = f"{prefix}{child.name}"
        if child.is_dir():
            found.extend(_template_files(child, f"{path}/"))
        elif child.name.endswith(".tmpl"):
            found.append((path.removesuffix(".tmpl"), child))
    return sorted(found, key=lambda item: item[0])


def next_port(root: Path) -> int:
    """One past the highest default HTTP port of the services in ``root``."""
    ports = [
        int(m.group(1))
        for settings in root.glob("services/*/src/*/settings.py")
        if (m := re.search(r"http_port: int = Field\(default=(\d+)", settings.read_text(encoding="utf-8")))
    ]
    return max(ports, default=_FIRST_PORT - 1) + 1


def _register_contracts(root: Path, service: str) -> Path:
    index = root / "libs/contracts/src/tsunagu_contracts/events/__init__.py"
    text = index.read_text(encoding="utf-8")
    line = f"from . import {service} as {service}\n"
    if line not in text:
        index.write_text(text.rstrip("\n") + "\n" + line, encoding="utf-8")
    return index


def _register_producer(root: Path, service: str) -> Path:
    """Give the service its stream: it joins ``PRODUCERS`` (one stream per producing service)."""
    streams = root / "libs/contracts/src/tsunagu_contracts/streams.py"
    text = streams.read_text(encoding="utf-8")
    match = re.search(r"PRODUCERS: tuple\[str, \.\.\.\] = \(([^)]*)\)", text)
    if match is None:
        raise ScaffoldError("libs/contracts streams.py has no PRODUCERS tuple to add to")
    names = re.findall(r'"([a-z0-9_]+)"', match.group(1))
    if service not in names:
        listed = ", ".join(f'"{n}"' for n in [*names, service])
        text = text[: match.start()] + f"PRODUCERS: tuple[str, ...] = ({listed})" + text[match.end() :]
        streams.write_text(text, encoding="utf-8")
    return streams


def _register_in_workspace(root: Path, service: str) -> Path:
    """Add the package to the workspace root's dependencies and sources (text edits: the file's
    comments and layout stay as they are)."""
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    package = f"tsunagu-{service}"
    if f'"{package}"' not in text:
        text, n = re.subn(
            r'(\[project\][^\[]*?dependencies = \[\n(?:    "[^"\n]*",\n)*)',
            rf'\1    "{package}",\n',
            text,
            count=1,
        )
        if n != 1:
            raise ScaffoldError("the root pyproject.toml has no [project] dependencies list to add to")
    if f"{package} = {{ workspace = true }}" not in text:
        text, n = re.subn(
            r"(\[tool\.uv\.sources\]\n(?:[^\[\n][^\n]*\n)*)",
            rf"\1{package} = {{ workspace = true }}\n",
            text,
            count=1,
        )
        if n != 1:
            raise ScaffoldError("the root pyproject.toml has no [tool.uv.sources] table to add to")
    pyproject.write_text(text, encoding="utf-8")
    return pyproject


def new_service(root: Path, scaffold: ServiceScaffold) -> list[Path]:
    """Write the service ``scaffold`` describes into the workspace at ``root``; the paths written.

    Refuses (:class:`ScaffoldError`) before writing anything when ``root`` is not a Tsunagu
    workspace or any file it would write exists already.
    """
    if not (root / "pyproject.toml").is_file() or not (root / "libs/contracts").is_dir():
        raise ScaffoldError(f"{root} is not a Tsunagu workspace (no pyproject.toml and libs/contracts)")
    template = resources.files(__package__).joinpath("template")
    planned = [(root / scaffold.render(rel), source) for rel, source in _template_files(template)]
    existing = [str(path.relative_to(root)) for path, _ in planned if path.exists()]
    if existing:
        raise ScaffoldError(f"would overwrite {', '.join(existing[:3])}{' …' if len(existing) > 3 else ''}")
    written: list[Path] = []
    for path, source in planned:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(scaffold.render(source.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(path)
    written.append(_register_contracts(root, scaffold.service))
    written.append(_register_producer(root, scaffold.service))
    written.append(_register_in_workspace(root, scaffold.service))
    tidy([p for p in written if p.suffix == ".py"], root)
    return written


def tidy(paths: list[Path], root: Path) -> bool:
    """Sort imports and format ``paths`` with ruff, as ``./dev lint`` wants them (the order of
    imports depends on the names given). False when ruff is not installed here."""
    if importlib.util.find_spec("ruff") is None:
        return False
    files = [str(p) for p in paths]
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "check", "--fix-only", "--select", "I", "--quiet", *files], cwd=root, check=False)
    subprocess.run([*ruff, "format", "--quiet", *files], cwd=root, check=False)
    return True
