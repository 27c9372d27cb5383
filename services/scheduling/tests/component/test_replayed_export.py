"""A scheduling whose state is a recorded export (the kit's ``replay_into`` fixture, as ``tsunagu
events replay --into scheduling`` does it): requests become visits within the yearly cap, a closure
and an erasure that came later cancel theirs, completions qualify staff; ``until`` stops before
the closure, and a replay decides from the events' own times however late it runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tsunagu_contracts import CloudEvent
from tsunagu_scheduling import testing as st
from tsunagu_servicekit.eventlog import ExportedMessage, write_jsonl

MON = datetime(2026, 4, 6, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


def at(event: CloudEvent[Any], moment: datetime) -> CloudEvent[Any]:
    """The event as raised at ``moment`` (the builders raise them now)."""
    return event.model_copy(update={"time": moment})


def recorded(path: Path) -> tuple[Path, dict[str, CloudEvent[Any]]]:
    closed, erased = st.new_uuid(), st.new_uuid()
    events = {
        "two": at(st.home_visit_requested(visits=2, requested_at=MON), MON),
        "twelve": at(st.home_visit_requested(visits=12, requested_at=MON), MON + timedelta(minutes=1)),
        "of_closed": at(
            st.home_visit_requested(case_id=closed, requested_at=MON), MON + timedelta(minutes=2)
        ),
        "of_erased": at(
            st.home_visit_requested(person_id=erased, requested_at=MON), MON + timedelta(minutes=3)
        ),
        "completed": at(
            st.training_completed("staff-r1", completed_on=date(2026, 4, 1)), MON + timedelta(minutes=4)
        ),
        "closure": at(st.case_closed(closed, closed_at=MON + timedelta(days=1)), MON + timedelta(days=1)),
        "erasure": at(st.person_erased(erased, erased_at=MON + timedelta(days=2)), MON + timedelta(days=2)),
    }
    # Written out of order, in two files as two streams' exports would be.
    intake = [events[k] for k in ("erasure", "closure", "of_erased", "of_closed", "twelve", "two")]
    write_jsonl(path / "TSUNAGU_INTAKE.jsonl", [line(e, n) for n, e in enumerate(intake, 1)])
    write_jsonl(path / "TSUNAGU_TRAINING.jsonl", [line(events["completed"], 1)])
    return path, events


def line(event: CloudEvent[Any], seq: int) -> ExportedMessage:
    return ExportedMessage.from_payload(
        event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id}, seq=seq, time=event.time
    )


async def visits(service: st.Service, status: str) -> list[str]:
    return sorted(v["request_id"] for v in await service.get("/home-visits", status=status))


async def test_a_scheduling_made_from_an_export(replay_into: Callable[..., Any], tmp_path: Path) -> None:
    export, events = recorded(tmp_path)
    async with replay_into(st.RECIPE, export) as scheduling:
        assert scheduling.replayed is not None
        assert (scheduling.replayed.read, scheduling.replayed.applied, scheduling.replayed.dead_lettered) == (
            7,
            7,
            0,
        )
        assert scheduling.clock() == events["erasure"].time  # left at the last event's time
        ids = {k: e.data.request_id for k, e in events.items() if hasattr(e.data, "request_id")}
        # Two visits, and the cap of five of the twelve asked for.
        assert await visits(scheduling, "to_schedule") == sorted([ids["two"]] * 2 + [ids["twelve"]] * 5)
        # The closure and the erasure came after their requests: their visits are cancelled.
        assert await visits(scheduling, "cancelled") == sorted([ids["of_closed"], ids["of_erased"]] * 2)
        member = await scheduling.resource("counsellor", "R-01", subject="staff-r1")
        [held] = (await scheduling.get(f"/resources/{member}"))["qualifications"]
        assert (held["valid_from"], held["status"]) == ("2026-04-01", "valid")


async def test_until_leaves_out_what_came_after(replay_into: Callable[..., Any], tmp_path: Path) -> None:
    export, _ = recorded(tmp_path)
    async with replay_into(st.RECIPE, export, until=MON + timedelta(hours=12)) as scheduling:
        assert scheduling.replayed is not None
        assert (scheduling.replayed.applied, scheduling.replayed.after_until) == (5, 2)
        assert await visits(scheduling, "cancelled") == []
        assert len(await visits(scheduling, "to_schedule")) == 2 + 5 + 2 + 2
