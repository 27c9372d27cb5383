"""The recorded demo year (tests/fixtures/demo): every line is a valid event of the registry, and
every event type the services raise today is there, so a new type (or a new version) without a
recording fails here. A version superseded by a later one (read through its upcaster, no longer
raised) need not be recorded."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tsunagu_contracts import PRODUCERS, REGISTRY, STREAMS
from tsunagu_servicekit.eventlog import read_jsonl

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "demo"


def _recorded() -> dict[str, Counter[str]]:
    per_stream: dict[str, Counter[str]] = {}
    for path in sorted(FIXTURE.glob("*.jsonl")):
        counts: Counter[str] = Counter()
        for message in read_jsonl(path):
            event = REGISTRY.parse(message.payload_bytes())
            assert event.type == message.subject, f"{path.name} seq {message.seq}: subject and type differ"
            counts[event.type] += 1
        per_stream[path.stem] = counts
    return per_stream


def test_every_line_is_an_event_of_the_registry_on_its_own_stream() -> None:
    recorded = _recorded()
    assert set(recorded) == {s.name for s in STREAMS if s.name != "TSUNAGU_DLQ"}
    for stream, counts in recorded.items():
        for event_type in counts:
            assert REGISTRY.get(event_type).event_type.stream == stream, (stream, event_type)
    total = sum(sum(c.values()) for c in recorded.values())
    assert 200 <= total <= 1000, f"a few hundred events, not {total}"


def test_every_event_type_the_services_raise_is_recorded() -> None:
    seen: Counter[str] = Counter()
    for counts in _recorded().values():
        seen.update(counts)
    raised = {name for producer in PRODUCERS for name in REGISTRY.emitted_by(producer)}
    missing = sorted(raised - set(seen))
    assert not missing, (
        f"no recorded event of {missing}: make tsunagu demo raise it and record tests/fixtures/demo "
        "again (its README says how)"
    )
