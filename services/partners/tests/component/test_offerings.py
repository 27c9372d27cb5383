"""What partners offer, through the HTTP API: partner staff publish their own organisation's
offering and its live places, never another's."""

from __future__ import annotations

from datetime import date
from typing import Any

from tsunagu_partners.domain import rules
from tsunagu_partners.testing import (
    COUNSELLOR,
    STAFF,
    SUPERVISOR,
    PartnersService,
    guideline_completed,
    partner_staff_of,
)
from tsunagu_servicekit.testing import problem_of

CANARY = "居場所カナリア担当鈴木一郎"

OFFERING: dict[str, Any] = {
    "support_kinds": ["place_to_belong", "consultation", "place_to_belong"],
    "targets": ["person", "family"],
    "age_bands": ["15_19", "20_29", "30_39"],
    "municipality_codes": ["131202", "131041", "131202"],
    "fee_yen": 0,
    "languages": ["ja", "en"],
    "accessibility": ["step_free", "online"],
    "capacity": 12,
    "places_available": 5,
}


async def register(service: PartnersService, name: str) -> str:
    response = await service.client.post("/partners", json={"name": name}, headers=SUPERVISOR)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_partner_staff_publish_their_offering_and_update_places(service: PartnersService) -> None:
    partner = await register(service, CANARY)
    staff = partner_staff_of(partner)
    published = await service.client.put(f"/partners/{partner}/offering", json=OFFERING, headers=staff)
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["support_kinds"] == ["place_to_belong", "consultation"]
    assert body["municipality_codes"] == ["131041", "131202"]
    assert (body["free"], body["capacity"], body["places_available"]) == (True, 12, 5)

    places = await service.client.patch(
        f"/partners/{partner}/offering/places", json={"places_available": 0}, headers=staff
    )
    assert places.status_code == 200, places.text
    assert places.json()["places_available"] == 0
    read = await service.client.get(f"/partners/{partner}/offering", headers=COUNSELLOR)
    assert (read.json()["places_available"], read.json()["fee_yen"]) == (0, 0)

    events = [e for e in service.outbox_events() if e.type == "tsunagu.partners.partner.offering_updated.v1"]
    assert [e.data.places_available for e in events] == [5, 0]
    assert events[0].data.municipality_codes == ["131041", "131202"]
    assert events[0].data.targets == ["person", "family"]
    for event in service.outbox_events():
        assert CANARY not in event.to_json_bytes().decode()

    # A new offering keeps the live count, within the new capacity.
    await service.client.patch(
        f"/partners/{partner}/offering/places", json={"places_available": 9}, headers=staff
    )
    smaller = {**OFFERING, "capacity": 4}
    del smaller["places_available"]
    again = await service.client.put(f"/partners/{partner}/offering", json=smaller, headers=SUPERVISOR)
    assert again.json()["places_available"] == 4
    listed = await service.client.get("/partners", params={"municipality_code": "131202"}, headers=COUNSELLOR)
    assert [p["id"] for p in listed.json()] == [partner]


async def test_partner_staff_cannot_act_for_another_partner(service: PartnersService) -> None:
    mine = await register(service, "わたしの会")
    theirs = await register(service, "となりの会")
    await service.client.put(f"/partners/{theirs}/offering", json=OFFERING, headers=SUPERVISOR)
    staff = partner_staff_of(mine)
    before = service.counts()
    for response in (
        await service.client.put(f"/partners/{theirs}/offering", json=OFFERING, headers=staff),
        await service.client.patch(
            f"/partners/{theirs}/offering/places", json={"places_available": 1}, headers=staff
        ),
        await service.client.get(f"/partners/{theirs}/offering", headers=staff),
    ):
        assert response.json() == problem_of(rules.OWN_PARTNER_ONLY)
    assert service.counts() == before
    counsellor = await service.client.put(f"/partners/{mine}/offering", json=OFFERING, headers=COUNSELLOR)
    assert (counsellor.status_code, counsellor.json()["rule"]) == (403, "role_required")
    municipal = await service.client.get(f"/partners/{mine}/offering", headers=STAFF["municipality_staff"])
    assert municipal.status_code == 403


