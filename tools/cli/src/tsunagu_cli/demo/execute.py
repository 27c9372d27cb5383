"""Performing the plan against a running stack: the clock, the steps, the record of what was done.

Before each step the simulated instant is written to ``<data-dir>/clock`` (the file every service
of ``tsunagu up --simulated-clock`` reads), then the step's action runs over HTTP. What happened
is kept beside the data:

- ``<data-dir>/demo.json``: the run's seed, scale and plan size (what a second run compares);
- ``<data-dir>/demo-steps.jsonl``: one line when a step is sent, one when its outcome is known
  (what it answered, or the rule that refused it).

A second run with the same seed and scale continues after the last step whose outcome is known; a
different seed or scale is refused. A step that was sent but whose outcome is unknown (the demo was
killed meanwhile) is not sent again blindly: each step has an instant of its own, so the events it
raised are found on its service's stream by their time; found, the step counts as done (what later
steps need is taken from the events), not found, it is sent again. Steps that raise no event
(creating a resource, a learner or a web registration) and the sweeps, which act on what they
find, are sent again. A step of two calls (enrolling and booking a seat, say) found done counts as
done whole: a call it had not made yet shows up later as a refusal of a step that needed it.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx

from .actions import ACTIONS, NEEDS_REF, NEEDS_REFS, Demo, DemoError, Refused, Skipped
from .plan import Step

STATE_FILE = "demo.json"
JOURNAL_FILE = "demo-steps.jsonl"
LOCK_FILE = "demo.lock"
CLOCK_FILE = "clock"
FORMAT = 1

SERVICE_OF: dict[str, str] = {
    "consultation": "intake",
    "peer_consultation": "intake",
    "risk": "intake",
    "escalate": "intake",
    "close_case": "intake",
    "web_consultation": "intake",
    "public_signup": "intake",
    "reply": "intake",
    "extend_reply_deadline": "intake",
    "home_visit_request": "intake",
    "generate_meetings": "scheduling",
    "weekly_sessions": "scheduling",
    "seminar": "scheduling",
    "seminar_register": "scheduling",
    "consultation_day": "scheduling",
    "seminar_cancel": "scheduling",
    "seminar_roll": "scheduling",
    "session_register": "scheduling",
    "book": "scheduling",
    "cancel_appointment": "scheduling",
    "reschedule_appointment": "scheduling",
    "no_show": "scheduling",
    "attended": "scheduling",
    "training_session": "training",
    "enrol_and_book": "training",
    "attendance": "training",
    "enrol_programme": "training",
    "book_seat": "training",
    "progress": "training",
    "revoke_certificate": "training",
    "partner_register": "partners",
    "partner_apply": "partners",
    "partner_refuse": "partners",
    "partner_sign": "partners",
    "partner_offering": "partners",
    "partner_renew": "partners",
    "partner_suspend": "partners",
    "partner_resume": "partners",
    "partner_end": "partners",
    "referral": "partners",
    "referral_accept": "partners",
    "referral_decline": "partners",
    "referral_withdraw": "partners",
    "referral_outcome": "partners",
    "joint_join": "partners",
    "joint_withdraw": "partners",
    "resource_listing": "partners",
    "network_meeting": "partners",
    "directory_edition": "partners",
    "joint_session": "scheduling",
    "disclosure_withdraw": "intake",
    "erase_person": "intake",
    "subsidy_apply": "subsidy",
    "subsidy_review": "subsidy",
    "subsidy_refuse": "subsidy",
    "subsidy_decide": "subsidy",
    "subsidy_withdraw": "subsidy",
    "subsidy_advance": "subsidy",
    "subsidy_change": "subsidy",
    "subsidy_change_review": "subsidy",
    "subsidy_change_decide": "subsidy",
    "subsidy_report": "subsidy",
    "subsidy_confirm": "subsidy",
    "subsidy_pay": "subsidy",
    "subsidy_refund": "subsidy",
}
"""The service whose stream shows a step's events (steps not listed raise none of their own)."""


class DemoStateError(Exception):
    """The data directory holds another demo (or a record this version cannot read)."""


