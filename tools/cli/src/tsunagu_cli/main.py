"""The ``tsunagu`` command: Typer wiring only; each command group's logic lives in its own module."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.markup import escape

from . import diff as diff_mod
from . import dlq as dlq_mod
from . import events as events_mod
from . import streams as streams_mod
from .common import (
    DEFAULT_DATA_DIR,
    DEFAULT_NATS_PORT,
    DEFAULT_NATS_URL,
    NATS_URL_ENV,
    CliError,
    console,
    default_nats_url,
    err_console,
    parse_instant,
    report,
    run,
)

if TYPE_CHECKING:
    from datetime import datetime

    from .services import ServiceEntry

app = typer.Typer(
    name="tsunagu",
    help="Tsunagu: run the local platform; look into streams, consumers, events, dead letters and the "
    "services' outboxes; mint local tokens.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
streams_app = typer.Typer(
    help="JetStream streams: list them, apply the platform's definitions.", no_args_is_help=True
)
events_app = typer.Typer(
    help="Events: watch them live, export a stream, replay an export, compare two exports.",
    no_args_is_help=True,
)
consumers_app = typer.Typer(
    help="The services' durable consumers: apply the platform's plan, list their state.", no_args_is_help=True
)
dlq_app = typer.Typer(help="Dead letters: list, inspect, retry.", no_args_is_help=True)
nack_app = typer.Typer(
    help="The streams and consumers as NACK resources (the JetStream controller for Kubernetes).",
    no_args_is_help=True,
)
outbox_app = typer.Typer(
    help="A service's outbox: the rows the relay quarantined (the broker refused them for good); "
    "list, inspect, retry, discard.",
    no_args_is_help=True,
)
app.add_typer(streams_app, name="streams")
app.add_typer(consumers_app, name="consumers")
app.add_typer(events_app, name="events")
app.add_typer(dlq_app, name="dlq")
app.add_typer(nack_app, name="nack")
app.add_typer(outbox_app, name="outbox")
tls_app = typer.Typer(
    help="Certificates for NATS TLS in Compose and tests: a private CA, a server and a client certificate.",
    no_args_is_help=True,
)
app.add_typer(tls_app, name="tls")

T = TypeVar("T")


@dataclass
class State:
    nats_url: str | None


NatsUrlOption = Annotated[
    str | None,
    typer.Option(
        "--nats-url", help=f"Broker URL (default: the global --nats-url, {NATS_URL_ENV}, {DEFAULT_NATS_URL})."
    ),
]
DataDirOption = Annotated[
    Path,
    typer.Option("--data-dir", help="Where the local stack keeps its data (broker store, logs, JWT secret)."),
]


def _url(ctx: typer.Context, override: str | None) -> str:
    if override:
        return override
    state = ctx.find_object(State)
    if state is not None and state.nats_url:
        return state.nats_url
    try:
        return default_nats_url()  # TSUNAGU_NATS_URL or TSUNAGU_NATS_URL_FILE, as the services read them
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None


@app.callback()
def main(
    ctx: typer.Context,
    nats_url: Annotated[
        str | None,
        typer.Option(
            "--nats-url",
            help=f"Broker URL used by every command that talks to NATS (default: {NATS_URL_ENV} or "
            f"{NATS_URL_ENV}_FILE, else {DEFAULT_NATS_URL}). User, password and TLS come from "
            "TSUNAGU_NATS_USER, TSUNAGU_NATS_PASSWORD and TSUNAGU_NATS_TLS_CA_FILE (and _CERT_FILE, "
            "_KEY_FILE), each also as ..._FILE.",
        ),
    ] = None,
) -> None:
    ctx.obj = State(nats_url=nats_url)


# -- up ----------------------------------------------------------------------------------------------


@app.command()
def up(
    data_dir: DataDirOption = Path(DEFAULT_DATA_DIR),
    nats_port: Annotated[
        int,
        typer.Option(help="Broker client port; when it is taken a free one is used (and shown)."),
    ] = DEFAULT_NATS_PORT,
    base_port: Annotated[
        int, typer.Option(help="HTTP port of the first service; the next ones count up.")
    ] = 8100,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these services (repeat, or comma-separate).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface the broker and the services listen on.")] = "127.0.0.1",
    ready_timeout: Annotated[float, typer.Option(help="Seconds each service has to become ready.")] = 60.0,
    stop_timeout: Annotated[
        float, typer.Option(help="Seconds services have to stop before they are killed.")
    ] = 10.0,
    simulated_clock: Annotated[
        bool,
        typer.Option(
            help="The services' time is the instant in <data-dir>/clock (what `tsunagu demo` writes)."
        ),
    ] = False,
) -> None:
    """Run the broker, create the streams and start every installed service; Ctrl-C stops it all."""
    from .up import UpConfig, run_up

    names = tuple(n.strip() for item in (only or []) for n in item.split(",") if n.strip())
    config = UpConfig(
        data_dir=data_dir,
        nats_port=nats_port,
        base_port=base_port,
        only=names,
        host=host,
        ready_timeout=ready_timeout,
        stop_timeout=stop_timeout,
        simulated_clock=simulated_clock,
    )
    try:
        code = run_up(config, console)
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None
    raise typer.Exit(code)


DEFAULT_SCALE = 0.25
"""A quarter of the programme's year: a few minutes on a 2-core machine (docs/cli.md)."""