async def test_offering_rules_refuse_whole(service: PartnersService) -> None:
    partner = await register(service, "ルールの会")
    staff = partner_staff_of(partner)
    before = service.counts()
    missing = await service.client.patch(
        f"/partners/{partner}/offering/places", json={"places_available": 1}, headers=staff
    )
    assert missing.json() == problem_of(rules.OFFERING_NOT_PUBLISHED)
    for body, rule in (
        ({**OFFERING, "places_available": 13}, rules.PLACES_EXCEED_CAPACITY),
        ({**OFFERING, "capacity": None, "places_available": None}, rules.CAPACITY_WITHOUT_PLACE_TO_BELONG),
        ({**OFFERING, "support_kinds": ["consultation"]}, rules.CAPACITY_WITHOUT_PLACE_TO_BELONG),
        (
            {**OFFERING, "support_kinds": ["consultation"], "capacity": None, "places_available": 3},
            rules.CAPACITY_WITHOUT_PLACE_TO_BELONG,
        ),
    ):
        response = await service.client.put(f"/partners/{partner}/offering", json=body, headers=staff)
        assert response.json() == problem_of(rule), body
    unknown = await service.client.put(
        f"/partners/{partner}/offering", json={**OFFERING, "municipality_codes": ["131040"]}, headers=staff
    )
    assert unknown.status_code == 422
    assert "131040" not in unknown.text
    assert service.counts() == before

    consultation_only = {
        **OFFERING,
        "support_kinds": ["consultation"],
        "capacity": None,
        "places_available": None,
    }
    published = await service.client.put(
        f"/partners/{partner}/offering", json=consultation_only, headers=staff
    )
    assert published.status_code == 200, published.text
    no_places = await service.client.patch(
        f"/partners/{partner}/offering/places", json={"places_available": 1}, headers=staff
    )
    assert no_places.json() == problem_of(rules.OFFERING_WITHOUT_PLACES)
    await service.client.put(f"/partners/{partner}/offering", json=OFFERING, headers=staff)
    over = await service.client.patch(
        f"/partners/{partner}/offering/places", json={"places_available": 13}, headers=staff
    )
    assert over.json() == problem_of(rules.PLACES_EXCEED_CAPACITY)


async def test_a_partner_whose_agreement_ended_cannot_publish(service: PartnersService) -> None:
    partner = await register(service, "おわりの会")
    assessment = [
        {"kind": "consultation", "provides": True, "level": "meets"},
        {"kind": "place_to_belong", "provides": True, "level": "meets"},
        {"kind": "social_participation", "provides": False},
    ]
    for path, body in (
        ("application", {"self_assessment": assessment}),
        ("agreements", {"effective_on": "2025-05-01"}),
    ):
        if path == "agreements":
            assert service.deliver(guideline_completed(partner, completed_on=date(2025, 4, 1)))
        response = await service.client.post(f"/partners/{partner}/{path}", json=body, headers=SUPERVISOR)
        assert response.status_code in (200, 201), response.text
    staff = partner_staff_of(partner)
    assert (
        await service.client.put(f"/partners/{partner}/offering", json=OFFERING, headers=staff)
    ).status_code == 200
    ended = await service.client.post(
        f"/partners/{partner}/agreement/ending", json={"reason": "organisation_dissolved"}, headers=SUPERVISOR
    )
    assert ended.status_code == 200
    before = service.counts()
    for response in (
        await service.client.put(f"/partners/{partner}/offering", json=OFFERING, headers=staff),
        await service.client.patch(
            f"/partners/{partner}/offering/places", json={"places_available": 1}, headers=staff
        ),
    ):
        assert response.json() == problem_of(rules.PARTNER_CLOSED)
    assert service.counts() == before
