"""The Markdown event catalogue the README embeds."""

from __future__ import annotations

from tsunagu_contracts import Registry
from tsunagu_contracts.catalogue import catalogue_markdown, main


def test_catalogue_has_a_row_per_event(registry):
    text = catalogue_markdown(registry)
    lines = text.splitlines()
    assert lines[0] == "| Type | Version | Stream | Description | Schemas |"
    assert len(lines) == 2 + len(registry)
    row = next(line for line in lines if "sample.happened" in line)
    assert row == (
        "| `tsunagu.selftest.sample.happened.v1` | v1 | `TSUNAGU_SELFTEST` "
        "| A sample consultation was received. "
        "| [data](libs/contracts/schemas/data/tsunagu.selftest.sample.happened.v1.json), "
        "[envelope](libs/contracts/schemas/tsunagu.selftest.sample.happened.v1.json) |"
    )
    assert text.endswith("\n")


def test_catalogue_link_base_is_configurable(registry):
    text = catalogue_markdown(registry, schema_base="https://example.org/s/")
    assert "[data](https://example.org/s/data/tsunagu.selftest.sample.closed.v1.json)" in text
    assert "[envelope](https://example.org/s/tsunagu.selftest.sample.closed.v1.json)" in text


def test_empty_catalogue():
    assert catalogue_markdown(Registry()) == "_No events are registered yet._\n"


def test_main_prints_the_global_catalogue(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| Type |") or out == "_No events are registered yet._\n"