# -- demo ------------------------------------------------------------------------------------------------


@app.command()
def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="The year's seed: the same seed, the same year.")] = 1,
    scale: Annotated[
        float,
        typer.Option(help="Multiplies the yearly volumes (1: the real programme's; 0.25 runs in minutes)."),
    ] = DEFAULT_SCALE,
    data_dir: DataDirOption = Path(DEFAULT_DATA_DIR),
    base_port: Annotated[int, typer.Option(help="The --base-port of the running `tsunagu up`.")] = 8100,
    host: Annotated[str, typer.Option(help="Where the services listen.")] = "127.0.0.1",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan's steps per kind; send nothing.")
    ] = False,
    nats_url: NatsUrlOption = None,
) -> None:
    """Fill a running `tsunagu up --simulated-clock` with a synthetic fiscal year, through the APIs."""
    from .demo.command import DemoConfig, demo_command

    config = DemoConfig(
        data_dir=data_dir,
        nats_url=_url(ctx, nats_url),
        seed=seed,
        scale=scale,
        host=host,
        base_port=base_port,
        dry_run=dry_run,
    )
    try:
        code = demo_command(config, console)
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None
    raise typer.Exit(code)


# -- services -----------------------------------------------------------------------------------------


@app.command("services")
def services_cmd(
    base_port: Annotated[
        int, typer.Option(help="Base port, to show which port each service gets under `up`.")
    ] = 8100,
) -> None:
    """List the installed services `tsunagu up` would run."""
    from .services import list_services_command

    try:
        list_services_command(base_port)
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None


@app.command("new-service")
def new_service_cmd(
    name: Annotated[
        str, typer.Argument(help="The service's name: lower-case letters and digits (partners).")
    ],
    entity: Annotated[str, typer.Option(help="Its first entity, in the singular (agreement).")] = "item",
    description: Annotated[str, typer.Option(help="One sentence saying what the service does.")] = (
        "a new Tsunagu service."
    ),
    root: Annotated[
        Path, typer.Option(help="The workspace to write into (the repository root).", file_okay=False)
    ] = Path("."),
) -> None:
    """Generate a service in the kit's shape: see docs/adding-a-service.md."""
    from .scaffold import ScaffoldError, ServiceScaffold, new_service, next_port

    try:
        scaffold = ServiceScaffold(name, entity, description, port=next_port(root))
        written = new_service(root, scaffold)
    except ScaffoldError as exc:
        err_console.print(f"[red]Cannot generate the service:[/] {exc}")
        raise typer.Exit(1) from None
    console.print(f"Generated [bold]{name}[/] ({len(written)} files written or updated) in {root.resolve()}.")
    console.print(
        "Next: [bold]uv lock[/], [bold]./dev test[/] (the deploy tests name the consumer plan and NATS "
        "permissions the new subscription needs), [bold]./dev docs[/] (schemas, catalogue, AsyncAPI)."
    )


