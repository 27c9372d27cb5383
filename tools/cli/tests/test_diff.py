"""``tsunagu events diff``: pairing by id and by order, the fields named, ignores, inputs and exit codes."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from tsunagu_cli.diff import (
    DiffOptions,
    PairBy,
    UuidPairing,
    compare_docs,
    diff_exports,
    load_export,
)
from tsunagu_cli.events import export_stream
from tsunagu_cli.main import app
from tsunagu_contracts import REGISTRY, CloudEvent, caused_by, new_event
from tsunagu_contracts.events.intake import (
    CaseClosed,
    CaseEscalated,
    CaseOpened,
    Channel,
    CloseReason,
    EscalationReason,
    EscalationTrigger,
    RiskLevel,
    Urgency,
)
from tsunagu_contracts.events.scheduling import (
    AdviceCode,
    CaseReviewConcluded,
    CaseReviewScheduled,
    Discipline,
    DisciplineAdvice,
    ReviewPlacement,
    ReviewUrgency,
)
from tsunagu_servicekit.eventlog import ExportedMessage, write_jsonl
from tsunagu_servicekit.messaging.streams import ensure_streams
from typer.testing import CliRunner

runner = CliRunner()
T0 = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)


def simulate(seed: int, *, cases: int = 4, start: datetime = T0) -> list[CloudEvent[Any]]:
    """A deterministic little flow with fresh ids each run, as services make them: cases opened,
    some escalated (scheduling puts them on an agenda), some closed. ``seed`` decides the flow;
    the ids are new every time."""
    rng = random.Random(seed)
    events: list[CloudEvent[Any]] = []
    at = start
    for _ in range(cases):
        at += timedelta(minutes=rng.randint(1, 30))
        case_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
        opened = new_event(
            CaseOpened(case_id=case_id, person_id=person_id, opened_at=at, channel=Channel.PHONE),
            subject=case_id,
            time=at,
        )
        events.append(opened)
        if rng.random() < 0.6:
            escalation_id = str(uuid.uuid4())
            escalated = new_event(
                CaseEscalated(
                    escalation_id=escalation_id,
                    case_id=case_id,
                    person_id=person_id,
                    escalated_at=at,
                    trigger=EscalationTrigger.MANUAL,
                    urgency=rng.choice(list(Urgency)),
                    reason_codes=[EscalationReason.SUICIDE_RISK],
                    risk_level=RiskLevel.HIGH,
                ),
                subject=case_id,
                correlation_id=opened.id,
                causation_id=opened.id,
                time=at,
            )
            events.append(escalated)
            events.append(
                _scheduled(escalated, review_id=str(uuid.uuid4()), meeting_id=str(uuid.uuid4()), at=at)
            )
        else:
            closed = caused_by(
                opened,
                CaseClosed(case_id=case_id, person_id=person_id, closed_at=at, reason=CloseReason.RESOLVED),
                subject=case_id,
            )
            events.append(closed.model_copy(update={"time": at}))
    return events


def _scheduled(
    escalated: CloudEvent[CaseEscalated], *, review_id: str, meeting_id: str, at: datetime
) -> CloudEvent[CaseReviewScheduled]:
    data = escalated.data
    scheduled = caused_by(
        escalated,
        CaseReviewScheduled(
            review_id=review_id,
            case_id=data.case_id,
            person_id=data.person_id,
            escalation_id=data.escalation_id,
            meeting_id=meeting_id,
            meeting_date=at.date() + timedelta(days=7),
            meeting_starts_at=at + timedelta(days=7),
            urgency=ReviewUrgency(data.urgency.value),
            placement=ReviewPlacement.REGULAR,
            agenda_position=1,
        ),
        subject=data.case_id,
    )
    return scheduled.model_copy(update={"time": at})


def records(events: Sequence[CloudEvent[Any]]) -> list[ExportedMessage]:
    return [
        ExportedMessage.from_payload(
            e.type, e.to_json_bytes(), headers={"Nats-Msg-Id": e.id}, seq=n, time=e.time
        )
        for n, e in enumerate(events, start=1)
    ]


def export_dir(path: Path, events: Sequence[CloudEvent[Any]]) -> Path:
    """A directory of ``<STREAM>.jsonl``, as a run of all streams is exported."""
    path.mkdir(parents=True)
    by_stream: dict[str, list[CloudEvent[Any]]] = {}
    for e in events:
        by_stream.setdefault(e.event_type.stream, []).append(e)
    for stream, evs in by_stream.items():
        write_jsonl(path / f"{stream}.jsonl", records(evs))
    return path


def export_file(path: Path, events: Sequence[CloudEvent[Any]]) -> Path:
    write_jsonl(path, records(events))
    return path


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["events", "diff", *args])


# -- compare_docs ----------------------------------------------------------------------------


def test_compare_docs_names_the_fields_that_differ() -> None:
    a = {
        "type": "t",
        "time": "2026-04-01T00:00:00Z",
        "data": {"n": 1, "xs": [1, 2], "gone": True, "same": "s"},
    }
    b = {
        "type": "t",
        "time": "2026-04-01T00:00:00Z",
        "data": {"n": 2, "xs": [1, 2, 3], "new": 0, "same": "s"},
    }
    changes = compare_docs(a, b, DiffOptions())
    assert [c.path for c in changes] == ["data.gone", "data.n", "data.new", "data.xs[2]"]
    assert [c.describe() for c in changes] == [
        "data.gone: true → (absent)",
        "data.n: 1 → 2",
        "data.new: (absent) → 0",
        "data.xs[2]: (absent) → 3",
    ]
    assert compare_docs(a, a, DiffOptions()) == []


def test_true_is_not_one_and_null_is_not_absent() -> None:
    assert [c.path for c in compare_docs({"x": True}, {"x": 1}, DiffOptions())] == ["x"]
    assert [c.path for c in compare_docs({"x": None}, {}, DiffOptions())] == ["x"]


def test_ignore_fields_cover_a_path_and_everything_below_it() -> None:
    a = {"time": "2026-04-01T00:00:00Z", "data": {"opened_at": "x", "closed_at": "y", "case": {"id": 1}}}
    b = {"time": "2026-04-02T00:00:00Z", "data": {"opened_at": "z", "closed_at": "w", "case": {"id": 2}}}
    assert [c.path for c in compare_docs(a, b, DiffOptions(ignore_fields=("data.*_at",)))] == [
        "data.case.id",
        "time",
    ]
    assert [c.path for c in compare_docs(a, b, DiffOptions(ignore_fields=("data", "time")))] == []
    assert [c.path for c in compare_docs(a, b, DiffOptions(ignore_fields=("data.case",)))] == [
        "data.closed_at",
        "data.opened_at",
        "time",
    ]


def test_ignore_time_leaves_out_the_time_and_date_times_but_not_dates() -> None:
    a = {"time": "2026-04-01T00:00:00Z", "data": {"at": "2026-04-01T09:00:00+09:00", "on": "2026-04-01"}}
    b = {"time": "2026-04-01T00:00:01Z", "data": {"at": "2026-04-02T09:00:00+09:00", "on": "2026-04-02"}}
    assert [c.path for c in compare_docs(a, b, DiffOptions(ignore_time=True))] == ["data.on"]
    assert [c.path for c in compare_docs(a, b, DiffOptions())] == ["data.at", "data.on", "time"]


def test_uuid_pairing_is_a_bijection() -> None:
    pairing = UuidPairing()
    a1, a2, b1, b2 = (str(uuid.uuid4()) for _ in range(4))
    assert pairing.same(a1, b1)
    assert pairing.same(a1, b1)
    assert pairing.same(a1.upper(), b1)
    assert not pairing.same(a1, b2)  # a1 has its partner
    assert not pairing.same(a2, b1)  # so has b1
    assert pairing.same(a2, b2)
    assert len(pairing) == 2


# -- by id -----------------------------------------------------------------------------------


def test_by_id_reports_added_removed_changed_and_reordered(tmp_path: Path) -> None:
    events = simulate(1, cases=6)
    moved = events[4]
    assert any(e.event_type.stream == moved.event_type.stream for e in events[5:])  # it can move
    a = export_file(tmp_path / "a.jsonl", events)
    changed = events[2].model_copy(update={"subject": str(uuid.uuid4())})
    extra = simulate(2, cases=1)[0]
    # B: events[0] removed, events[2] changed, events[4] moved to the end, one event added
    b = export_file(tmp_path / "b.jsonl", [events[1], changed, events[3], *events[5:], moved, extra])

    result = diff_exports(load_export(a), load_export(b))
    assert result.mode == "id"
    assert not result.equal
    assert [r.id for s in result.streams for r in s.removed] == [events[0].id]
    assert [r.id for s in result.streams for r in s.added] == [extra.id]
    every_changed = [c for s in result.streams for c in s.changed]
    assert [(c.a.id, [f.path for f in c.fields]) for c in every_changed] == [(events[2].id, ["subject"])]
    assert [x.id for s in result.streams for x, _ in s.reordered] == [moved.id]

    as_json = invoke(str(a), str(b), "--json")
    assert as_json.exit_code == 1, as_json.output
    doc = json.loads(as_json.stdout)
    assert doc["mode"] == "id"
    assert doc["equal"] is False
    assert [r["id"] for r in doc["streams"]["TSUNAGU_INTAKE"]["added"]] == [extra.id]
    assert [r["id"] for r in doc["streams"]["TSUNAGU_INTAKE"]["removed"]] == [events[0].id]

    text = invoke(str(a), str(b))
    assert text.exit_code == 1
    assert "The exports differ." in text.stdout
    assert f'subject: "{events[2].subject}" → "{changed.subject}"' in text.stdout


def test_the_same_export_is_equal_by_id(tmp_path: Path) -> None:
    events = simulate(3)
    a = export_dir(tmp_path / "a", events)
    b = export_file(tmp_path / "b.jsonl", events)  # one file, grouped by the streams of its types
    result = invoke(str(a), str(b))
    assert result.exit_code == 0, result.output
    assert "No difference." in result.stdout
    assert "by event id" in result.stdout


# -- by order --------------------------------------------------------------------------------


def test_two_runs_with_the_same_seed_are_equal_in_order_although_every_id_differs(tmp_path: Path) -> None:
    first, second = simulate(7, cases=8), simulate(7, cases=8)
    assert not {e.id for e in first} & {e.id for e in second}
    a = export_dir(tmp_path / "a", first)
    b = export_dir(tmp_path / "b", second)

    result = diff_exports(load_export(a), load_export(b))
    assert result.mode == "order"
    assert result.equal, result.to_json()
    assert [(s.stream, s.a_count) for s in result.streams] == [
        ("TSUNAGU_INTAKE", sum(1 for e in first if e.type.startswith("tsunagu.intake"))),
        ("TSUNAGU_SCHEDULING", sum(1 for e in first if e.type.startswith("tsunagu.scheduling"))),
    ]
    out = invoke(str(a), str(b))
    assert out.exit_code == 0, out.output
    assert "in order, generated UUIDs paired" in out.stdout
    # by id, nothing is shared: everything removed and added
    by_id = invoke(str(a), str(b), "--by", "id", "--json")
    assert by_id.exit_code == 1
    assert len(json.loads(by_id.stdout)["streams"]["TSUNAGU_INTAKE"]["added"]) == len(
        load_export(b).streams["TSUNAGU_INTAKE"]
    )


def test_another_seed_differs_in_types_and_order(tmp_path: Path) -> None:
    a = export_dir(tmp_path / "a", simulate(7, cases=8))
    b = export_dir(tmp_path / "b", simulate(8, cases=8))
    result = invoke(str(a), str(b), "--json", "--ignore-time")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["mode"] == "order"
    assert not doc["equal"]


def test_times_are_compared_unless_ignored(tmp_path: Path) -> None:
    a = export_dir(tmp_path / "a", simulate(7))
    b = export_dir(tmp_path / "b", simulate(7, start=T0 + timedelta(days=1)))
    different = invoke(str(a), str(b), "--json")
    assert different.exit_code == 1
    fields = {
        f["path"]
        for s in json.loads(different.stdout)["streams"].values()
        for c in s["changed"]
        for f in c["fields"]
    }
    assert {"time", "data.opened_at"} <= fields
    assert all(p in {"time", "data.meeting_date"} or p.endswith("_at") for p in fields), fields
    ignored = invoke(str(a), str(b), "--ignore-time", "--ignore-field", "data.meeting_date")
    assert ignored.exit_code == 0, ignored.output


def test_one_extra_event_is_one_added_event(tmp_path: Path) -> None:
    first = simulate(5, cases=5)
    second = simulate(5, cases=5)
    extra = simulate(99, cases=1)[0]
    second.insert(2, extra)
    result = diff_exports(
        load_export(export_dir(tmp_path / "a", first)), load_export(export_dir(tmp_path / "b", second))
    )
    assert result.mode == "order"
    intake = next(s for s in result.streams if s.stream == "TSUNAGU_INTAKE")
    assert [(r.type, r.id) for r in intake.added] == [(extra.type, extra.id)]
    assert intake.removed == []
    assert intake.changed == []
    assert all(s.equal for s in result.streams if s.stream != "TSUNAGU_INTAKE")


def test_a_reference_to_the_wrong_event_is_a_change_in_order(tmp_path: Path) -> None:
    first = simulate(11, cases=6)
    second = simulate(11, cases=6)
    reviews = [n for n, e in enumerate(second) if e.type.endswith("case_review.scheduled.v1")]
    assert len(reviews) >= 2
    wrong = second[reviews[1]]
    # the second review names the first escalation: same shape, wrong reference
    second[reviews[1]] = wrong.model_copy(
        update={
            "data": wrong.data.model_copy(update={"escalation_id": second[reviews[0]].data.escalation_id})
        }
    )
    result = diff_exports(
        load_export(export_dir(tmp_path / "a", first)), load_export(export_dir(tmp_path / "b", second))
    )
    changed = [(c.a.type, [f.path for f in c.fields]) for s in result.streams for c in s.changed]
    assert changed == [("tsunagu.scheduling.case_review.scheduled.v1", ["data.escalation_id"])]


# -- inputs ----------------------------------------------------------------------------------


def test_bad_inputs_exit_2(tmp_path: Path) -> None:
    good = export_file(tmp_path / "good.jsonl", simulate(1))
    missing = invoke(str(good), str(tmp_path / "nope.jsonl"))
    assert missing.exit_code == 2
    assert "nope.jsonl: no such file or directory" in missing.stderr
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"subject": "x"}\n', encoding="utf-8")
    bad = invoke(str(junk), str(good))
    assert bad.exit_code == 2
    assert "junk.jsonl:1: not a line of an exported event log" in bad.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke(str(empty), str(good)).exit_code == 2
    assert invoke(str(good), str(good), "--by", "sideways").exit_code == 2


def test_values_of_records_that_are_not_valid_events_are_never_shown(tmp_path: Path) -> None:
    """A payload that is not a valid event may hold anything, personal data included."""
    event = simulate(1, cases=1)[0]
    doc = json.loads(event.to_json_bytes())
    a_doc = {**doc, "data": {**doc["data"], "memo": "Tanaka Hanako 090-1234-5678"}}
    b_doc = {**doc, "data": {**doc["data"], "memo": "Suzuki Ichiro"}}
    for name, payload in (("a", a_doc), ("b", b_doc)):
        write_jsonl(
            tmp_path / f"{name}.jsonl",
            [ExportedMessage.from_payload(event.type, json.dumps(payload).encode(), seq=1, time=event.time)],
        )
    out = invoke(str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"))
    # a valid event ignores the unknown field when parsed, but the diff compares the documents
    assert out.exit_code == 1
    assert "data.memo" in out.stdout
    assert "Tanaka" not in out.stdout
    assert "Suzuki" not in out.stdout
    as_json = invoke(str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), "--json")
    assert "Tanaka" not in as_json.stdout
    assert json.loads(as_json.stdout)["streams"]["TSUNAGU_INTAKE"]["changed"][0]["fields"] == [
        {"path": "data.memo"}
    ]


# -- exports made from a broker --------------------------------------------------------------


def test_exports_of_two_runs_on_a_broker_compare_equal(nats_url: str, tmp_path: Path) -> None:
    """Run the same seed twice through JetStream, export every stream of each run to a directory
    with ``export_stream``, and compare the directories with the command."""

    async def run_and_export(seed: int, into: Path) -> None:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            await ensure_streams(js)
            for name in ("TSUNAGU_INTAKE", "TSUNAGU_SCHEDULING"):
                await js.purge_stream(name)
            for e in simulate(seed, cases=10):
                await js.publish(e.type, e.to_json_bytes(), headers={"Nats-Msg-Id": e.id})
            for name in ("TSUNAGU_INTAKE", "TSUNAGU_SCHEDULING"):
                with open(into / f"{name}.jsonl", "w", encoding="utf-8") as fh:
                    await export_stream(js, name, fh)
        finally:
            await nc.close()

    for run in ("run1", "run2", "run3"):
        (tmp_path / run).mkdir()
    asyncio.run(run_and_export(21, tmp_path / "run1"))
    asyncio.run(run_and_export(21, tmp_path / "run2"))
    asyncio.run(run_and_export(22, tmp_path / "run3"))
    same = invoke(str(tmp_path / "run1"), str(tmp_path / "run2"))
    assert same.exit_code == 0, same.output
    assert "No difference." in same.stdout
    other = invoke(str(tmp_path / "run1"), str(tmp_path / "run3"), "--ignore-time")
    assert other.exit_code == 1


@pytest.mark.parametrize("by", [PairBy.ID, PairBy.ORDER])
def test_an_export_equals_itself_in_both_modes(tmp_path: Path, by: PairBy) -> None:
    export = load_export(export_dir(tmp_path / "a", simulate(4)))
    assert diff_exports(export, export, by=by).equal


def test_an_upgrade_to_a_new_version_shows_as_exactly_its_fields(tmp_path: Path) -> None:
    """The expert team's conclusion as stored in v1 and read as v2 (ADR 0015): the same event by id,
    with the type, the dataschema and the escalation field changed, and nothing else."""
    escalated = next(e for e in simulate(3, cases=8) if e.type.endswith("case.escalated.v1"))
    stored = caused_by(
        escalated,
        CaseReviewConcluded(
            review_id=str(uuid.uuid4()),
            case_id=escalated.data.case_id,
            meeting_date=T0.date(),
            advice=[DisciplineAdvice(discipline=Discipline.LAW, advice_codes=[AdviceCode.GUARDIANSHIP])],
            advice_reference_id=str(uuid.uuid4()),
            escalation_ids=[escalated.data.escalation_id],
        ),
        subject=escalated.data.case_id,
    )
    a = export_file(tmp_path / "v1.jsonl", [stored])
    b = export_file(
        tmp_path / "v2.jsonl", [REGISTRY.upcast(stored, "tsunagu.scheduling.case_review.concluded.v2")]
    )
    result = diff_exports(load_export(a), load_export(b))
    assert result.mode == "id"
    [changed] = [c for s in result.streams for c in s.changed]
    assert [f.path for f in changed.fields] == [
        "data.escalation_id",
        "data.escalation_ids",
        "dataschema",
        "type",
    ]
    assert not any(s.added or s.removed or s.reordered for s in result.streams)
