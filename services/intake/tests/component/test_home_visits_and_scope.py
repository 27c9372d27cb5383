"""Home-visit requests: municipality staff only, own municipality only, eligibility rules as data.
Municipality staff get 403 for other municipalities' requests and cases, whether they exist or not."""

from __future__ import annotations

import uuid

import pytest
from tsunagu_intake.testing import (
    CHIYODA,
    COUNSELLOR,
    NERIMA,
    SHINJUKU,
    SUPERVISOR,
    IntakeService,
    home_visit_request,
    municipality_staff,
)

SHINJUKU_STAFF = municipality_staff(SHINJUKU, subject="shinjuku-1")
NERIMA_STAFF = municipality_staff(NERIMA, subject="nerima-1")


async def submit(service: IntakeService, body: dict, headers: dict[str, str] = SHINJUKU_STAFF) -> dict:
    r = await service.client.post("/home-visit-requests", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_request_opens_a_case_and_is_announced(service: IntakeService) -> None:
    made = await submit(service, home_visit_request())
    assert made["status"] == "requested"
    assert made["rules_version"] == "2025-04"
    assert made["fiscal_year"] == 2025
    events = service.new_events()
    assert service.types(events) == [
        "tsunagu.intake.case.opened.v1",
        "tsunagu.intake.consultation.received.v1",
        "tsunagu.intake.home_visit.requested.v1",
    ]
    requested = events[-1].data
    assert requested.request_id == made["request_id"]
    assert requested.municipality_code == SHINJUKU
    assert requested.age_band == "20_29"
    assert requested.visits_requested == 2
    assert events[1].data.channel == "home_visit"
    assert len({e.correlationid for e in events}) == 1
    person = await service.client.get(
        f"/persons/{made['person_id']}?purpose=home_visit_coordination", headers=COUNSELLOR
    )
    assert person.json()["name"] == "山田花子"


async def test_only_for_their_own_municipality(service: IntakeService) -> None:
    before = service.counts()
    r = await service.client.post(
        "/home-visit-requests", json=home_visit_request(NERIMA), headers=SHINJUKU_STAFF
    )
    assert r.status_code == 403
    assert r.json()["rule"] == "own_municipality_only"
    for role in ("counsellor", "supervisor"):
        other = await service.client.post(
            "/home-visit-requests",
            json=home_visit_request(),
            headers=COUNSELLOR if role == "counsellor" else SUPERVISOR,
        )
        assert other.status_code == 403
    assert service.counts() == before


async def test_an_unknown_municipality_code_fails_validation(service: IntakeService) -> None:
    staff = municipality_staff("139999")
    r = await service.client.post("/home-visit-requests", json=home_visit_request("139999"), headers=staff)
    assert r.status_code == 422
    assert r.json()["errors"] == [{"loc": "body.municipality_code", "type": "enum"}]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"age_years": 14}, "minimum_age"),
        ({"residence_code": "141003"}, "residence_in_tokyo"),
        ({"visits_requested": 6}, "visits_per_fiscal_year"),
    ],
)
async def test_ineligible_requests_name_the_rule_and_write_nothing(
    service: IntakeService, change: dict[str, object], rule: str
) -> None:
    before = service.counts()
    r = await service.client.post(
        "/home-visit-requests", json=home_visit_request(**change), headers=SHINJUKU_STAFF
    )
    assert r.status_code == 422
    assert r.json()["rule"] == rule
    assert r.json()["type"] == f"urn:tsunagu:problem:{rule}"
    assert "山田" not in r.text
    assert service.counts() == before


async def test_visits_per_person_per_fiscal_year_add_up(service: IntakeService) -> None:
    first = await submit(service, home_visit_request(visits_requested=3))
    again = home_visit_request(visits_requested=2, person_id=first["person_id"])
    del again["person"]
    second = await submit(service, again)
    assert second["case_id"] == first["case_id"]
    third = await service.client.post("/home-visit-requests", json=again, headers=SHINJUKU_STAFF)
    assert third.status_code == 422
    assert third.json()["rule"] == "visits_per_fiscal_year"


async def test_a_municipality_cannot_name_another_municipalitys_person(service: IntakeService) -> None:
    made = await submit(service, home_visit_request())
    theirs = home_visit_request(NERIMA, person_id=made["person_id"])
    del theirs["person"]
    r = await service.client.post("/home-visit-requests", json=theirs, headers=NERIMA_STAFF)
    assert r.status_code == 403


async def test_municipalities_see_their_own_requests_and_cases_only(service: IntakeService) -> None:
    mine = await submit(service, home_visit_request())
    theirs = await submit(service, home_visit_request(NERIMA), headers=NERIMA_STAFF)

    listed = await service.client.get("/home-visit-requests", headers=SHINJUKU_STAFF)
    assert [r["request_id"] for r in listed.json()] == [mine["request_id"]]
    ok = await service.client.get(f"/home-visit-requests/{mine['request_id']}", headers=SHINJUKU_STAFF)
    assert ok.status_code == 200
    assert ok.json()["status"] == "requested"

    other = await service.client.get(f"/home-visit-requests/{theirs['request_id']}", headers=SHINJUKU_STAFF)
    missing = await service.client.get(f"/home-visit-requests/{uuid.uuid4()}", headers=SHINJUKU_STAFF)
    assert other.status_code == missing.status_code == 403
    assert other.json() == missing.json()  # says nothing about whether it exists
    listing_theirs = await service.client.get(
        f"/home-visit-requests?municipality_code={NERIMA}", headers=SHINJUKU_STAFF
    )
    assert listing_theirs.status_code == 403

    own_case = await service.client.get(f"/cases/{mine['case_id']}", headers=SHINJUKU_STAFF)
    assert own_case.status_code == 200
    other_case = await service.client.get(f"/cases/{theirs['case_id']}", headers=SHINJUKU_STAFF)
    no_case = await service.client.get(f"/cases/{uuid.uuid4()}", headers=SHINJUKU_STAFF)
    assert other_case.status_code == no_case.status_code == 403
    assert other_case.json() == no_case.json()
    search = await service.client.post(
        "/cases/search", json={"municipality_code": NERIMA}, headers=SHINJUKU_STAFF
    )
    assert search.status_code == 403
    own_search = await service.client.post("/cases/search", json={}, headers=SHINJUKU_STAFF)
    assert [c["case_id"] for c in own_search.json()] == [mine["case_id"]]
    timeline = await service.client.get(
        f"/cases/{mine['case_id']}/timeline?purpose=case_work", headers=SHINJUKU_STAFF
    )
    assert timeline.status_code == 403  # personal data is for the programme's counsellors

    everything = await service.client.get("/home-visit-requests", headers=COUNSELLOR)
    assert len(everything.json()) == 2
    missing_for_staff = await service.client.get(f"/cases/{uuid.uuid4()}", headers=COUNSELLOR)
    assert missing_for_staff.status_code == 404


async def test_a_municipality_without_a_tie_in_the_token_is_refused(service: IntakeService) -> None:
    r = await service.client.post(
        "/home-visit-requests", json=home_visit_request(CHIYODA), headers=SUPERVISOR
    )
    assert r.status_code == 403