# -- streams -------------------------------------------------------------------------------------------


@streams_app.command("list")
def streams_list(ctx: typer.Context, nats_url: NatsUrlOption = None) -> None:
    """Every stream on the broker: subjects, messages, bytes, sequences, consumers."""
    url = _url(ctx, nats_url)
    run(lambda: streams_mod.streams_list_command(url))


@streams_app.command("apply")
def streams_apply(
    ctx: typer.Context,
    replicas: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=5,
            help="Replicas of every stream (3 on a NATS cluster). Unset: an existing stream keeps its "
            "own, a new one gets 1.",
        ),
    ] = None,
    nats_url: NatsUrlOption = None,
) -> None:
    """Create or update the platform's streams from the event contracts."""
    url = _url(ctx, nats_url)
    run(lambda: streams_mod.streams_apply_command(url, replicas))


# -- consumers -----------------------------------------------------------------------------------------
# The consumers module loads the service kit's consumer machinery (slow to import): only when used.


@consumers_app.command("apply")
def consumers_apply(
    ctx: typer.Context,
    ack_wait: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            help="Seconds the broker waits for an ack before redelivering (default: the service kit's). "
            "Never less than the services' TSUNAGU_<SERVICE>_ACK_WAIT.",
        ),
    ] = None,
    batch: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1000,
            help="The services' TSUNAGU_<SERVICE>_CONSUMER_BATCH; sets max_ack_pending (default: the kit's).",
        ),
    ] = None,
    nats_url: NatsUrlOption = None,
) -> None:
    """Create or update the services' durable consumers with the service kit's configuration."""
    from dataclasses import replace

    from . import consumers as consumers_mod

    url = _url(ctx, nats_url)
    policy = consumers_mod.DEFAULT_POLICY
    if ack_wait is not None:
        policy = replace(policy, ack_wait=ack_wait)
    if batch is not None:
        policy = replace(policy, batch=batch)
    run(lambda: consumers_mod.consumers_apply_command(url, policy))


@consumers_app.command("list")
def consumers_list(
    ctx: typer.Context,
    subjects: Annotated[
        bool,
        typer.Option(
            "--subjects",
            help="Instead: the subjects each service's block in nats-server.conf allows (no broker needed).",
        ),
    ] = False,
    nats_url: NatsUrlOption = None,
) -> None:
    """Each planned consumer: service, event type, stream, name, whether it exists, pending counts."""
    from . import consumers as consumers_mod

    if subjects:
        consumers_mod.consumers_subjects_command()
        return
    url = _url(ctx, nats_url)
    run(lambda: consumers_mod.consumers_list_command(url))


# -- nack ----------------------------------------------------------------------------------------------


@nack_app.command("write")
def nack_write(
    directory: Annotated[Path, typer.Argument(help="Where streams.yaml and consumers.yaml go.")],
    replicas: Annotated[
        int,
        typer.Option(min=1, max=5, help="Replicas of every stream, as `tsunagu streams apply --replicas`."),
    ] = 3,
    account: Annotated[
        str, typer.Option(help="The NACK Account resource the streams and consumers name.")
    ] = "tsunagu",
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; fail if the files differ from the contracts.")
    ] = False,
) -> None:
    """Write the Stream and Consumer resources for NACK, configured as `streams apply` and
    `consumers apply` would configure them (no broker needed)."""
    from . import nack as nack_mod

    try:
        nack_mod.nack_write_command(directory, replicas, account, check)
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None


# -- events --------------------------------------------------------------------------------------------


@events_app.command("tail")
def events_tail(
    ctx: typer.Context,
    types: Annotated[
        list[str] | None,
        typer.Option("--type", help="Type prefix to show, e.g. tsunagu.intake.case (repeatable)."),
    ] = None,
    stream: Annotated[
        str | None, typer.Option(help="Watch this stream only (default: every event stream).")
    ] = None,
    from_start: Annotated[bool, typer.Option("--from-start", help="Show the stored history first.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many events.")] = None,
    nats_url: NatsUrlOption = None,
) -> None:
    """Show events as they happen (Tokyo time, type, id, correlation, subject, data). Ctrl-C stops."""
    url = _url(ctx, nats_url)
    run(
        lambda: events_mod.events_tail_command(
            url, types=types or (), stream=stream, from_start=from_start, limit=limit
        ),
        interrupted_code=0,
    )