@dataclass
class Outcomes:
    """What the steps did, per kind: done, refused (per rule), skipped (per reason)."""

    done: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def record(self, kind: str, entry: Mapping[str, Any]) -> None:
        if "refused" in entry:
            self.refused[f"{kind}: {entry['refused']}"] += 1
        elif "skipped" in entry:
            self.skipped[f"{kind}: {entry['skipped']}"] += 1
        else:
            self.done[kind] += 1


@dataclass
class Journal:
    """The record of a run in a data directory (see the module documentation)."""

    data_dir: Path
    seed: int
    scale: float
    plan_size: int
    refs: dict[str, dict[str, Any]] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)
    sent: set[int] = field(default_factory=set)
    outcomes: Outcomes = field(default_factory=Outcomes)
    _out: IO[str] | None = None
    _lock: IO[str] | None = None

    @classmethod
    def open(cls, data_dir: Path, seed: int, scale: float, steps: Sequence[Step]) -> Journal:
        """The journal of this run: new, or the one a run with the same seed and scale left.
        Held until :meth:`close`: a second demo on the same data directory meanwhile is refused."""
        state_path = data_dir / STATE_FILE
        journal = cls(data_dir, seed, scale, len(steps))
        data_dir.mkdir(parents=True, exist_ok=True)
        journal._lock = open(data_dir / LOCK_FILE, "a")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(journal._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            journal._lock.close()
            raise DemoStateError(f"another tsunagu demo is running on {data_dir}") from None
        try:
            journal._load(state_path, steps)
        except BaseException:
            journal.close()
            raise
        return journal

    def _load(self, state_path: Path, steps: Sequence[Step]) -> None:
        data_dir, seed, scale = self.data_dir, self.seed, self.scale
        journal = self
        if state_path.exists():
            try:
                state = json.loads(state_path.read_text(encoding="utf-8"))
            except ValueError:
                raise DemoStateError(
                    f"{state_path} is not a demo record; move it away to start afresh"
                ) from None
            if state.get("format") != FORMAT:
                raise DemoStateError(f"{state_path} was written by another version of the demo")
            if (state.get("seed"), state.get("scale"), state.get("plan_size")) != (seed, scale, len(steps)):
                raise DemoStateError(
                    f"{data_dir} already holds the demo of --seed {state.get('seed')} "
                    f"--scale {state.get('scale')}: "
                    "the same seed and scale continue it; another needs a fresh data directory"
                )
            journal._replay(steps)
        else:
            state = {"format": FORMAT, "seed": seed, "scale": scale, "plan_size": len(steps)}
            aside = state_path.with_suffix(".tmp")
            aside.write_text(json.dumps(state), encoding="utf-8")
            aside.replace(state_path)
        journal._out = open(data_dir / JOURNAL_FILE, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def _replay(self, steps: Sequence[Step]) -> None:
        path = self.data_dir / JOURNAL_FILE
        if not path.exists():
            return
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a kill: its step counts as sent, outcome unknown
                index = entry["i"]
                if entry.get("sent"):
                    self.sent.add(index)
                    continue
                self._apply(steps[index], index, entry)

    def _apply(self, step: Step, index: int, entry: Mapping[str, Any]) -> None:
        self.done.add(index)
        self.sent.discard(index)
        if step.ref and isinstance(entry.get("ok"), dict):
            self.refs[step.ref] = entry["ok"]
        self.outcomes.record(step.kind, entry)

    def _write(self, entry: Mapping[str, Any]) -> None:
        assert self._out is not None
        self._out.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._out.flush()

    def mark_sent(self, index: int) -> None:
        self.sent.add(index)
        self._write({"i": index, "sent": True})

    def finish(self, step: Step, index: int, entry: dict[str, Any]) -> None:
        self._write({"i": index, **entry})
        self._apply(step, index, entry)

    def unknown(self) -> list[int]:
        """Steps sent whose outcome was never written."""
        return sorted(self.sent - self.done)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None


def resolve(value: Any, refs: Mapping[str, Mapping[str, Any]]) -> Any:
    """``"@ref.field"`` replaced by what step ``ref`` answered (:class:`Skipped` when it has not);
    ``"@?ref.field"`` by ``None`` then (something a step may or may not have made)."""
    if isinstance(value, str) and value.startswith("@"):
        optional = value.startswith("@?")
        name, _, key = value[2 if optional else 1 :].partition(".")
        found = refs.get(name)
        if found is None or (key and key not in found):
            if optional:
                return None
            raise Skipped("depends_on_refused")
        return found[key] if key else found
    if isinstance(value, Mapping):
        return {k: resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    return value


def perform(
    demo: Demo, step: Step, index: int, refs: Mapping[str, Mapping[str, Any]], seed: int
) -> dict[str, Any]:
    """Run one step at its instant; the journal entry of its outcome."""
    demo.now = step.at
    demo.rng = random.Random(f"{seed}:{index}")  # what a sweep picks depends on the seed and step only
    try:
        args = resolve(dict(step.args), refs)
        action = ACTIONS[step.kind]
        if step.kind in NEEDS_REF:
            result = action(demo, args, step.ref)
        elif step.kind in NEEDS_REFS:
            result = action(demo, args, refs)
        else:
            result = action(demo, args)
    except Refused as exc:
        return {"refused": exc.rule}
    except Skipped as exc:
        return {"skipped": exc.why}
    return {"ok": result if isinstance(result, dict) else None}


def write_clock(path: Path, at: datetime) -> None:
    from tsunagu_servicekit.simclock import write_simulated_instant

    write_simulated_instant(path, at)


# -- finding a step's events on the bus --------------------------------------------------------------
async def events_at(nats_url: str, stream: str, at: datetime) -> list[dict[str, Any]]:
    """The CloudEvents on ``stream`` whose ``time`` is ``at`` (the events one step raised)."""
    from ..common import connect
    from ..reader import StreamReader

    found: list[dict[str, Any]] = []
    async with connect(nats_url) as (_nc, js), StreamReader(js, stream, idle_timeout=3.0) as reader:
        async for msg in reader:
            try:
                event = json.loads(msg.data)
                when = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
            except (ValueError, KeyError, TypeError):
                continue
            if when == at:
                found.append(event)
    return found


def recovered(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What a step answered, as far as its events tell (ids under the same names)."""
    out: dict[str, Any] = {}
    for event in events:
        data = event.get("data") or {}
        for key, value in data.items():
            if isinstance(value, str) and (key == "id" or key.endswith("_id") or key == "municipality_code"):
                out.setdefault(key, value)
    return out


async def count_events(nats_url: str) -> Counter[str]:
    """Events per type on every event stream (the dead-letter stream excluded)."""
    from tsunagu_contracts import DLQ_STREAM, STREAMS

    from ..common import connect
    from ..reader import StreamReader

    counts: Counter[str] = Counter()
    async with connect(nats_url) as (_nc, js):
        for definition in STREAMS:
            if definition.name == DLQ_STREAM.name:
                continue
            async with StreamReader(js, definition.name, headers_only=True, idle_timeout=5.0) as reader:
                async for msg in reader:
                    counts[msg.subject] += 1
    return counts


# -- the run -------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    performed: int
    already_done: int
    recovered: int
    outcomes: Outcomes
    seconds: float


def run_steps(
    steps: Sequence[Step],
    journal: Journal,
    demo: Demo,
    *,
    clock_file: Path,
    nats_url: str,
    on_step: Callable[[int, Step], None] = lambda i, s: None,
    stop_after: int | None = None,
) -> RunResult:
    """Perform every step not done yet, in order; ``stop_after`` ends early (tests: a killed demo)."""
    started = time.monotonic()
    already = len(journal.done)
    found = 0
    for index in journal.unknown():
        step = steps[index]
        service = SERVICE_OF.get(step.kind)
        if service is None:
            continue  # sent again below
        write_clock(clock_file, step.at)
        events = asyncio.run(_wait_events(nats_url, service, step.at))
        if events:
            journal.finish(step, index, {"ok": recovered(events), "recovered": True})
            found += 1
    performed = 0
    with Quiescence(nats_url, clock_file) as quiet:
        for index, step in enumerate(steps):
            if index in journal.done:
                continue
            if stop_after is not None and performed >= stop_after:
                break
            write_clock(clock_file, step.at)
            quiet.wait()  # what the clock's move set off (timers) is on the bus before the step
            journal.mark_sent(index)
            entry = perform(demo, step, index, journal.refs, journal.seed)
            journal.finish(step, index, entry)
            quiet.wait()  # and what the step set off, in every service, before the next one
            performed += 1
            on_step(index, step)
    return RunResult(performed, already, found, journal.outcomes, time.monotonic() - started)


class Quiescence:
    """Waits until the platform is quiet: no stream grew between two looks a few milliseconds
    apart, every durable consumer has taken and acknowledged all it was sent, and every service's
    timers have finished a scan at the instant on the simulated clock.

    Why: the services answer a step before what it sets off elsewhere has happened (an event
    consumed by another service, a timer woken by the clock's move). Without waiting, the next step
    races with it — a visit completed before the closure of its case reached scheduling, say — and
    two runs of one seed would leave different events. With it, a seed's year is the same events in
    the same order on each stream (``tsunagu events diff --ignore-time`` of two runs finds nothing).
    One connection and one event loop serve the whole run."""

    def __init__(self, nats_url: str, clock_file: Path, *, gap: float = 0.005, timeout: float = 30.0) -> None:
        self.nats_url = nats_url
        self.clock_file = clock_file
        self.gap = gap
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._nc: Any = None

    def __enter__(self) -> Quiescence:
        import nats

        from ..common import connect_options

        options = connect_options(self.nats_url).nats_py()
        self._nc = self._loop.run_until_complete(nats.connect(**options, name="tsunagu-demo-quiet"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._nc is not None:
            self._loop.run_until_complete(self._nc.close())
        self._loop.close()

    def wait(self) -> None:
        self._loop.run_until_complete(self._wait())

    async def _look(self) -> tuple[tuple[tuple[str, int], ...], bool]:
        js = self._nc.jetstream()
        streams = await js.streams_info()
        last = tuple(sorted((s.config.name or "", s.state.last_seq) for s in streams))
        for stream in streams:
            for info in await js.consumers_info(stream.config.name or ""):
                if info.config.durable_name and (info.num_pending or info.num_ack_pending):
                    return last, False
        return last, True

    def _timers_caught_up(self) -> bool:
        """Every service's timers have finished a scan at the instant on the clock."""
        from tsunagu_servicekit.simclock import scanned_versions

        try:
            now = self.clock_file.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return True
        return all(version == now for version in scanned_versions(self.clock_file).values())

    async def _wait(self) -> None:
        deadline = time.monotonic() + self.timeout
        previous: tuple[tuple[str, int], ...] | None = None
        while time.monotonic() < deadline:
            if not self._timers_caught_up():
                previous = None
                await asyncio.sleep(self.gap)
                continue
            last, settled = await self._look()
            if settled and last == previous:
                return
            previous = last
            await asyncio.sleep(self.gap)
        raise DemoError(f"the platform did not settle within {self.timeout:.0f} s")


async def _wait_events(
    nats_url: str, service: str, at: datetime, patience: float = 5.0
) -> list[dict[str, Any]]:
    """The step's events, waiting a little for the service's relay to publish what it committed."""
    from tsunagu_contracts.streams import stream_name

    deadline = time.monotonic() + patience
    while True:
        events = await events_at(nats_url, stream_name(service), at)
        if events or time.monotonic() > deadline:
            return events
        await asyncio.sleep(0.5)


def readiness(urls: Mapping[str, str]) -> dict[str, int | None]:
    """Each service's ``GET /readyz`` status (``None``: no answer)."""
    out: dict[str, int | None] = {}
    with httpx.Client(timeout=5.0) as client:
        for name, url in urls.items():
            try:
                out[name] = client.get(f"{url}/readyz").status_code
            except httpx.HTTPError:
                out[name] = None
    return out


def settle(nats_url: str, *, quiet_seconds: float = 3.0, timeout: float = 120.0) -> Counter[str]:
    """Wait until the streams stop growing (relays and consumers caught up); the final counts."""
    deadline = time.monotonic() + timeout
    last = asyncio.run(count_events(nats_url))
    steady_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = asyncio.run(count_events(nats_url))
        if now != last:
            last, steady_since = now, time.monotonic()
        elif time.monotonic() - steady_since >= quiet_seconds:
            break
    return last


def utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def iter_pending(steps: Sequence[Step], journal: Journal) -> Iterator[tuple[int, Step]]:
    for i, s in enumerate(steps):
        if i not in journal.done:
            yield i, s
