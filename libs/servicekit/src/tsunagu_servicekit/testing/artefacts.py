"""Where tests keep what a person should be able to look at afterwards: screenshots, rendered
pages, generated PDFs."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["artefacts_dir"]


def artefacts_dir(name: str) -> Path:
    """``test-artefacts/<name>`` under the working directory, or under ``TSUNAGU_TEST_ARTEFACTS``
    when set (a CI job points it at the directory it uploads); created when missing."""
    path = Path(os.environ.get("TSUNAGU_TEST_ARTEFACTS", "test-artefacts")) / name
    path.mkdir(parents=True, exist_ok=True)
    return path
