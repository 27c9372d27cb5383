"""Staff pause and extend the reply deadline of a web consultation, with a reason (ADR 0018); and a
stored deadline keeps its value when the business-day rules change.

The clock starts on Thursday 2025-05-01 at 10:00 in Tokyo: an e-mail consultation received then is
due on Thursday 2025-05-08 at 17:15 (Golden Week: 5/3-5/6 are not business days).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tsunagu_calendar import TOKYO, BusinessCalendarError
from tsunagu_intake.app import build_runtime
from tsunagu_intake.domain import rules
from tsunagu_intake.handlers.deadlines import CHAIN
from tsunagu_intake.testing import (
    COUNSELLOR,
    EXPERT,
    SUPERVISOR,
    IntakeService,
    make_settings,
    new_person_consultation,
    raw_database_text,
    service_without_broker,
)
from tsunagu_servicekit.audit import change_history, history_of, verify_chain
from tsunagu_servicekit.testing import SettableClock, problem_of

REASON = "CANARY-期限-ご本人からの返事待ち"
DEADLINE_EXTENDED = "tsunagu.intake.email_reply.deadline_extended.v1"


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


async def email_consultation(service: IntakeService, **overrides: Any) -> dict[str, Any]:
    """A staff-recorded e-mail consultation (a web consultation's deadline is the same)."""
    body = new_person_consultation(**{"channel": "email", **overrides})
    r = await service.client.post("/consultations", json=body, headers=COUNSELLOR)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def pause(service: IntakeService, consultation_id: str, **body: Any) -> Any:
    return await service.client.post(
        f"/consultations/{consultation_id}/reply-deadline/pauses",
        json={"reason": REASON, **body},
        headers=COUNSELLOR,
    )


async def extend(service: IntakeService, consultation_id: str, **body: Any) -> Any:
    return await service.client.post(
        f"/consultations/{consultation_id}/reply-deadline/extensions",
        json={"reason": REASON, **body},
        headers=COUNSELLOR,
    )


async def read(service: IntakeService, consultation_id: str) -> dict[str, Any]:
    r = await service.client.get(f"/consultations/{consultation_id}?purpose=email_reply", headers=COUNSELLOR)
    assert r.status_code == 200, r.text
    return dict(r.json())


def scan_at(service: IntakeService, clock: SettableClock, now: datetime) -> int:
    clock.set(now)
    return service.runtime.timer("reply-deadlines").scan_once(service.context)


def history_count(service: IntakeService) -> int:
    with service.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(change_history)).scalar_one())


async def test_a_pause_moves_the_deadline_by_the_business_days_it_holds(service: IntakeService) -> None:
    sent = await email_consultation(service)
    assert sent["reply_due_at"] == "2025-05-08T17:15:00+09:00"
    service.new_events()
    # Paused from now (Thu 10:00) to Fri 12:00: Thursday's 17:15 falls inside, so one day more.
    r = await pause(service, sent["consultation_id"], ends_at="2025-05-02T12:00:00+09:00")
    assert r.status_code == 201, r.text
    changed = r.json()
    assert changed["kind"] == "pause"
    assert changed["previous_due_at"] == "2025-05-08T17:15:00+09:00"
    assert changed["reply_due_at"] == "2025-05-09T17:15:00+09:00"

    [event] = service.new_events()
    assert event.type == DEADLINE_EXTENDED
    assert event.subject == sent["consultation_id"]
    assert event.data.kind == "pause"
    assert event.data.change_id == changed["change_id"]
    assert event.data.previous_due_at == datetime(2025, 5, 8, 8, 15, tzinfo=UTC)
    assert event.data.due_at == datetime(2025, 5, 9, 8, 15, tzinfo=UTC)
    assert event.data.paused_from == service.clock()
    assert event.data.paused_until == jst(2025, 5, 2, 12)
    assert event.data.business_days is None

    view = await read(service, sent["consultation_id"])
    assert datetime.fromisoformat(view["reply_due_at"]) == jst(2025, 5, 9, 17, 15)
    [change] = view["reply_deadline_changes"]
    assert change["reason"] == REASON
    assert change["kind"] == "pause"
    assert change["changed_by"] == "counsellor-1"
    assert datetime.fromisoformat(change["paused_until"]) == jst(2025, 5, 2, 12)

    queue = (await service.client.get("/email/queue", headers=SUPERVISOR)).json()
    assert datetime.fromisoformat(queue[0]["reply_due_at"]) == jst(2025, 5, 9, 17, 15)

    timeline = await service.client.get(
        f"/cases/{sent['case_id']}/timeline?purpose=case_work", headers=COUNSELLOR
    )
    [entry] = [e for e in timeline.json() if e["kind"] == "reply_deadline_changed"]
    assert entry["codes"]["change_id"] == changed["change_id"]
    assert entry["note"] is None
    with service.context.reading() as uow:
        [audit] = history_of(uow, "consultation", sent["consultation_id"])
        assert (audit.chain, audit.action, audit.actor) == (CHAIN, "paused", "counsellor-1")
        assert audit.data["due_at"] == "2025-05-09T08:15:00+00:00"
        assert verify_chain(uow, CHAIN).ok

    # The reason is the person's: sealed in the database, nowhere in events, timeline or history.
    assert REASON not in raw_database_text(service.engine)
    assert REASON not in json.dumps([e.model_dump(mode="json") for e in service.outbox_events()])
    assert REASON not in json.dumps(audit.data) + json.dumps(entry)


