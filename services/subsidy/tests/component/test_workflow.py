"""The grant workflow through the HTTP API on the service's own composition root: every step, its
event, the budget it moves, the change history it leaves, and every refusal with nothing written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import tsunagu_subsidy.adapters.tables  # noqa: F401  (registers the tables for the drift check)
from tsunagu_calendar import TOKYO
from tsunagu_servicekit.audit import reads_of_record, verify_chain
from tsunagu_servicekit.testing import ids_counting_down, schema_drift
from tsunagu_servicekit.testing.service import SHINJUKU
from tsunagu_subsidy.handlers import deadlines
from tsunagu_subsidy.testing import (
    APPROVER,
    CHANGE_DOCUMENTS,
    MUNICIPAL,
    REPORT_DOCUMENTS,
    REVIEWER,
    SubsidyService,
    application_body,
    granted_application,
    municipal,
    post_ok,
    record_start,
    staff,
)

SHIBUYA = "131130"
CHIYODA = "131016"
SECOND_APPROVER = staff("subsidy_approver", subject="approver-2")


async def refused_with(response: Any, rule: str, status: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["rule"] == rule
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_apply_decide_change_report_confirm_pay_emits_each_step_in_order(
    service: SubsidyService,
) -> None:
    await record_start(service.client)
    created = await post_ok(service.client, "/applications", application_body(), MUNICIPAL)
    assert (created["status"], created["planned_total"], created["requested_amount"]) == (
        "applied",
        3_400_000,
        1_700_000,
    )
    path = f"/applications/{created['id']}"
    reviewed = await post_ok(
        service.client, f"{path}/review", {"eligible": True, "note": "要件確認済"}, REVIEWER
    )
    assert (reviewed["checks"]["years_used"], reviewed["checks"]["budget_remaining"]) == ([], 60_000_000)
    granted = await post_ok(service.client, f"{path}/decision", {}, APPROVER)
    assert (granted["status"], granted["decided_amount"]) == ("decided", 1_700_000)
    assert granted["report_due"] == "2026-04-10"
    await post_ok(
        service.client, f"{path}/payments/advance", {"amount": 1_000_000, "paid_on": "2025-06-02"}, REVIEWER
    )
    await post_ok(
        service.client,
        f"{path}/change-request",
        {"planned": {"personnel": 3_600_000, "travel": 400_000}, "documents": CHANGE_DOCUMENTS},
        MUNICIPAL,
    )
    await post_ok(service.client, f"{path}/change-request/review", {"eligible": True}, REVIEWER)
    changed = await post_ok(service.client, f"{path}/change-request/decision", {"approve": True}, APPROVER)
    assert (changed["status"], changed["decided_amount"], changed["planned_total"]) == (
        "decided",
        2_000_000,
        4_000_000,
    )
    reported = await post_ok(
        service.client,
        f"{path}/report",
        {"actual": {"personnel": 3_500_000, "travel": 301_999}, "documents": REPORT_DOCUMENTS},
        MUNICIPAL,
    )
    assert reported["actual_total"] == 3_801_999
    confirmed = await post_ok(service.client, f"{path}/confirmation", {}, APPROVER)
    # min(2,000,000 decided; 3,801,999 / 2 = 1,900,999.5 → 1,900,000; cap 5,000,000)
    assert (confirmed["status"], confirmed["confirmed_amount"], confirmed["balance_due"]) == (
        "confirmed",
        1_900_000,
        900_000,
    )
    paid = await post_ok(service.client, f"{path}/payments/balance", {"paid_on": "2026-05-15"}, REVIEWER)
    assert (paid["status"], paid["paid_total"], paid["balance_due"]) == ("closed", 1_900_000, 0)

    types = [e.type.split(".")[3] for e in service.outbox_events()]
    assert types == [
        "applied",
        "reviewed",
        "approved",
        "paid",
        "change_requested",
        "reviewed",
        "changed",
        "report_submitted",
        "amount_confirmed",
        "paid",
    ]
    events = service.outbox_events()
    assert all(
        e.data.application_id == created["id"] and e.data.municipality_code == SHINJUKU for e in events
    )

    budget = (await service.client.get("/budget/2025", headers=APPROVER)).json()
    assert budget["figures"] == {
        "committed": 1_900_000,
        "confirmed": 1_900_000,
        "paid": 1_900_000,
        "refund_claimed": 0,
    }
    assert budget["remaining"] == budget["subsidy_line"] - 1_900_000
    [shinjuku] = budget["municipalities"]
    assert (shinjuku["municipality_code"], shinjuku["paid"], shinjuku["years_used"]) == (
        SHINJUKU,
        1_900_000,
        [2025],
    )

    with service.context.reading() as uow:
        check = verify_chain(uow, "subsidy")
    assert (check.first_broken_seq, check.rows_checked) == (None, 11)  # the implementation date and ten steps


async def test_reminders_due_on_one_day_follow_the_municipalities_codes(
    service: SubsidyService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three municipalities' reports and balances fall due on the same days: each scan reminds them
    in the order of their codes, not in the order they applied nor in that of their ids (reversed
    here)."""
    monkeypatch.setattr(service.context, "new_id", ids_counting_down())
    applied_in = (SHIBUYA, CHIYODA, SHINJUKU)
    ids = {}
    for code in applied_in:
        await record_start(service.client, code)
        ids[code] = (await granted_application(service.client, code))["id"]
    assert sorted(ids.values()) == [ids[c] for c in reversed(applied_in)]
    in_code_order = [ids[c] for c in sorted(applied_in)]
    service.new_events()

    service.clock.set(datetime(2026, 4, 6, 10, tzinfo=TOKYO))  # the reports are due on 10 April
    assert deadlines.scan(service.context) == 3
    assert [e.data.application_id for e in service.new_events()] == in_code_order

    for code in applied_in:
        path = f"/applications/{ids[code]}"
        actual = {"actual": {"personnel": 3_000_000, "travel": 400_000}, "documents": REPORT_DOCUMENTS}
        await post_ok(service.client, f"{path}/report", actual, municipal(code))
        await post_ok(service.client, f"{path}/confirmation", {}, APPROVER)
    service.new_events()
    service.clock.set(datetime(2026, 5, 29, 10, tzinfo=TOKYO))
    assert deadlines.scan(service.context) == 3
    due = service.new_events()
    assert {e.type for e in due} == {"tsunagu.subsidy.application.payment_due.v1"}
    assert [e.data.application_id for e in due] == in_code_order