@events_app.command("export")
def events_export(
    ctx: typer.Context,
    stream: Annotated[str, typer.Option(help="Stream to export, e.g. TSUNAGU_INTAKE.")],
    since: Annotated[
        str | None, typer.Option(help="Start at this stream time (ISO 8601; without offset: Tokyo time).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Stop after this stream time (ISO 8601).")] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", help="JSON Lines file, or - for standard output.")
    ] = "-",
    nats_url: NatsUrlOption = None,
) -> None:
    """Write a stream's messages as JSON Lines, in stream order, up to its end when the export starts."""
    url = _url(ctx, nats_url)
    try:
        start = parse_instant(since, option="--since") if since else None
        end = parse_instant(until, option="--until") if until else None
        if start and end and end < start:
            raise CliError("--until is before --since")
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None

    if output == "-":
        run(
            lambda: events_mod.events_export_command(
                url, stream, sys.stdout, since=start, until=end, where="standard output", status=err_console
            )
        )
        return
    # Written aside and renamed at the end: a failed export never leaves a truncated file behind.
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        fh = open(partial, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed below
    except OSError as exc:
        report(CliError(f"--output {output}: {exc.strerror or exc}"))
        raise typer.Exit(1) from None
    try:
        with fh:
            run(
                lambda: events_mod.events_export_command(
                    url, stream, fh, since=start, until=end, where=str(target), status=console
                )
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


@events_app.command("replay")
def events_replay(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="JSON Lines files made by `tsunagu events export` (with --into: files or directories "
            "of them; none: the live streams)."
        ),
    ] = None,
    into: Annotated[
        str | None,
        typer.Option(
            "--into",
            help="Rebuild this service's views in a fresh database instead of publishing: only its "
            "consumers' handlers run, on ephemeral consumers; the live ones are left alone.",
        ),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="With --into: the fresh database to rebuild into (it must hold no tables); default a "
            "new SQLite file <data-dir>/replays/<service>-<time>.db.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="With --into: stop after the last event at or before this time (ISO 8601)."),
    ] = None,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--types", help="With --into: only these event types, or types below a prefix (repeatable)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="With --into: print the summary as JSON.")] = False,
    data_dir: OutboxDataDirOption = Path(DEFAULT_DATA_DIR),
    pace: Annotated[float, typer.Option(min=0, help="Seconds to wait between messages.")] = 0.0,
    rate: Annotated[
        float | None, typer.Option(min=0.001, help="At most this many messages per second.")
    ] = None,
    nats_url: NatsUrlOption = None,
) -> None:
    """Publish an export back to JetStream, keeping message ids (the broker drops duplicates); or,
    with --into SERVICE, rebuild that service's views from an export or the live streams."""
    url = _url(ctx, nats_url)
    if into is not None:
        _replay_into(into, files or [], url, database, data_dir, until, types or [], as_json)
        return
    if database or until or types or as_json:
        report(CliError("--database, --until, --types and --json go with --into"))
        raise typer.Exit(2)
    if not files or len(files) != 1:
        report(CliError("give one export file to publish (or --into SERVICE)"))
        raise typer.Exit(2)
    [file] = files
    try:
        with open(file, encoding="utf-8") as fh:
            total = sum(1 for line in fh if line.strip())
        fh = open(file, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        report(CliError(f"{file}: {exc.strerror or exc}"))
        raise typer.Exit(1) from None
    with fh:
        run(
            lambda: events_mod.events_replay_command(
                url, events_mod.read_records(fh, str(file)), total=total, name=file.name, pace=pace, rate=rate
            )
        )


def _replay_into(
    service: str,
    sources: list[Path],
    nats_url: str,
    database: str | None,
    data_dir: Path,
    until: str | None,
    types: list[str],
    as_json: bool,
) -> None:
    from .outbox import find_service
    from .replay_into import replay_into_command

    def body() -> tuple[ServiceEntry, datetime | None]:
        return find_service(service), parse_instant(until, option="--until") if until else None

    entry, end = _sync(body)
    outcome = run(
        lambda: replay_into_command(
            entry,
            sources=sources,
            nats_url=nats_url,
            database_url=database,
            data_dir=data_dir,
            until=end,
            types=types,
            console=console,
            as_json=as_json,
        )
    )
    if outcome.summary.dead_lettered:
        raise typer.Exit(3)


@events_app.command("diff")
def events_diff(
    a: Annotated[Path, typer.Argument(help="Export A: a JSON Lines file, or a directory of <STREAM>.jsonl.")],
    b: Annotated[Path, typer.Argument(help="Export B, the same way.")],
    by: Annotated[
        diff_mod.PairBy,
        typer.Option(
            "--by",
            help="Pair events by event id, or in order with generated UUIDs paired (two runs); "
            "auto: by id when the exports share an id.",
        ),
    ] = diff_mod.PairBy.AUTO,
    ignore_time: Annotated[
        bool, typer.Option("--ignore-time", help="Leave out the events' times and every date-time in data.")
    ] = False,
    ignore_fields: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore-field", help="Leave out a field: data.case_id, data.*_at (repeatable; shell patterns)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="The whole difference as JSON on standard output.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="Events listed per kind of difference and stream.")] = 20,
) -> None:
    """Compare two exports: events added, removed, changed (which fields), reordered. Exit 0 when
    equal, 1 when they differ, 2 when an input is not an export."""
    try:
        result = diff_mod.diff_exports(
            diff_mod.load_export(a),
            diff_mod.load_export(b),
            by=by,
            options=diff_mod.DiffOptions(ignore_time=ignore_time, ignore_fields=tuple(ignore_fields or ())),
        )
    except diff_mod.DiffInputError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        diff_mod.render(result, console, limit=limit)
    raise typer.Exit(0 if result.equal else 1)


# -- dlq -----------------------------------------------------------------------------------------------


@dlq_app.command("list")
def dlq_list(
    ctx: typer.Context,
    consumer: Annotated[str | None, typer.Option(help="Only this consumer's dead letters.")] = None,
    nats_url: NatsUrlOption = None,
) -> None:
    """Dead letters: sequence, consumer, original subject and sequence, error class, attempts, time."""
    url = _url(ctx, nats_url)
    run(lambda: dlq_mod.dlq_list_command(url, consumer))


@dlq_app.command("show")
def dlq_show(
    ctx: typer.Context,
    seq: Annotated[int, typer.Argument(help="Sequence of the dead letter in TSUNAGU_DLQ.")],
    payload: Annotated[
        bool, typer.Option("--payload", help="Also print the payload (it may hold personal data).")
    ] = False,
    nats_url: NatsUrlOption = None,
) -> None:
    """One dead letter's headers, and its payload's size (the payload itself only with --payload)."""
    url = _url(ctx, nats_url)
    run(lambda: dlq_mod.dlq_show_command(url, seq, payload))


@dlq_app.command("retry")
def dlq_retry(
    ctx: typer.Context,
    seqs: Annotated[list[int] | None, typer.Argument(help="Sequences of the dead letters to retry.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Retry every dead letter (of --consumer).")] = False,
    consumer: Annotated[str | None, typer.Option(help="Only this consumer's dead letters.")] = None,
    nats_url: NatsUrlOption = None,
) -> None:
    """Republish dead letters to their original subject (fresh message id), then delete them."""
    url = _url(ctx, nats_url)
    if bool(seqs) == all_:
        err_console.print("[bold red]error:[/] give dead-letter sequence number(s) or --all (not both)")
        raise typer.Exit(2)
    outcomes = run(lambda: dlq_mod.dlq_retry_command(url, None if all_ else list(seqs or []), consumer))
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


# -- outbox --------------------------------------------------------------------------------------------
# The outbox module loads the service kit's database machinery (SQLAlchemy): only when used.

_OUTBOX_DB = (
    "\n\nThe database: --database-url if given, else the environment variable "
    "TSUNAGU_<SERVICE>_DATABASE_URL, else the SQLite file `tsunagu up` gives the service, "
    "<data-dir>/<service>/<service>.db (--data-dir, default .tsunagu); that file must exist. "
    "Payloads are never printed, only their sizes."
)
ServiceArgument = Annotated[
    str, typer.Argument(help="The service whose outbox to use (see `tsunagu services`), e.g. intake.")
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="The service's SQLAlchemy database URL (default: TSUNAGU_<SERVICE>_DATABASE_URL, else "
        "<data-dir>/<service>/<service>.db).",
    ),
]
OutboxDataDirOption = Annotated[
    Path,
    typer.Option(
        "--data-dir",
        help="The local stack's data directory: the service's SQLite file is "
        "<data-dir>/<service>/<service>.db.",
    ),
]
EventIdsArgument = Annotated[list[str] | None, typer.Argument(help="Event ids of quarantined rows.")]


