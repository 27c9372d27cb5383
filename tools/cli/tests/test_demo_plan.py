"""``tsunagu demo``'s plan and record, without services: deterministic by seed, sized by scale, in
the programme's time patterns, with generated people only; a second run continues or refuses."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from tsunagu_calendar import ServiceCalendar
from tsunagu_cli.demo.actions import ACTIONS, Skipped
from tsunagu_cli.demo.execute import DemoStateError, Journal, recovered, resolve
from tsunagu_cli.demo.plan import TOKYO, Step, build_plan, referenced
from tsunagu_cli.demo.volumes import Volumes

CALENDAR = ServiceCalendar()
SMALL = 0.05


@pytest.fixture(scope="module")
def small() -> list[Step]:
    return build_plan(1, SMALL)


@pytest.fixture(scope="module")
def full() -> list[Step]:
    return build_plan(1, 1.0)


def _plain(steps: list[Step]) -> list[dict[str, object]]:
    return [asdict(s) for s in steps]


def test_the_same_seed_gives_the_same_year_and_another_seed_another(small: list[Step]) -> None:
    assert _plain(build_plan(1, SMALL)) == _plain(small)
    assert _plain(build_plan(2, SMALL)) != _plain(small)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_steps_are_in_time_order_at_instants_of_their_own_and_refer_only_to_earlier_steps(seed: int) -> None:
    small = build_plan(seed, 0.02)
    assert {s.kind for s in small} == set(ACTIONS)
    made: set[str] = set()
    for before, step in zip([None, *small], small, strict=False):
        assert step.at.tzinfo is not None
        if before is not None:
            assert step.at > before.at
        assert step.kind in ACTIONS
        assert set(referenced(dict(step.args))) <= made, step
        if step.ref:
            assert step.ref not in made
            made.add(step.ref)
    assert small[0].at.astimezone(TOKYO).date() == date(2025, 4, 1)


def test_volumes_scale(small: list[Step], full: list[Step]) -> None:
    def consultations(steps: list[Step]) -> int:
        return sum(1 for s in steps if s.kind in ("consultation", "web_consultation"))

    volumes = Volumes()
    assert volumes.scaled(0.5).phone_consultations == volumes.phone_consultations // 2
    assert volumes.scaled(0.5).returning_share == volumes.returning_share
    assert (
        consultations(full)
        >= volumes.phone_consultations + volumes.online_consultations + volumes.email_consultations
    )
    assert 15 < consultations(full) / consultations(small) < 25  # about 1 / 0.05
    with pytest.raises(ValueError):
        Volumes().scaled(0)


def test_phone_calls_come_only_in_the_lines_hours_on_its_days(full: list[Step]) -> None:
    calls = [
        s.at.astimezone(TOKYO) for s in full if s.kind == "consultation" and s.args.get("channel") == "phone"
    ]
    assert len(calls) >= Volumes().phone_consultations
    for at in calls:
        assert CALENDAR.is_open("phone", at), at
        assert at.weekday() < 6, at
        assert 10 <= at.hour < 17, at
        assert not CALENDAR.is_holiday(at.date()), at
        assert not CALENDAR.is_closure_day(at.date()), at
    by_weekday = Counter(at.weekday() for at in calls)
    assert by_weekday[0] > by_weekday[2] > by_weekday[5] > 0  # Monday busiest, Saturday quietest
    by_hour = Counter(at.hour for at in calls)
    assert by_hour[10] > by_hour[12] < by_hour[14]  # a morning peak, a lunch dip


def test_web_consultations_come_at_any_hour_mostly_in_the_evening(full: list[Step]) -> None:
    hours = Counter(s.at.astimezone(TOKYO).hour for s in full if s.kind == "web_consultation")
    assert sum(hours[h] for h in (20, 21, 22)) > 2 * sum(hours[h] for h in (4, 5, 6))
    assert hours[3] > 0  # the website takes them at night too
    days = {s.at.astimezone(TOKYO).date() for s in full if s.kind == "web_consultation"}
    assert any(not CALENDAR.is_business_day(d) for d in days)


def test_people_are_generated_japanese_with_reserved_contact_details(full: list[Step]) -> None:
    text = json.dumps([dict(s.args) for s in full], ensure_ascii=False)
    emails = re.findall(r'"email": "([^"]+)"', text)
    phones = re.findall(r'"phone": "([^"]+)"', text)
    names = re.findall(r'"name": "([^"]+)"', text)
    assert emails
    assert phones
    assert names
    assert all(e.endswith("@example.jp") for e in emails)  # a domain reserved for examples
    assert all(re.fullmatch(r"0[789]0-0000-\d{4}", p) for p in phones)
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    assert all(japanese.search(n) for n in names)
    nicknames = re.findall(r'"nickname": "([^"]+)"', text)
    assert all(re.fullmatch(r"[\u30a0-\u30ff]+", n) for n in nicknames)


def test_every_kind_of_the_year_is_planned_at_a_small_scale(small: list[Step]) -> None:
    assert {s.kind for s in small} == set(ACTIONS)
    assert Counter(s.kind for s in small)["await_event"] == 5


def test_the_year_ends_with_the_epilogue_three_years_on(small: list[Step]) -> None:
    in_year = [s for s in small if s.at.astimezone(TOKYO).date() <= date(2026, 3, 31)]
    assert len(small) - len(in_year) == 2
    assert small[-1].at.astimezone(TOKYO).date() == date(2028, 4, 11)


# -- the record of a run -------------------------------------------------------------------------------
def _steps() -> list[Step]:
    at = datetime(2025, 4, 1, tzinfo=UTC)
    return [Step(at + timedelta(minutes=i), "consultation", {}, ref=f"c{i}") for i in range(4)]


def test_a_second_run_continues_where_the_first_stopped_and_another_seed_is_refused(tmp_path: Path) -> None:
    steps = _steps()
    first = Journal.open(tmp_path, 1, 0.5, steps)
    first.mark_sent(0)
    first.finish(steps[0], 0, {"ok": {"case_id": "a"}})
    first.mark_sent(1)
    first.finish(steps[1], 1, {"refused": "intake:case_closed"})
    first.mark_sent(2)  # killed before its outcome came back
    first.close()

    again = Journal.open(tmp_path, 1, 0.5, steps)
    assert again.done == {0, 1}
    assert again.unknown() == [2]
    assert again.refs == {"c0": {"case_id": "a"}}
    assert again.outcomes.refused == Counter({"consultation: intake:case_closed": 1})
    again.close()

    for seed, scale in ((2, 0.5), (1, 1.0)):
        with pytest.raises(DemoStateError, match=r"--seed 1 --scale 0\.5"):
            Journal.open(tmp_path, seed, scale, steps)


def test_a_second_demo_on_the_same_data_directory_meanwhile_is_refused(tmp_path: Path) -> None:
    steps = _steps()
    running = Journal.open(tmp_path, 1, 1.0, steps)
    with pytest.raises(DemoStateError, match="another tsunagu demo is running"):
        Journal.open(tmp_path, 1, 1.0, steps)
    running.close()
    Journal.open(tmp_path, 1, 1.0, steps).close()


def test_a_record_cut_short_by_a_kill_is_read_up_to_the_cut(tmp_path: Path) -> None:
    steps = _steps()
    journal = Journal.open(tmp_path, 1, 1.0, steps)
    journal.mark_sent(0)
    journal.finish(steps[0], 0, {"ok": None})
    journal.close()
    with (tmp_path / "demo-steps.jsonl").open("a") as out:
        out.write('{"i": 1, "ok": {"case')  # the last line half written
    again = Journal.open(tmp_path, 1, 1.0, steps)
    assert again.done == {0}
    again.close()


def test_references_resolve_to_earlier_answers_or_skip() -> None:
    refs = {"c1": {"case_id": "case-1"}}
    assert resolve({"case": "@c1.case_id", "n": [1, "@c1.case_id"]}, refs) == {
        "case": "case-1",
        "n": [1, "case-1"],
    }
    assert resolve({"d": "@?c1.disclosure_id"}, refs) == {"d": None}
    with pytest.raises(Skipped):
        resolve({"case": "@c2.case_id"}, refs)


def test_what_a_step_answered_is_recovered_from_its_events() -> None:
    events = [
        {"data": {"case_id": "k", "person_id": "p", "channel": "phone"}},
        {"data": {"consultation_id": "c"}},
    ]
    assert recovered(events) == {"case_id": "k", "person_id": "p", "consultation_id": "c"}