async def test_advances_above_the_confirmed_amount_are_claimed_back(service: SubsidyService) -> None:
    await record_start(service.client)
    granted = await granted_application(service.client)
    path = f"/applications/{granted['id']}"
    await post_ok(
        service.client, f"{path}/payments/advance", {"amount": 1_700_000, "paid_on": "2025-06-02"}, REVIEWER
    )
    await post_ok(
        service.client,
        f"{path}/report",
        {"actual": {"personnel": 2_000_000}, "documents": REPORT_DOCUMENTS},
        MUNICIPAL,
    )
    confirmed = await post_ok(service.client, f"{path}/confirmation", {}, APPROVER)
    assert (confirmed["confirmed_amount"], confirmed["refund_due"]) == (1_000_000, 700_000)
    nothing = await service.client.post(
        f"{path}/payments/balance", json={"paid_on": "2026-05-01"}, headers=REVIEWER
    )
    await refused_with(nothing, "nothing_to_pay", 409)
    claimed = await post_ok(service.client, f"{path}/refund-claim", {"due_on": "2026-06-30"}, REVIEWER)
    assert (claimed["status"], claimed["refund_claimed"], claimed["refund_due"]) == ("closed", 700_000, 0)
    [event] = [e for e in service.outbox_events() if e.type.endswith("refund_claimed.v1")]
    assert event.data.amount == 700_000
    budget = (await service.client.get("/budget/2025", headers=REVIEWER)).json()["figures"]
    assert budget == {
        "committed": 1_000_000,
        "confirmed": 1_000_000,
        "paid": 1_700_000,
        "refund_claimed": 700_000,
    }


