"""Partner organisations through the HTTP API, on the service's own composition root."""

from __future__ import annotations

import tsunagu_partners.adapters.tables  # noqa: F401  (registers the tables for the drift check)
from tsunagu_contracts import new_event_id
from tsunagu_partners.testing import COUNSELLOR, SUPERVISOR, PartnersService
from tsunagu_servicekit.testing import schema_drift

NAME = "特定非営利活動法人カナリア"


async def test_registering_announces_the_candidate_without_its_name(service: PartnersService) -> None:
    response = await service.client.post(
        "/partners", json={"name": NAME, "municipality_code": "131041"}, headers=SUPERVISOR
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["state"], created["municipality_code"]) == ("candidate", "131041")
    [event] = service.new_events()
    assert event.type == "tsunagu.partners.partner.registered.v1"
    assert (event.subject, event.data.partner_id) == (created["id"], created["id"])
    assert NAME not in event.to_json_bytes().decode()
    found = await service.client.get(f"/partners/{created['id']}", headers=COUNSELLOR)
    assert found.json()["name"] == NAME


async def test_a_name_taken_in_another_width_is_refused_by_its_rule(service: PartnersService) -> None:
    first = await service.client.post("/partners", json={"name": "ＮＰＯ法人ＡＢＣ"}, headers=SUPERVISOR)
    assert first.status_code == 201
    again = await service.client.post("/partners", json={"name": "npo法人abc"}, headers=SUPERVISOR)
    assert again.status_code == 409
    assert again.json()["rule"] == "partner_name_taken"
    assert "abc" not in again.text
    assert len(service.outbox_events()) == 1


async def test_an_unknown_municipality_is_refused_without_echo_or_write(service: PartnersService) -> None:
    response = await service.client.post(
        "/partners", json={"name": "つなぐ", "municipality_code": "131040"}, headers=SUPERVISOR
    )
    assert response.status_code == 422
    assert "131040" not in response.text
    assert service.outbox_events() == []


async def test_unknown_partners_and_wrong_roles_are_refused(service: PartnersService) -> None:
    missing = await service.client.get(f"/partners/{new_event_id()}", headers=COUNSELLOR)
    assert (missing.status_code, missing.json()["rule"]) == (404, "partner_not_found")
    forbidden = await service.client.post("/partners", json={"name": "x"}, headers=COUNSELLOR)
    assert forbidden.status_code == 403
    anonymous = await service.client.get(f"/partners/{new_event_id()}")
    assert anonymous.status_code == 401


async def test_migrated_schema_matches_the_tables(service: PartnersService) -> None:
    assert schema_drift(service.engine, "partners_") == []


async def test_an_oversize_body_is_refused_before_it_is_read(service: PartnersService) -> None:
    limit = service.runtime.settings.http_max_body_bytes
    body = '{"name": "' + "あ" * limit + '"}'
    response = await service.client.post(
        "/partners", content=body.encode(), headers={**SUPERVISOR, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "あ" not in response.text
    assert service.outbox_events() == []
