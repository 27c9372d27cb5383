"""Generated documents stay in step with the code: the README's event catalogue and the schemas."""

from __future__ import annotations

from pathlib import Path

from tsunagu_contracts.catalogue import catalogue_markdown, embed
from tsunagu_contracts.schemagen import check

ROOT = Path(__file__).resolve().parents[2]


def test_readme_event_catalogue_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert embed(readme, catalogue_markdown()) == readme, "run ./dev docs"


def test_committed_schemas_match_the_registry() -> None:
    assert check() == [], "run ./dev docs"