async def test_the_same_person_never_reviews_and_decides(service: SubsidyService) -> None:
    await record_start(service.client)
    both = staff("subsidy_reviewer", "subsidy_approver", subject="both-1")
    created = await post_ok(service.client, "/applications", application_body(), MUNICIPAL)
    path = f"/applications/{created['id']}"
    await post_ok(service.client, f"{path}/review", {"eligible": True}, both)
    before = service.counts()
    for step, body in (("decision", {}), ("refusal", {"reason": "other"})):
        refused = await service.client.post(f"{path}/{step}", json=body, headers=both)
        await refused_with(refused, "approver_reviewed", 403)
    assert service.counts() == before
    assert (await post_ok(service.client, f"{path}/decision", {}, SECOND_APPROVER))[
        "decided_by"
    ] == "approver-2"


async def test_municipality_staff_act_and_read_for_their_own_municipality_only(
    service: SubsidyService,
) -> None:
    await record_start(service.client)
    await record_start(service.client, SHIBUYA)
    shibuya = await post_ok(service.client, "/applications", application_body(SHIBUYA), municipal(SHIBUYA))
    before = service.counts()
    for response in (
        await service.client.post("/applications", json=application_body(SHIBUYA), headers=MUNICIPAL),
        await service.client.get(f"/applications/{shibuya['id']}", headers=MUNICIPAL),
        await service.client.post(f"/applications/{shibuya['id']}/withdrawal", headers=MUNICIPAL),
        await service.client.get(f"/applications?municipality_code={SHIBUYA}", headers=MUNICIPAL),
        await service.client.get(f"/municipalities/{SHIBUYA}", headers=MUNICIPAL),
    ):
        await refused_with(response, "own_municipality_only", 403)
    assert service.counts() == before
    assert (await service.client.get("/applications", headers=MUNICIPAL)).json() == []
    read = await service.client.get(f"/applications/{shibuya['id']}", headers=municipal(SHIBUYA))
    assert read.status_code == 200
    assert read.json()["checks"] is None
    with service.context.reading() as uow:
        [entry] = reads_of_record(uow, "subsidy_application", shibuya["id"])
    assert (entry.subject, entry.purpose) == (f"staff-{SHIBUYA}", "subsidy_administration")


async def test_a_third_year_needs_an_exception_approved_by_another(
    service: SubsidyService, clock: Any
) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    await record_start(service.client)
    await granted_application(service.client, fiscal_year=2025)
    clock.set(datetime(2026, 5, 1, 10, tzinfo=tokyo))
    await granted_application(service.client, fiscal_year=2026)
    clock.set(datetime(2027, 5, 1, 10, tzinfo=tokyo))
    third = await service.client.post(
        "/applications", json=application_body(fiscal_year=2027), headers=MUNICIPAL
    )
    await refused_with(third, "third_year_without_exception", 422)
    asked = await post_ok(
        service.client,
        f"/municipalities/{SHINJUKU}/exceptions",
        {"fiscal_year": 2027, "reason": "災害で事業開始が遅延"},
        REVIEWER,
    )
    assert asked["approved_by"] is None
    self_approved = await service.client.post(
        f"/municipalities/{SHINJUKU}/exceptions/2027/approval",
        headers=staff("subsidy_approver", subject="subsidy_reviewer-1"),
    )
    await refused_with(self_approved, "exception_self_approved", 403)
    await post_ok(service.client, f"/municipalities/{SHINJUKU}/exceptions/2027/approval", None, APPROVER)
    # No FY2027 budget is set in the shipped data; the application itself is now allowed.
    allowed = await service.client.post(
        "/applications", json=application_body(fiscal_year=2027), headers=MUNICIPAL
    )
    assert allowed.status_code == 201, allowed.text
    standing = (await service.client.get(f"/municipalities/{SHINJUKU}", headers=MUNICIPAL)).json()
    assert standing["years_used"] == [2025, 2026]
    assert standing["years_used_labels"] == ["令和7年度", "令和8年度"]


