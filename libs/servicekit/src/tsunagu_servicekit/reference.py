"""Reference data a service ships in its package (opening hours, rules, a catalogue), which an
operator may replace with a file named in the settings."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any


def reference_json(package: str, shipped: str, override: Path | None = None) -> Any:
    """The JSON in ``override`` when given, else the file ``shipped`` of ``package``
    (``tsunagu_scheduling.data``)."""
    if override is not None:
        text = override.read_text(encoding="utf-8")
    else:
        text = resources.files(package).joinpath(shipped).read_text(encoding="utf-8")
    return json.loads(text)
