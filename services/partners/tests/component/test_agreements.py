"""Agreements (協定) through the HTTP API and the agreement timer, on the service's own composition
root with the settable clock (it starts on Thursday 1 May 2025, 10:00 in Tokyo)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import tsunagu_partners.adapters.tables  # noqa: F401  (registers the tables for the drift check)
from tsunagu_partners.domain import rules
from tsunagu_partners.testing import (
    COUNSELLOR,
    STAFF,
    SUPERVISOR,
    PartnersService,
    guideline_completed,
    scan_agreements,
)
from tsunagu_servicekit.errors import Rule
from tsunagu_servicekit.testing import ids_counting_down, problem_of, schema_drift

CANARY = "カナリア連絡担当山田花子の会"
"""An organisation whose registered name holds a contact person's name: it must reach no event."""

ASSESSMENT = [
    {"kind": "consultation", "provides": True, "level": "meets"},
    {"kind": "place_to_belong", "provides": True, "level": "partly"},
    {"kind": "social_participation", "provides": False},
]
TRAINED_ON = date(2025, 4, 20)


def tokyo(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime.fromisoformat(f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:00+09:00")


async def post(
    service: PartnersService, path: str, body: dict[str, Any] | None = None, status: int = 200
) -> Any:
    response = await service.client.post(path, json=body or {}, headers=SUPERVISOR)
    assert response.status_code == status, response.text
    return response.json()


async def register(service: PartnersService, name: str = CANARY, municipality: str = "131041") -> str:
    created = await post(service, "/partners", {"name": name, "municipality_code": municipality}, 201)
    return str(created["id"])


async def applicant(service: PartnersService, name: str = CANARY) -> str:
    partner = await register(service, name)
    await post(service, f"/partners/{partner}/application", {"self_assessment": ASSESSMENT}, 201)
    assert service.deliver(guideline_completed(partner, completed_on=TRAINED_ON))
    return partner


async def partner_signed(
    service: PartnersService, name: str = CANARY, **terms: Any
) -> tuple[str, dict[str, Any]]:
    partner = await applicant(service, name)
    agreement = await post(
        service, f"/partners/{partner}/agreements", {"effective_on": "2025-05-01", **terms}, 201
    )
    return partner, agreement


async def state_of(service: PartnersService, partner: str) -> str:
    response = await service.client.get(f"/partners/{partner}", headers=COUNSELLOR)
    return str(response.json()["state"])


def assert_refused(
    service: PartnersService, response: httpx.Response, rule: Rule, before: dict[str, int]
) -> None:
    """Refused by ``rule``, with its fixed body (so nothing from the input), and nothing written."""
    assert response.status_code == rule.status, response.text
    assert response.json() == problem_of(rule)
    assert service.counts() == before


def assert_no_canary(service: PartnersService) -> None:
    for event in service.outbox_events():
        assert CANARY not in event.to_json_bytes().decode()


async def test_from_candidate_to_an_ended_agreement_every_event_with_ids_only(
    service: PartnersService,
) -> None:
    partner = await register(service)
    application = await post(
        service, f"/partners/{partner}/application", {"self_assessment": ASSESSMENT}, 201
    )
    assert (application["status"], application["training"]) == ("submitted", None)
    assert await state_of(service, partner) == "applied"

    before = service.counts()
    refused = await service.client.post(
        f"/partners/{partner}/agreements", json={"effective_on": "2025-05-01"}, headers=SUPERVISOR
    )
    assert_refused(service, refused, rules.TRAINING_NOT_RECORDED, before)

    # Training announces that three of the organisation's staff completed the guideline training.
    for n in (1, 2, 3):
        assert service.deliver(guideline_completed(partner, f"staff-{n}", completed_on=TRAINED_ON))
    training = (await service.client.get(f"/partners/{partner}/training", headers=COUNSELLOR)).json()
    assert training["training"] == {
        "staff_count": 3,
        "completed_on": "2025-04-20",
        "valid_until": "2028-04-19",
    }

    signed = await post(service, f"/partners/{partner}/agreements", {"effective_on": "2025-05-01"}, 201)
    assert signed["number"] == "PA-2025-0001"
    assert (signed["template_version"], signed["term_months"]) == ("2024.1", 12)
    assert (signed["effective_on"], signed["ends_on"], signed["status"]) == (
        "2025-05-01",
        "2026-04-30",
        "active",
    )
    assert signed["renewal_due_on"] == "2026-04-01"  # 20 business days ahead, 29 April (昭和の日) skipped
    assert signed["support_kinds"] == ["consultation", "place_to_belong"]
    assert await state_of(service, partner) == "active"
    current = (await service.client.get(f"/partners/{partner}/agreement", headers=COUNSELLOR)).json()
    assert (current["partner"]["state"], current["current_agreement"]["id"]) == ("active", signed["id"])

    assert (await post(service, f"/partners/{partner}/agreement/suspension"))["status"] == "suspended"
    assert await state_of(service, partner) == "suspended"
    assert (await post(service, f"/partners/{partner}/agreement/resumption"))["status"] == "active"

    renewed = await post(service, f"/partners/{partner}/agreement/renewal", {}, 201)
    assert (renewed["effective_on"], renewed["ends_on"]) == (
        "2026-05-01",
        "2028-04-30",
    )  # the 2026 template: 24 months
    assert (renewed["template_version"], renewed["predecessor_id"], renewed["status"]) == (
        "2026.1",
        signed["id"],
        "signed",
    )
    assert renewed["number"] == "PA-2025-0002"
    before = service.counts()
    again = await service.client.post(f"/partners/{partner}/agreement/renewal", json={}, headers=SUPERVISOR)
    assert_refused(service, again, rules.AGREEMENT_ALREADY_RENEWED, before)

    ended = await post(service, f"/partners/{partner}/agreement/ending", {"reason": "partner_request"})
    assert (ended["id"], ended["status"], ended["ended_on"]) == (signed["id"], "ended", "2025-05-01")
    assert await state_of(service, partner) == "ended"
    history = (await service.client.get(f"/partners/{partner}/agreements", headers=COUNSELLOR)).json()
    assert [(a["id"], a["status"]) for a in history] == [(renewed["id"], "ended"), (signed["id"], "ended")]

    types = [e.type.split(".", 2)[2] for e in service.outbox_events()]
    assert types == [
        "partner.registered.v1",
        "partner.applied.v1",
        "agreement.signed.v1",
        "agreement.suspended.v1",
        "agreement.resumed.v1",
        "agreement.renewed.v1",
        "agreement.ended.v1",
        "agreement.ended.v1",
    ]
    events = service.outbox_events()
    assert {e.subject for e in events} == {partner}
    assert events[1].data.support_kinds == ["consultation", "place_to_belong"]
    assert events[2].data.agreement_number == "PA-2025-0001"
    assert events[5].data.previous_agreement_id == signed["id"]
    assert_no_canary(service)

    # An organisation whose agreement ended may apply again.
    await post(service, f"/partners/{partner}/application", {"self_assessment": ASSESSMENT}, 201)
    assert await state_of(service, partner) == "applied"


async def test_a_refused_application_makes_a_candidate_again(service: PartnersService) -> None:
    partner = await register(service)
    application = await post(
        service, f"/partners/{partner}/application", {"self_assessment": ASSESSMENT}, 201
    )
    refused = await post(service, f"/partners/{partner}/application/refusal")
    assert (refused["id"], refused["status"]) == (application["id"], "refused")
    assert await state_of(service, partner) == "candidate"
    [event] = [e for e in service.outbox_events() if e.type.endswith("application_refused.v1")]
    assert (event.data.partner_id, event.data.application_id) == (partner, application["id"])
    service.deliver(guideline_completed(partner, completed_on=TRAINED_ON))
    before = service.counts()
    for path, body in (
        ("application/refusal", {}),
        ("agreements", {"effective_on": "2025-05-01"}),
    ):
        response = await service.client.post(f"/partners/{partner}/{path}", json=body, headers=SUPERVISOR)
        assert_refused(service, response, rules.APPLICATION_NOT_OPEN, before)
    assert_no_canary(service)


async def test_bad_applications_and_terms_are_refused_whole(service: PartnersService) -> None:
    partner = await register(service)
    before = service.counts()
    for assessment, rule in (
        (
            [{**e, "provides": False, "level": None} for e in ASSESSMENT],
            rules.SELF_ASSESSMENT_PROVIDES_NOTHING,
        ),
        (ASSESSMENT[:2], rules.SELF_ASSESSMENT_INCOMPLETE),
        ([*ASSESSMENT[:2], ASSESSMENT[0]], rules.SELF_ASSESSMENT_INCOMPLETE),
        ([{**ASSESSMENT[0], "level": None}, *ASSESSMENT[1:]], rules.SELF_ASSESSMENT_LEVEL_MISMATCH),
    ):
        response = await service.client.post(
            f"/partners/{partner}/application", json={"self_assessment": assessment}, headers=SUPERVISOR
        )
        assert_refused(service, response, rule, before)

    await post(service, f"/partners/{partner}/application", {"self_assessment": ASSESSMENT}, 201)
    service.deliver(guideline_completed(partner, completed_on=TRAINED_ON))

    before = service.counts()
    for terms, rule in (
        ({"ends_on": "2025-04-30"}, rules.AGREEMENT_TERM_ENDS_BEFORE_START),
        ({"ends_on": "2026-04-30", "term_months": 12}, rules.AGREEMENT_TERM_GIVEN_TWICE),
        ({"template_version": "1999.9"}, rules.AGREEMENT_TEMPLATE_UNKNOWN),
    ):
        response = await service.client.post(
            f"/partners/{partner}/agreements",
            json={"effective_on": "2025-05-01", **terms},
            headers=SUPERVISOR,
        )
        assert_refused(service, response, rule, before)
    before_templates = service.counts()
    too_early = await service.client.post(
        f"/partners/{partner}/agreements", json={"effective_on": "2024-03-31"}, headers=SUPERVISOR
    )
    assert_refused(service, too_early, rules.AGREEMENT_TEMPLATE_NOT_IN_FORCE, before_templates)
    assert await state_of(service, partner) == "applied"

    # A named template and an explicit end date are taken as given.
    signed = await post(
        service,
        f"/partners/{partner}/agreements",
        {"effective_on": "2025-05-01", "ends_on": "2025-05-01", "template_version": "2026.1"},
        201,
    )
    assert (signed["ends_on"], signed["term_months"], signed["template_version"]) == (
        "2025-05-01",
        None,
        "2026.1",
    )


async def test_illegal_steps_are_refused_by_named_rules(service: PartnersService) -> None:
    candidate = await register(service)
    active, _ = await partner_signed(service, name="NPO法人ひだまり")
    before = service.counts()
    for partner, path, body, rule in (
        (candidate, "agreement/suspension", {}, rules.PARTNER_NOT_ACTIVE),
        (candidate, "agreement/renewal", {}, rules.PARTNER_NOT_ACTIVE),
        (candidate, "agreement/resumption", {}, rules.PARTNER_NOT_SUSPENDED),
        (candidate, "agreement/ending", {"reason": "other"}, rules.PARTNER_NOT_IN_AGREEMENT),
        (active, "agreement/resumption", {}, rules.PARTNER_NOT_SUSPENDED),
        (active, "application", {"self_assessment": ASSESSMENT}, rules.PARTNER_CANNOT_APPLY),
        (active, "agreements", {"effective_on": "2025-05-01"}, rules.APPLICATION_NOT_OPEN),
    ):
        response = await service.client.post(f"/partners/{partner}/{path}", json=body, headers=SUPERVISOR)
        assert_refused(service, response, rule, before)
    await post(service, f"/partners/{active}/agreement/suspension")
    before = service.counts()
    response = await service.client.post(f"/partners/{active}/agreement/renewal", json={}, headers=SUPERVISOR)
    assert_refused(service, response, rules.PARTNER_NOT_ACTIVE, before)


async def test_roles_and_unknown_partners(service: PartnersService) -> None:
    partner = await register(service)
    for headers in (COUNSELLOR, STAFF["partner_staff"], STAFF["municipality_staff"]):
        response = await service.client.post(
            f"/partners/{partner}/application", json={"self_assessment": ASSESSMENT}, headers=headers
        )
        assert (response.status_code, response.json()["rule"]) == (403, "role_required")
    missing = await service.client.post(
        "/partners/00000000-0000-4000-8000-00000000abcd/agreement/suspension", headers=SUPERVISOR
    )
    assert missing.json() == problem_of(rules.PARTNER_NOT_FOUND)
    templates = (await service.client.get("/agreement-templates", headers=COUNSELLOR)).json()
    assert [(t["version"], t["default_term_months"]) for t in templates] == [("2024.1", 12), ("2026.1", 24)]


async def test_numbers_count_up_within_the_fiscal_year_of_signing(service: PartnersService) -> None:
    _, first = await partner_signed(service, name="一の会")
    _, second = await partner_signed(service, name="二の会")
    service.clock.set(tokyo(2026, 4, 1, 9))  # FY2026 begins
    _, third = await partner_signed(service, name="三の会")
    assert [first["number"], second["number"], third["number"]] == [
        "PA-2025-0001",
        "PA-2025-0002",
        "PA-2026-0001",
    ]


async def test_partners_are_listed_by_state_and_municipality(service: PartnersService) -> None:
    active, _ = await partner_signed(service, name="あおぞら")
    candidate = await register(service, "こもれび", municipality="131202")
    listed = (await service.client.get("/partners", headers=COUNSELLOR)).json()
    assert [p["id"] for p in listed] == [active, candidate]
    only_active = (
        await service.client.get("/partners", params={"state": "active"}, headers=COUNSELLOR)
    ).json()
    assert [p["id"] for p in only_active] == [active]
    in_nerima = (
        await service.client.get("/partners", params={"municipality_code": "131202"}, headers=COUNSELLOR)
    ).json()
    assert [p["id"] for p in in_nerima] == [candidate]
    bad = await service.client.get("/partners", params={"municipality_code": "131040"}, headers=COUNSELLOR)
    assert bad.status_code == 422
    assert "131040" not in bad.text


# -- the agreement timer --------------------------------------------------------------------------


def new_of(service: PartnersService, kind: str) -> list[Any]:
    return [e for e in service.new_events() if e.type == f"tsunagu.partners.agreement.{kind}.v1"]


async def test_renewal_is_announced_once_and_an_unrenewed_agreement_expires_by_the_tokyo_date(
    service: PartnersService,
) -> None:
    partner, agreement = await partner_signed(service, term_months=3)
    # 2025-05-01 + 3 months ends Thursday 31 July; 20 business days before it (21 July 海の日 skipped).
    assert (agreement["ends_on"], agreement["renewal_due_on"]) == ("2025-07-31", "2025-07-02")
    service.new_events()
    service.clock.set(tokyo(2025, 7, 1, 23, 59))
    assert scan_agreements(service) == 0
    service.clock.set(tokyo(2025, 7, 2, 0, 1))
    assert scan_agreements(service) == 1
    [due] = new_of(service, "renewal_due")
    assert (due.data.agreement_id, due.data.due_on.isoformat(), due.data.ends_on.isoformat()) == (
        agreement["id"],
        "2025-07-02",
        "2025-07-31",
    )
    assert scan_agreements(service) == 0  # once only
    service.clock.set(tokyo(2025, 7, 31, 23, 59))
    assert scan_agreements(service) == 0
    assert await state_of(service, partner) == "active"
    service.clock.set(datetime(2025, 7, 31, 15, 1, tzinfo=UTC))  # still 31 July in UTC, 1 August in Tokyo
    assert scan_agreements(service) == 1
    [expired] = new_of(service, "expired")
    assert (expired.data.agreement_id, expired.data.partner_id) == (agreement["id"], partner)
    assert await state_of(service, partner) == "expired"
    history = (await service.client.get(f"/partners/{partner}/agreements", headers=COUNSELLOR)).json()
    assert history[0]["status"] == "expired"
    assert scan_agreements(service) == 0
    assert_no_canary(service)


async def test_agreements_due_on_one_day_are_handled_in_the_order_of_their_numbers(
    service: PartnersService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several agreements whose renewal falls due, then whose term runs out, on the same day: one
    scan announces them in the order they were signed (PA-2025-0001, 0002, …), never in the order of
    their ids, which the ids made here reverse."""
    monkeypatch.setattr(service.context, "new_id", ids_counting_down())
    signed = [(await partner_signed(service, name=f"会{n}", term_months=3))[1] for n in range(1, 5)]
    assert [a["number"] for a in signed] == [f"PA-2025-000{n}" for n in range(1, 5)]
    assert sorted(a["id"] for a in signed) == [a["id"] for a in reversed(signed)]
    service.new_events()
    service.clock.set(tokyo(2025, 7, 2, 9))
    assert scan_agreements(service) == 4
    assert [e.data.agreement_id for e in new_of(service, "renewal_due")] == [a["id"] for a in signed]
    service.clock.set(tokyo(2025, 8, 1, 9))
    assert scan_agreements(service) == 4
    assert [e.data.agreement_id for e in new_of(service, "expired")] == [a["id"] for a in signed]


async def test_a_renewed_agreement_hands_over_without_a_gap(service: PartnersService) -> None:
    partner, agreement = await partner_signed(service, term_months=3)
    renewed = await post(service, f"/partners/{partner}/agreement/renewal", {"term_months": 12}, 201)
    assert (renewed["effective_on"], renewed["ends_on"]) == ("2025-08-01", "2026-07-31")
    service.new_events()
    service.clock.set(tokyo(2025, 7, 15, 10))  # the old term's renewal date has passed: it was renewed
    assert scan_agreements(service) == 0
    await post(service, f"/partners/{partner}/agreement/suspension")
    service.clock.set(tokyo(2025, 8, 1, 0, 5))
    assert scan_agreements(service) == 1
    assert new_of(service, "expired") == []
    current = (await service.client.get(f"/partners/{partner}/agreement", headers=COUNSELLOR)).json()
    assert (current["current_agreement"]["id"], current["current_agreement"]["status"]) == (
        renewed["id"],
        "suspended",
    )
    assert current["partner"]["state"] == "suspended"
    history = (await service.client.get(f"/partners/{partner}/agreements", headers=COUNSELLOR)).json()
    assert [a["status"] for a in history] == ["suspended", "renewed"]
    assert (await post(service, f"/partners/{partner}/agreement/resumption"))["id"] == renewed["id"]
    assert agreement["id"] == history[1]["id"]


async def test_an_agreement_signed_ahead_takes_effect_on_its_date(service: PartnersService) -> None:
    partner = await applicant(service)
    signed = await post(service, f"/partners/{partner}/agreements", {"effective_on": "2025-06-01"}, 201)
    assert signed["status"] == "signed"
    assert await state_of(service, partner) == "applied"
    current = (await service.client.get(f"/partners/{partner}/agreement", headers=COUNSELLOR)).json()
    assert current["current_agreement"]["id"] == signed["id"]
    service.clock.set(tokyo(2025, 5, 31, 23, 59))
    assert scan_agreements(service) == 0
    service.clock.set(tokyo(2025, 6, 1, 0, 0))
    assert scan_agreements(service) == 1
    assert await state_of(service, partner) == "active"
    assert scan_agreements(service) == 0


async def test_migrated_schema_still_matches_the_tables(service: PartnersService) -> None:
    assert schema_drift(service.engine, "partners_") == []