async def test_bad_input_is_refused_by_its_rule_with_nothing_written_and_nothing_echoed(
    service: SubsidyService,
) -> None:
    await record_start(service.client)
    granted = await granted_application(service.client)
    path = f"/applications/{granted['id']}"
    before, events = service.counts(), len(service.outbox_events())
    cases = [
        (
            "/applications",
            {**application_body(), "planned": {"canary_costs": 1000}},
            MUNICIPAL,
            "cost_category_not_in_outline",
            422,
        ),
        (f"{path}/confirmation", {"amount": 1_000_000}, APPROVER, "not_reported", 409),
        ("/applications", application_body(), MUNICIPAL, "application_exists_for_year", 409),
        (
            "/applications",
            {**application_body(), "documents": ["application_form"]},
            MUNICIPAL,
            "documents_missing",
            422,
        ),
        ("/applications", application_body(SHIBUYA), municipal(SHIBUYA), "implementation_not_recorded", 422),
        (
            "/applications",
            {**application_body(), "requested_amount": 1_700_001},
            MUNICIPAL,
            "amount_not_rounded",
            422,
        ),
    ]
    for url, body, headers, rule, status in cases:
        response = await service.client.post(url, json=body, headers=headers)
        await refused_with(response, rule, status)
        assert "canary" not in response.text
    for amount in (-1000, 1000.5, "1000", True):
        response = await service.client.post(
            "/applications", json={**application_body(), "planned": {"personnel": amount}}, headers=MUNICIPAL
        )
        assert response.status_code == 422, (amount, response.text)
        assert str(amount) not in response.text
    assert (service.counts(), len(service.outbox_events())) == (before, events)


async def test_a_report_before_the_decision_and_a_confirmation_above_it_are_refused(
    service: SubsidyService,
) -> None:
    await record_start(service.client)
    created = await post_ok(service.client, "/applications", application_body(), MUNICIPAL)
    early = await service.client.post(
        f"/applications/{created['id']}/report",
        json={"actual": {"personnel": 1000}, "documents": REPORT_DOCUMENTS},
        headers=MUNICIPAL,
    )
    await refused_with(early, "report_before_decision", 409)
    path = f"/applications/{created['id']}"
    await post_ok(service.client, f"{path}/review", {"eligible": True}, REVIEWER)
    await post_ok(service.client, f"{path}/decision", {"amount": 1_000_000}, APPROVER)
    await post_ok(
        service.client,
        f"{path}/report",
        {"actual": {"personnel": 9_000_000}, "documents": REPORT_DOCUMENTS},
        MUNICIPAL,
    )
    above = await service.client.post(f"{path}/confirmation", json={"amount": 1_001_000}, headers=APPROVER)
    await refused_with(above, "confirmation_above_decision", 422)


async def test_a_withdrawal_releases_the_commitment_and_frees_the_year(service: SubsidyService) -> None:
    await record_start(service.client)
    granted = await granted_application(service.client)
    withdrawn = await post_ok(service.client, f"/applications/{granted['id']}/withdrawal", None, MUNICIPAL)
    assert withdrawn["status"] == "withdrawn"
    assert (await service.client.get("/budget/2025", headers=APPROVER)).json()["figures"]["committed"] == 0
    assert (await service.client.get(f"/municipalities/{SHINJUKU}", headers=MUNICIPAL)).json()[
        "years_used"
    ] == []
    again = await service.client.post("/applications", json=application_body(), headers=MUNICIPAL)
    assert again.status_code == 201


async def test_an_oversize_body_is_refused_before_it_is_read(service: SubsidyService) -> None:
    limit = service.runtime.settings.http_max_body_bytes
    response = await service.client.post(
        "/applications",
        content=b"{" + b" " * limit + b"}",
        headers={**MUNICIPAL, "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert service.count("subsidy_application") == 0


async def test_migrated_schema_matches_the_tables(service: SubsidyService) -> None:
    assert schema_drift(service.engine, "subsidy_") == []
