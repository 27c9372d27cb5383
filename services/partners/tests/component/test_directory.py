"""The public directory and its printed editions through the HTTP API, on the composition root."""

from __future__ import annotations

from datetime import UTC, datetime

import tsunagu_partners.adapters.tables  # noqa: F401  (registers the tables)
from tsunagu_partners.testing import COUNSELLOR, SUPERVISOR, PartnersService, active_partner
from tsunagu_typeset.inspect import page_size_mm, pdf_text


async def test_the_public_directory_needs_no_login_and_shows_the_support_nets_line(
    service: PartnersService,
) -> None:
    response = await service.client.get("/public/directory.json")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["support_net"]["phone"] == "0120-529-528"
    assert body["support_net"]["phone_hours"].startswith("月〜")
    page = await service.client.get("/public/directory", params={"municipality_code": "131041"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="ja">' in page.text
    assert '<option value="131041" selected>新宿区</option>' in page.text


async def test_an_unknown_municipality_in_a_search_is_refused_without_echo(service: PartnersService) -> None:
    response = await service.client.get("/public/directory.json", params={"municipality_code": "139999"})
    assert response.status_code == 422
    assert "139999" not in response.text


async def test_an_edition_prints_every_leaflet_and_the_memo_once_until_something_changes(
    service: PartnersService,
) -> None:
    first = await service.client.post("/directory/editions", headers=SUPERVISOR)
    assert first.status_code == 201, first.text
    edition = first.json()
    assert edition["number"] == 1
    files = {(f["item"], f["area"]) for f in edition["files"]}
    assert len(files) == 62 + 2
    assert ("memo", "tokyo") in files
    assert ("leaflet", "tokyo") in files
    [event] = service.new_events()
    assert event.type == "tsunagu.partners.directory.published.v1"
    assert event.data.edition == 1

    again = await service.client.post("/directory/editions", headers=SUPERVISOR)
    assert (again.status_code, again.json()["number"]) == (200, 1)
    assert service.new_events() == []

    leaflet = await service.client.get("/public/editions/1/leaflets/131041.pdf")
    assert leaflet.status_code == 200
    assert leaflet.headers["content-type"] == "application/pdf"
    text = pdf_text(leaflet.content)
    assert "新宿区" in text
    assert "0120-529-528" in text
    memo = await service.client.get("/public/editions/1/memo.pdf")
    assert page_size_mm(memo.content) == (91.0, 55.0)
    missing = await service.client.get("/public/editions/2/memo.pdf")
    assert (missing.status_code, missing.json()["rule"]) == (404, "print_not_found")
    not_tokyo = await service.client.get("/public/editions/1/leaflets/139999.pdf")
    assert (not_tokyo.status_code, not_tokyo.json()["rule"]) == (404, "print_not_found")
    # An edition's file is the same whenever it is asked for.
    assert (await service.client.get("/public/editions/1/leaflets/131041.pdf")).content == leaflet.content


async def test_the_distribution_record_and_its_refusals(service: PartnersService) -> None:
    await service.client.post("/directory/editions", headers=SUPERVISOR)
    body = {
        "item": "leaflet",
        "municipality_code": "131041",
        "recipient": "新宿区役所 福祉部窓口",
        "copies": 200,
        "distributed_on": "2025-12-04",
    }
    recorded = await service.client.post("/directory/editions/1/distributions", json=body, headers=SUPERVISOR)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["area"] == "131041"
    memo_with_area = await service.client.post(
        "/directory/editions/1/distributions", json={**body, "item": "memo"}, headers=SUPERVISOR
    )
    assert (memo_with_area.status_code, memo_with_area.json()["rule"]) == (422, "memo_has_no_area")
    no_edition = await service.client.post(
        "/directory/editions/9/distributions", json=body, headers=SUPERVISOR
    )
    assert (no_edition.status_code, no_edition.json()["rule"]) == (404, "edition_not_found")
    counsellor = await service.client.post(
        "/directory/editions/1/distributions", json=body, headers=COUNSELLOR
    )
    assert counsellor.status_code == 403
    listed = await service.client.get("/directory/editions/1/distributions", headers=COUNSELLOR)
    assert [d["copies"] for d in listed.json()] == [200]
    assert service.counts()["partners_distribution"] == 1


async def test_consenting_windows_are_listed_with_their_hours_and_open_now_and_printed(
    service: PartnersService,
) -> None:
    weekdays = {day: [["08:30", "17:15"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    window = {
        "kind": "municipal_window",
        "name": "新宿区 ひきこもり相談窓口",
        "municipality_code": "131041",
        "support_kinds": ["consultation"],
        "targets": ["person", "family"],
        "contact": {"phone": "03-5273-0001"},
        "opening_hours": [{"channel": "window", "effective_from": "2024-04-01", "weekly": weekdays}],
        "publication_consented": True,
        "publication_consented_on": "2025-04-01",
    }
    listed = await service.client.post("/resources", json=window, headers=SUPERVISOR)
    assert listed.status_code == 201, listed.text
    hidden = {**window, "name": "非公開の窓口", "publication_consented": False}
    hidden.pop("publication_consented_on")
    assert (await service.client.post("/resources", json=hidden, headers=SUPERVISOR)).status_code == 201

    # A Monday at 10:00 in Tokyo, then the Monday of a national holiday (敬老の日, 2025-09-15).
    service.clock.set(datetime(2025, 9, 8, 1, 0, tzinfo=UTC))
    [found] = (
        await service.client.get("/public/directory.json", params={"municipality_code": "131041"})
    ).json()["listings"]
    assert (found["name"], found["open_now"]) == ("新宿区 ひきこもり相談窓口", True)
    assert found["hours"] == "月〜金 8:30〜17:15（祝日・年末年始を除く）"
    service.clock.set(datetime(2025, 9, 15, 1, 0, tzinfo=UTC))
    [holiday] = (await service.client.get("/public/directory.json")).json()["listings"]
    assert holiday["open_now"] is False

    edition = (await service.client.post("/directory/editions", headers=SUPERVISOR)).json()
    assert edition["resource_count"] == 1
    text = pdf_text(
        (await service.client.get(f"/public/editions/{edition['number']}/leaflets/131041.pdf")).content
    )
    assert "03-5273-0001" in text
    assert "非公開" not in text


async def test_active_partners_are_listed_with_their_offering_until_their_agreement_ends(
    service: PartnersService,
) -> None:
    offering = {
        "support_kinds": ["place_to_belong"],
        "targets": ["person"],
        "age_bands": ["20_29"],
        "municipality_codes": ["131041", "131032"],
        "fee_yen": 0,
        "languages": ["ja"],
        "accessibility": [],
        "capacity": 10,
        "places_available": 3,
    }
    partner = await active_partner(
        service,
        name="NPO法人つなぐ居場所",
        municipality_code="131032",
        effective_on="2025-05-01",
        offering=offering,
    )
    await active_partner(service, name="未公開の会", municipality_code="131032", effective_on="2025-05-01")
    await service.client.post("/partners", json={"name": "候補の会"}, headers=SUPERVISOR)

    by_kind = await service.client.get("/public/directory.json", params={"support_kind": "place_to_belong"})
    [listed] = by_kind.json()["listings"]
    assert (listed["id"], listed["kind"], listed["places_available"]) == (partner, "partner", 3)
    served = await service.client.get("/public/directory.json", params={"municipality_code": "131041"})
    assert [item["id"] for item in served.json()["listings"]] == [partner]
    edition = (await service.client.post("/directory/editions", headers=SUPERVISOR)).json()
    leaflet = await service.client.get(f"/public/editions/{edition['number']}/leaflets/131041.pdf")
    assert "NPO法人つなぐ居場所" in pdf_text(leaflet.content).replace(" ", "")

    ended = await service.client.post(
        f"/partners/{partner}/agreement/ending", json={"reason": "partner_request"}, headers=SUPERVISOR
    )
    assert ended.status_code == 200, ended.text
    after = await service.client.get("/public/directory.json", params={"municipality_code": "131041"})
    assert after.json()["listings"] == []
    assert (await service.client.post("/directory/editions", headers=SUPERVISOR)).status_code == 201