async def test_an_extension_adds_business_days_after_the_stored_deadline(service: IntakeService) -> None:
    sent = await email_consultation(service)
    r = await extend(service, sent["consultation_id"], business_days=2)
    assert r.status_code == 201, r.text
    assert r.json()["reply_due_at"] == "2025-05-12T17:15:00+09:00"  # Fri 5/9, then Monday 5/12
    event = service.new_events()[-1]
    assert (event.type, event.data.kind, event.data.business_days) == (DEADLINE_EXTENDED, "extension", 2)
    # A pause after the extension moves the extended deadline, counting from it.
    r = await pause(service, sent["consultation_id"], ends_at="2025-05-07T12:00:00+09:00")
    assert r.json()["reply_due_at"] == "2025-05-14T17:15:00+09:00"  # Thursday 5/1 and Friday 5/2 held
    changes = (await read(service, sent["consultation_id"]))["reply_deadline_changes"]
    assert [c["kind"] for c in changes] == ["extension", "pause"]
    assert [c["business_days"] for c in changes] == [2, None]
    with service.context.reading() as uow:
        assert [h.action for h in history_of(uow, "consultation", sent["consultation_id"])] == [
            "extended",
            "paused",
        ]


async def test_a_pause_that_holds_no_business_day_end_is_recorded_but_moves_nothing(
    service: IntakeService,
) -> None:
    sent = await email_consultation(service)
    service.new_events()
    r = await pause(
        service,
        sent["consultation_id"],
        starts_at="2025-05-01T11:00:00+09:00",
        ends_at="2025-05-01T16:00:00+09:00",
    )
    assert r.status_code == 201
    assert r.json()["reply_due_at"] == r.json()["previous_due_at"] == "2025-05-08T17:15:00+09:00"
    assert service.new_events() == []
    assert len((await read(service, sent["consultation_id"]))["reply_deadline_changes"]) == 1


async def test_the_moved_deadline_is_announced_in_its_own_time(
    service: IntakeService, clock: SettableClock
) -> None:
    sent = await email_consultation(service)
    old_due = datetime(2025, 5, 8, 8, 15, tzinfo=UTC)
    assert scan_at(service, clock, old_due - timedelta(hours=7)) == 1  # due soon
    service.new_events()
    r = await pause(service, sent["consultation_id"], ends_at="2025-05-08T18:00:00+09:00")
    assert r.json()["reply_due_at"] == "2025-05-09T17:15:00+09:00"  # Thursday 5/8's 17:15 held
    new_due = datetime(2025, 5, 9, 8, 15, tzinfo=UTC)
    assert scan_at(service, clock, old_due + timedelta(minutes=1)) == 0  # the old deadline is gone
    assert scan_at(service, clock, new_due - timedelta(hours=7)) == 1
    assert scan_at(service, clock, new_due + timedelta(minutes=1)) == 1
    events = service.new_events()
    assert [e.type for e in events] == [
        DEADLINE_EXTENDED,
        "tsunagu.intake.email_reply.due_soon.v1",
        "tsunagu.intake.email_reply.overdue.v1",
    ]
    assert {e.data.due_at for e in events[1:]} == {new_due}


