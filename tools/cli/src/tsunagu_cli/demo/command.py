"""The ``tsunagu demo`` command: plan, perform with a progress bar, report counts and readiness."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from ..common import CliError
from ..services import discover_services
from .actions import Demo, DemoError, Tokens
from .execute import CLOCK_FILE, DemoStateError, Journal, Outcomes, readiness, run_steps, settle
from .plan import TOKYO, build_plan, step_counts


@dataclass(frozen=True, slots=True)
class DemoConfig:
    data_dir: Path
    nats_url: str
    seed: int = 1
    scale: float = 0.25
    host: str = "127.0.0.1"
    base_port: int = 8100
    propagation_timeout: float = 30.0
    dry_run: bool = False


def service_urls(host: str, base_port: int) -> dict[str, str]:
    """Where ``tsunagu up`` runs each installed service (the same port rule)."""
    return {e.name: f"http://{host}:{base_port + e.index}" for e in discover_services()}


def token_factory(data_dir: Path) -> Tokens:
    """Tokens signed with the local stack's secret (as `tsunagu token` makes them), one per person."""
    from ..token import issue_token

    @cache
    def tokens(
        role: str, *, subject: str, municipality: str | None = None, partner: str | None = None
    ) -> tuple[tuple[str, str], ...]:
        jwt = issue_token(
            data_dir,
            roles=[role],
            subject=subject,
            municipality=municipality,
            partner=partner,
            ttl_seconds=24 * 3600,
        )
        return (("Authorization", f"Bearer {jwt}"),)

    def headers(role: str, **kw: str | None) -> dict[str, str]:
        return dict(tokens(role, **kw))

    return headers


def demo_command(config: DemoConfig, console: Console) -> int:
    steps = build_plan(config.seed, config.scale)
    if config.dry_run:
        table = Table(title=f"The plan of --seed {config.seed} --scale {config.scale}: {len(steps)} steps")
        table.add_column("step")
        table.add_column("count", justify="right")
        for kind, n in step_counts(steps).items():
            table.add_row(kind, str(n))
        console.print(table)
        return 0
    urls = service_urls(config.host, config.base_port)
    missing = [name for name, code in readiness(urls).items() if code != 200]
    if missing:
        raise CliError(
            f"not ready: {', '.join(missing)} (is `tsunagu up --simulated-clock "
            f"--data-dir {config.data_dir}` running "
            f"with --base-port {config.base_port}?)"
        )
    clock_file = config.data_dir / CLOCK_FILE
    try:
        journal = Journal.open(config.data_dir, config.seed, config.scale, steps)
    except DemoStateError as exc:
        raise CliError(str(exc)) from None
    if len(journal.done) == len(steps):
        console.print(
            f"The demo of --seed {config.seed} --scale {config.scale} is complete in "
            f"{config.data_dir}: nothing to do."
        )
        journal.close()
        return 0
    if journal.done:
        console.print(f"Continuing: {len(journal.done)} of {len(steps)} steps were done before.")
    started = time.monotonic()
    with httpx.Client(timeout=30.0) as http:
        demo = Demo(
            urls=urls,
            http=http,
            tokens=token_factory(config.data_dir),
            propagation_timeout=config.propagation_timeout,
            nats_url=config.nats_url,
        )
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("", total=len(steps), completed=len(journal.done))

            def on_step(index: int, step: object) -> None:
                at = steps[index].at.astimezone(TOKYO)
                progress.update(task, completed=len(journal.done), description=at.strftime("%Y-%m-%d %H:%M"))

            try:
                result = run_steps(
                    steps, journal, demo, clock_file=clock_file, nats_url=config.nats_url, on_step=on_step
                )
            except DemoError as exc:
                raise CliError(f"{exc}; run the same command again to continue") from None
            finally:
                journal.close()
    counts = settle(config.nats_url)
    wall = time.monotonic() - started
    _report(console, result.outcomes, counts, readiness(urls), wall, result.recovered)
    return 0


def _report(
    console: Console,
    outcomes: Outcomes,
    counts: Counter[str],
    ready: Mapping[str, int | None],
    wall: float,
    recovered: int,
) -> None:
    table = Table(title="Events on the bus, per type")
    table.add_column("type")
    table.add_column("events", justify="right")
    for subject, n in sorted(counts.items()):
        table.add_row(subject, str(n))
    table.add_row("[bold]total", f"[bold]{sum(counts.values())}")
    console.print(table)
    if outcomes.refused or outcomes.skipped:
        other = Table(title="Steps refused by a rule or skipped (part of a realistic year)")
        other.add_column("step: why")
        other.add_column("count", justify="right")
        for key, n in sorted((outcomes.refused + outcomes.skipped).items()):
            other.add_row(key, str(n))
        console.print(other)
    console.print(
        f"Steps done: {sum(outcomes.done.values())}"
        + (f" ({recovered} found done on the bus after an interruption)" if recovered else "")
        + f"; wall time {wall:.1f}s"
    )
    console.print("Readiness: " + ", ".join(f"{name} {code or 'no answer'}" for name, code in ready.items()))