def _sync(body: Callable[[], T]) -> T:
    """Run a synchronous command; a :class:`CliError` becomes a red message and exit code 1."""
    try:
        return body()
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None


def _ids_or_all(event_ids: list[str] | None, all_: bool) -> list[str] | None:
    """The chosen event ids (``None``: all); exit 2 unless exactly one of ids and --all is given."""
    if bool(event_ids) == all_:
        err_console.print("[bold red]error:[/] give event id(s) or --all (not both)")
        raise typer.Exit(2)
    return None if all_ else list(event_ids or [])


def _outbox_target(service: str, database_url: str | None, data_dir: Path) -> tuple[ServiceEntry, str]:
    """The installed service and its database URL, or exit 1 with the reason."""
    from .outbox import find_service, resolve_database_url

    def body() -> tuple[ServiceEntry, str]:
        entry = find_service(service)
        return entry, resolve_database_url(entry, database_url, data_dir)

    return _sync(body)


@outbox_app.command(
    "list",
    help="A service's quarantined outbox rows (with --pending: the rows waiting for the relay): seq, "
    "event id, subject, failed publishes, last error, time (Tokyo), payload size." + _OUTBOX_DB,
)
def outbox_list(
    service: ServiceArgument,
    pending: Annotated[
        bool, typer.Option("--pending", help="List the rows waiting for the relay instead.")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many rows (the oldest).")] = 100,
    database_url: DatabaseUrlOption = None,
    data_dir: OutboxDataDirOption = Path(DEFAULT_DATA_DIR),
) -> None:
    from .outbox import outbox_list_command

    entry, url = _outbox_target(service, database_url, data_dir)
    _sync(lambda: outbox_list_command(entry, url, "pending" if pending else "quarantined", limit))


@outbox_app.command(
    "show",
    help="One unpublished outbox row of a service (pending or quarantined): every field and the "
    "payload's size; exit 1 if there is none with that event id." + _OUTBOX_DB,
)
def outbox_show(
    service: ServiceArgument,
    event_id: Annotated[str, typer.Argument(help="The row's event id.")],
    database_url: DatabaseUrlOption = None,
    data_dir: OutboxDataDirOption = Path(DEFAULT_DATA_DIR),
) -> None:
    from .outbox import outbox_show_command

    entry, url = _outbox_target(service, database_url, data_dir)
    _sync(lambda: outbox_show_command(entry, url, event_id))


@outbox_app.command(
    "retry",
    help="Put quarantined rows (the given event ids, or --all) back in the relay's way, their failure "
    "count reset: the relay publishes them after the rows pending now. Exit 1 if some given ids are "
    "not quarantined rows." + _OUTBOX_DB,
)
def outbox_retry(
    service: ServiceArgument,
    event_ids: EventIdsArgument = None,
    all_: Annotated[bool, typer.Option("--all", help="Retry every quarantined row.")] = False,
    database_url: DatabaseUrlOption = None,
    data_dir: OutboxDataDirOption = Path(DEFAULT_DATA_DIR),
) -> None:
    from .outbox import outbox_retry_command

    ids = _ids_or_all(event_ids, all_)
    entry, url = _outbox_target(service, database_url, data_dir)
    if _sync(lambda: outbox_retry_command(entry, url, ids)).missing:
        raise typer.Exit(1)


@outbox_app.command(
    "discard",
    help="Delete quarantined rows (the given event ids, or --all): their events are never published. "
    "Asks first unless --yes; only quarantined rows are deleted. Exit 1 if some given ids are not "
    "quarantined rows, or if the question is answered no." + _OUTBOX_DB,
)
def outbox_discard(
    service: ServiceArgument,
    event_ids: EventIdsArgument = None,
    all_: Annotated[bool, typer.Option("--all", help="Discard every quarantined row.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    database_url: DatabaseUrlOption = None,
    data_dir: OutboxDataDirOption = Path(DEFAULT_DATA_DIR),
) -> None:
    from .outbox import outbox_discard_command, quarantined_count

    ids = _ids_or_all(event_ids, all_)
    entry, url = _outbox_target(service, database_url, data_dir)
    if not yes:
        if ids is None:
            count = _sync(lambda: quarantined_count(entry, url))
            if not count:
                console.print(f"No quarantined row of {entry.name} to discard.")
                return
            question = f"Discard all {count} quarantined row(s) of {entry.name}?"
        else:
            question = f"Discard the quarantined rows of {len(set(ids))} event id(s) of {entry.name}?"
        if not typer.confirm(question + " Their events will never be published", default=False):
            err_console.print("Nothing discarded.")
            raise typer.Exit(1)
    if _sync(lambda: outbox_discard_command(entry, url, ids)).missing:
        raise typer.Exit(1)


# -- token ---------------------------------------------------------------------------------------------


@app.command()
def token(
    roles: Annotated[
        list[str], typer.Option("--role", help="Role to grant (repeatable): counsellor, admin, …")
    ],
    scopes: Annotated[list[str] | None, typer.Option("--scope", help="Scope to grant (repeatable).")] = None,
    municipality: Annotated[
        str | None, typer.Option(help="Municipality code (needed with municipality_staff).")
    ] = None,
    partner: Annotated[
        str | None, typer.Option(help="Partner organisation id (needed with partner_staff).")
    ] = None,
    subject: Annotated[str, typer.Option(help="The token's subject (sub claim).")] = "local-dev",
    ttl: Annotated[int, typer.Option(help="Lifetime in seconds.")] = 3600,
    data_dir: DataDirOption = Path(DEFAULT_DATA_DIR),
) -> None:
    """Print a bearer token signed with the local stack's secret (the one `tsunagu up` gives the services)."""
    from .token import issue_token

    try:
        jwt = issue_token(
            data_dir,
            roles=roles,
            scopes=scopes or (),
            subject=subject,
            municipality=municipality,
            partner=partner,
            ttl_seconds=ttl,
        )
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None
    print(jwt)
    err_console.print(
        f"[dim]sub={subject} roles={','.join(sorted(set(roles)))} valid {ttl}s; "
        f"use it as: Authorization: Bearer <token>[/]"
    )


# -- tls -----------------------------------------------------------------------------------------------


@tls_app.command("generate")
def tls_generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the PEM files into (created).")],
    hosts: Annotated[
        list[str],
        typer.Option(
            "--host", help="A name or address clients reach the server by (repeat: nats, localhost)."
        ),
    ],
    days: Annotated[int, typer.Option(help="Validity of the CA and certificates, in days.")] = 365,
    force: Annotated[bool, typer.Option(help="Replace certificates already in --out.")] = False,
) -> None:
    """Write ca.pem, server.pem and client.pem (with their keys, mode 0600) for NATS TLS.

    The server uses server.pem and server-key.pem (deploy/nats/nats-server.conf); clients verify it
    with ca.pem (TSUNAGU_<SERVICE>_NATS_TLS_CA_FILE, TSUNAGU_NATS_TLS_CA_FILE for this command).
    Keep ca-key.pem out of every container: it signs new certificates.
    """
    from .tls import generate_certificates

    try:
        paths = generate_certificates(out, hosts, days=days, force=force)
    except CliError as exc:
        report(exc)
        raise typer.Exit(1) from None
    console.print(
        f"CA {paths.ca}, server {paths.server_cert} for {', '.join(hosts)}, client {paths.client_cert}"
    )


if __name__ == "__main__":
    app()