# -- refusals -------------------------------------------------------------------------------------


async def refused(
    service: IntakeService, response: Any, rule: Any, before: dict[str, int], history: int
) -> None:
    assert response.status_code == rule.status, response.text
    assert response.json() == problem_of(rule)
    assert "CANARY" not in response.text
    assert service.counts() == before
    assert history_count(service) == history


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"ends_at": "2025-05-01T09:00:00+09:00"}, rules.PAUSE_NOT_AFTER_START),
        ({"starts_at": "2025-05-01T09:59:00+09:00", "ends_at": "2025-05-02T09:00:00+09:00"},
         rules.PAUSE_BEFORE_RECEIPT),
        ({"starts_at": "2025-05-08T17:16:00+09:00", "ends_at": "2025-05-09T09:00:00+09:00"},
         rules.PAUSE_AFTER_DEADLINE),
        ({"ends_at": "2025-08-02T10:00:00+09:00"}, rules.PAUSE_TOO_LONG),
    ],
)  # fmt: skip
async def test_pauses_that_break_a_rule_are_refused(
    service: IntakeService, body: dict[str, str], rule: Any
) -> None:
    sent = await email_consultation(service)
    before, history = service.counts(), history_count(service)
    await refused(service, await pause(service, sent["consultation_id"], **body), rule, before, history)


async def test_a_deadline_that_cannot_move_is_refused(service: IntakeService, clock: SettableClock) -> None:
    phone = await email_consultation(service, channel="phone")
    replied = await email_consultation(service)
    answered = await service.client.post(
        f"/consultations/{replied['consultation_id']}/replies",
        json={"body": "返信", "sent_outside": True},  # an e-mail staff recorded: answered by mail
        headers=COUNSELLOR,
    )
    assert answered.status_code == 201, answered.text
    closed = await email_consultation(service)
    await service.client.post(
        f"/cases/{closed['case_id']}/close", json={"reason": "resolved"}, headers=COUNSELLOR
    )
    erased = await email_consultation(service, person={"nickname": "えりか", "age_band": "20_29"})
    erasure = await service.client.post(
        f"/persons/{erased['person_id']}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    assert erasure.status_code == 200, erasure.text
    passed = await email_consultation(service)
    before, history = service.counts(), history_count(service)
    unknown = "00000000-0000-4000-8000-000000000000"
    for consultation_id, rule in [
        (unknown, rules.CONSULTATION_NOT_FOUND),
        (phone["consultation_id"], rules.NOT_EMAIL_CONSULTATION),
        (replied["consultation_id"], rules.ALREADY_REPLIED),
        (closed["consultation_id"], rules.CASE_CLOSED),
        (erased["consultation_id"], rules.ERASED),
    ]:
        await refused(service, await extend(service, consultation_id, business_days=1), rule, before, history)
        r = await pause(service, consultation_id, ends_at="2025-05-02T12:00:00+09:00")
        await refused(service, r, rule, before, history)
    clock.set(datetime(2025, 5, 8, 8, 15, tzinfo=UTC))  # the deadline itself
    r = await extend(service, passed["consultation_id"], business_days=1)
    await refused(service, r, rules.REPLY_DEADLINE_PASSED, before, history)


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("extensions", {"business_days": 0}, "greater_than_equal"),
        ("extensions", {"business_days": 21}, "less_than_equal"),
        ("extensions", {"business_days": "2"}, "int_type"),
        ("extensions", {"business_days": 1, "reason": ""}, "string_too_short"),
        ("extensions", {"business_days": 1, "reason": "x" * 1001}, "string_too_long"),
        ("extensions", {"business_days": 1, "note": "CANARY"}, "extra_forbidden"),
        ("pauses", {"ends_at": "2025-05-02T12:00:00"}, "timezone_aware"),
        ("pauses", {}, "missing"),
    ],
)
async def test_bodies_are_validated(
    service: IntakeService, path: str, body: dict[str, Any], error: str
) -> None:
    sent = await email_consultation(service)
    before = service.counts()
    r = await service.client.post(
        f"/consultations/{sent['consultation_id']}/reply-deadline/{path}",
        json={"reason": REASON, **body},
        headers=COUNSELLOR,
    )
    assert r.status_code == 422
    assert error in {e["type"] for e in r.json()["errors"]}
    assert "CANARY" not in r.text
    assert service.counts() == before


