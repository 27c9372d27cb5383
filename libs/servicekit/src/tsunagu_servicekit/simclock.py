"""A simulated clock for local demonstrations: the service's time is the instant written in a file.

``tsunagu demo`` records a whole fiscal year in minutes. Services stamp what they record and the
events they raise with their clock (``UnitOfWork.now``), and their rules (opening hours, business
days, deadlines) read the same clock; so the demo moves time itself by writing the instant it is
simulating into one file that every service of the local stack reads (``simulated_clock_file``,
which settings refuse outside ``environment=local``).

The file holds one ISO 8601 instant with its offset (``2025-04-01T01:00:00+00:00``). Each call
reads it (some thirty bytes; parsed again only when the text changed): a ``stat`` key of inode,
time and size would be cheaper, but it can in principle come back (a file replaced within one tick
of the kernel's coarse timestamps may get a freed inode again), and a clock that missed a change
would stamp events with an old instant. The writer replaces the file atomically (write aside,
rename). Until the file exists the clock is the real time, so a stack started with the option
behaves normally until a demo runs.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["SimulatedClock", "scanned_versions", "write_simulated_instant"]


class SimulatedClock:
    """A :data:`~tsunagu_servicekit.unit_of_work.Clock` reading the instant in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._text: str | None = None
        self._value: datetime | None = None

    def version(self) -> str | None:
        """The file's text: it changes whenever simulated time moves (timers compare it to wake)."""
        try:
            return self.path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None

    def __call__(self) -> datetime:
        text = self.version()
        if text is None:
            return datetime.now(UTC)
        if text != self._text or self._value is None:
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                raise ValueError(f"{self.path}: the simulated instant has no UTC offset")
            self._value = value.astimezone(UTC)
            self._text = text
        return self._value

    def acknowledge(self, timer: str, version: object) -> None:
        """Note that ``timer`` (``<service>.<name>``) finished a scan begun at ``version``: the demo
        waits for every timer to have scanned at the instant it set before it takes its next step,
        so what timers raise falls in the same place in every run of a seed."""
        if not isinstance(version, str):
            return
        folder = _scanned_folder(self.path)
        folder.mkdir(parents=True, exist_ok=True)
        aside = folder / f".{timer}.{os.getpid()}"
        aside.write_text(version, encoding="ascii")
        os.replace(aside, folder / timer)


def _scanned_folder(path: Path) -> Path:
    return path.with_name(f"{path.name}.scanned")


def scanned_versions(path: Path) -> dict[str, str]:
    """Each timer's version of the clock in ``path`` at its last finished scan."""
    folder = _scanned_folder(path)
    if not folder.is_dir():
        return {}
    found: dict[str, str] = {}
    for entry in folder.iterdir():
        if entry.name.startswith("."):
            continue
        try:
            found[entry.name] = entry.read_text(encoding="ascii").strip()
        except FileNotFoundError:  # replaced between the listing and the read
            continue
    return found


def write_simulated_instant(path: Path, instant: datetime) -> None:
    """Replace the instant in ``path`` atomically (readers never see a half-written file)."""
    if instant.tzinfo is None:
        raise ValueError("the simulated instant must be aware (UTC on the wire)")
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    aside.write_text(instant.astimezone(UTC).isoformat(), encoding="ascii")
    os.replace(aside, path)