async def test_only_counsellors_and_supervisors_move_deadlines(service: IntakeService) -> None:
    sent = await email_consultation(service)
    path = f"/consultations/{sent['consultation_id']}/reply-deadline/extensions"
    body = {"reason": REASON, "business_days": 1}
    assert (await service.client.post(path, json=body, headers=EXPERT)).status_code == 403
    assert (await service.client.post(path, json=body)).status_code == 401
    assert (await service.client.post(path, json=body, headers=SUPERVISOR)).status_code == 201


# -- a stored deadline when the rules change ------------------------------------------------------

SATURDAYS_FROM_THE_START = {
    "rules": [
        {
            "channel": "office",
            "effective_from": "2000-04-01",
            "weekdays": ["mon", "tue", "wed", "thu", "fri"],
            "hours": ["08:30", "17:15"],
        },
        {
            "channel": "email",
            "effective_from": "2000-04-01",
            "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
            "hours": ["10:00", "17:00"],
        },
    ],
    "one_off_days": [{"date": "2025-05-09", "channels": ["email"], "open": False, "note": "保守"}],
}


async def test_a_stored_deadline_keeps_its_value_when_the_rules_change(
    database_url: str, tmp_path: Path, clock: SettableClock
) -> None:
    data = tmp_path / "data"
    clock.set(jst(2025, 5, 2, 16).astimezone(UTC))  # Friday 16:00, Golden Week ahead
    async with service_without_broker(database_url, data, clock) as before:
        scanned = await email_consultation(before)
        extended = await email_consultation(before)
    assert scanned["reply_due_at"] == extended["reply_due_at"] == "2025-05-09T17:15:00+09:00"

    # From now on e-mail counts Saturdays until 17:00, and Friday 5/9 is closed: computed afresh,
    # these consultations would be due on Saturday 5/10 at 17:00.
    rules_file = tmp_path / "business_calendar.json"
    rules_file.write_text(json.dumps(SATURDAYS_FROM_THE_START), encoding="utf-8")
    async with service_without_broker(database_url, data, clock, business_calendar_file=rules_file) as after:
        fresh = await email_consultation(after, received_at=jst(2025, 5, 2, 16).isoformat())
        assert fresh["reply_due_at"] == "2025-05-10T17:00:00+09:00"  # the new rules are in force
        view = await read(after, scanned["consultation_id"])
        assert datetime.fromisoformat(view["reply_due_at"]) == jst(2025, 5, 9, 17, 15)
        queue = (await after.client.get("/email/queue", headers=SUPERVISOR)).json()
        due = {q["consultation_id"]: datetime.fromisoformat(q["reply_due_at"]) for q in queue}
        assert due[scanned["consultation_id"]] == due[extended["consultation_id"]] == jst(2025, 5, 9, 17, 15)
        # Extended by a business day: counted from the stored 5/9 17:15 under the new rule (5/9 is
        # closed, Saturday counts), not from the receipt, and not under the old rule (Monday 5/12).
        r = await extend(after, extended["consultation_id"], business_days=1)
        assert r.json()["previous_due_at"] == "2025-05-09T17:15:00+09:00"
        assert r.json()["reply_due_at"] == "2025-05-10T17:00:00+09:00"
        # The scan announces the stored deadline: overdue one minute after 5/9 17:15.
        after.new_events()
        assert scan_at(after, clock, jst(2025, 5, 9, 17, 16).astimezone(UTC)) == 1
        [overdue] = after.new_events()
        assert overdue.type == "tsunagu.intake.email_reply.overdue.v1"
        assert (overdue.data.consultation_id, overdue.data.due_at) == (
            scanned["consultation_id"],
            jst(2025, 5, 9, 17, 15),
        )


def test_a_malformed_business_calendar_stops_the_service_naming_the_element(tmp_path: Path) -> None:
    broken = json.loads(json.dumps(SATURDAYS_FROM_THE_START))
    broken["rules"][1]["weekdays"][5] = "sat."
    rules_file = tmp_path / "business_calendar.json"
    rules_file.write_text(json.dumps(broken), encoding="utf-8")
    settings = make_settings(
        f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "data", business_calendar_file=rules_file
    )
    with pytest.raises(BusinessCalendarError, match=r"business_calendar\.rules\[1\]\.weekdays\[5\]"):
        build_runtime(settings)
