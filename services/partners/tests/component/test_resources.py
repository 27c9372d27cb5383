"""Local resources, recruitment and the outreach log through the HTTP API, on the service's own
composition root: "open now" on holidays and in the closure, municipality staff on their own
windows only, refusals without a partial write or an echo, and events with ids and codes only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from tsunagu_calendar import TOKYO
from tsunagu_contracts import new_event_id
from tsunagu_partners.domain import rules
from tsunagu_partners.testing import COUNSELLOR, JWT_SECRET, STAFF, SUPERVISOR, PartnersService
from tsunagu_servicekit.testing import local_bearer, problem_of

SHINJUKU, CHIYODA = "131041", "131016"
SHINJUKU_STAFF = STAFF["municipality_staff"]
CHIYODA_STAFF = local_bearer(JWT_SECRET)("municipality_staff", subject="chiyoda-1", municipality=CHIYODA)
# Personal data that must stay in the service: full- and half-width forms alike.
CANARIES = ("カナリア花子", "ｶﾅﾘｱﾊﾅｺ", "ＣＡＮＡＲＹ", "CANARY-7f3")
NOTE = "担当のカナリア花子さん(ｶﾅﾘｱﾊﾅｺ、ＣＡＮＡＲＹ、CANARY-7f3)に再度電話"

WEEKDAYS = {day: [["10:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def resource(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "place_to_belong",
        "name": "居場所つなぐ新宿",
        "municipality_code": SHINJUKU,
        "support_kinds": ["place_to_belong", "consultation"],
        "targets": ["person"],
        "contact": {"phone": "03-1234-5678", "url": "https://example.org/ibasho"},
        "opening_hours": [{"channel": "visit", "effective_from": "2024-04-01", "weekly": WEEKDAYS}],
        "publication_consented": True,
        "publication_consented_on": "2025-04-01",
    }
    return {**body, **overrides}


def window(municipality: str = SHINJUKU, **overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "municipal_window",
        "name": f"ひきこもり相談窓口{municipality}",
        "municipality_code": municipality,
        "support_kinds": ["consultation"],
        "targets": ["person", "family"],
    }
    return resource(**{**body, **overrides})


async def listed(service: PartnersService, body: dict[str, Any], headers: dict[str, str] = SUPERVISOR) -> str:
    response = await service.client.post("/resources", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def assert_nothing_personal(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text


async def test_a_listed_resource_is_announced_with_ids_and_codes(service: PartnersService) -> None:
    response = await service.client.post("/resources", json=resource(), headers=COUNSELLOR)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["open_now"] is True  # Thursday 1 May 2025, 10:00 in Tokyo
    assert created["contact"] == {
        "phone": "03-1234-5678",
        "email": None,
        "url": "https://example.org/ibasho",
        "address": None,
    }
    assert created["opening_hours"][0]["weekly"]["mon"] == [["10:00", "17:00"]]
    [event] = service.new_events()
    assert event.type == "tsunagu.partners.resource.listed.v1"
    assert event.subject == created["id"]
    assert event.data.model_dump(mode="json") == {
        "resource_id": created["id"],
        "kind": "place_to_belong",
        "municipality_code": SHINJUKU,
        "support_kinds": ["consultation", "place_to_belong"],
        "listed_at": "2025-05-01T01:00:00Z",
    }
    wire = event.to_json_bytes().decode()
    assert "居場所" not in wire
    assert "03-1234" not in wire

    service.clock.advance(days=1)
    changed = await service.client.put(
        f"/resources/{created['id']}",
        json=resource(name="居場所つなぐ", targets=["family"]),
        headers=SUPERVISOR,
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["targets"]) == ("居場所つなぐ", ["family"])
    assert changed.json()["listed_at"] == created["listed_at"] != changed.json()["updated_at"]
    [again] = service.new_events()
    assert (again.type, again.data.resource_id) == ("tsunagu.partners.resource.listed.v1", created["id"])
    found = await service.client.get(f"/resources/{created['id']}", headers=COUNSELLOR)
    assert found.json() == changed.json() | {"open_now": True}


@pytest.mark.parametrize(
    ("at", "open_ids"),
    [
        (datetime(2025, 5, 2, 11, tzinfo=TOKYO), {"place", "line"}),  # Friday
        (datetime(2025, 5, 5, 11, tzinfo=TOKYO), {"line"}),  # こどもの日: only the line that ignores holidays
        (datetime(2025, 5, 6, 11, tzinfo=TOKYO), {"line"}),  # 振替休日
        (datetime(2025, 12, 29, 11, tzinfo=TOKYO), {"line"}),  # the year-end closure
        (datetime(2026, 1, 5, 11, tzinfo=TOKYO), {"place", "line"}),  # after it
        (datetime(2025, 5, 7, 18, tzinfo=TOKYO), set()),  # after hours
    ],
)
async def test_open_now_is_the_calendars_answer_for_each_resources_own_hours(
    service: PartnersService, at: datetime, open_ids: set[str]
) -> None:
    ids = {
        "place": await listed(service, resource()),
        "line": await listed(
            service,
            resource(
                kind="npo",
                name="つなぐ電話",
                opening_hours=[
                    {
                        "channel": "phone",
                        "effective_from": "2024-04-01",
                        "weekly": WEEKDAYS,
                        "observe_closures": False,
                    }
                ],
            ),
        ),
        "none": await listed(service, resource(kind="clinic", name="診療所", opening_hours=[])),
    }
    service.clock.set(at)
    open_now = await service.client.get("/resources", params={"open_now": "true"}, headers=COUNSELLOR)
    assert open_now.status_code == 200
    assert {r["id"] for r in open_now.json()} == {ids[name] for name in open_ids}
    closed = await service.client.get("/resources", params={"open_now": "false"}, headers=COUNSELLOR)
    assert {r["id"] for r in closed.json()} == set(ids.values()) - {ids[name] for name in open_ids}


async def test_resources_are_found_by_municipality_kind_support_kind_and_target(
    service: PartnersService,
) -> None:
    place = await listed(service, resource())
    family = await listed(
        service,
        resource(
            kind="family_association", name="家族会", support_kinds=["consultation"], targets=["family"]
        ),
    )
    chiyoda = await listed(service, window(CHIYODA))

    async def ids(**params: str) -> list[str]:
        response = await service.client.get("/resources", params=params, headers=SUPERVISOR)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()]

    assert set(await ids()) == {place, family, chiyoda}
    assert await ids(municipality_code=CHIYODA) == [chiyoda]
    assert await ids(kind="family_association") == [family]
    assert set(await ids(support_kind="consultation")) == {place, family, chiyoda}
    assert await ids(support_kind="place_to_belong") == [place]
    assert set(await ids(target="family")) == {family, chiyoda}
    assert await ids(target="person", municipality_code=SHINJUKU) == [place]
    assert len(await ids(limit="1")) == 1


async def test_municipality_staff_keep_their_own_windows_and_nothing_else(service: PartnersService) -> None:
    own = await listed(service, window(), headers=SHINJUKU_STAFF)
    other = await listed(service, window(CHIYODA))
    npo = await listed(service, resource(kind="npo"))
    service.new_events()
    before = service.counts()

    refusals = [
        (
            await service.client.post("/resources", json=window(CHIYODA), headers=SHINJUKU_STAFF),
            rules.OWN_MUNICIPALITY_ONLY,
        ),
        (
            await service.client.post("/resources", json=resource(kind="npo"), headers=SHINJUKU_STAFF),
            rules.MUNICIPAL_WINDOWS_ONLY,
        ),
        (
            await service.client.put(f"/resources/{other}", json=window(CHIYODA), headers=SHINJUKU_STAFF),
            rules.OWN_MUNICIPALITY_ONLY,
        ),
        (
            await service.client.put(f"/resources/{own}", json=window(CHIYODA), headers=SHINJUKU_STAFF),
            rules.OWN_MUNICIPALITY_ONLY,
        ),
        (
            await service.client.put(f"/resources/{npo}", json=window(), headers=SHINJUKU_STAFF),
            rules.MUNICIPAL_WINDOWS_ONLY,
        ),
        (
            await service.client.put(f"/resources/{own}", json=window(), headers=CHIYODA_STAFF),
            rules.OWN_MUNICIPALITY_ONLY,
        ),
        (
            await service.client.get(f"/resources/{other}", headers=SHINJUKU_STAFF),
            rules.OWN_MUNICIPALITY_ONLY,
        ),
        (
            await service.client.get(f"/resources/{new_event_id()}", headers=SHINJUKU_STAFF),
            rules.OWN_MUNICIPALITY_ONLY,
        ),
        (
            await service.client.get(
                "/resources", params={"municipality_code": CHIYODA}, headers=SHINJUKU_STAFF
            ),
            rules.OWN_MUNICIPALITY_ONLY,
        ),
    ]
    for response, rule in refusals:
        assert (response.status_code, response.json()) == (rule.status, problem_of(rule))
    assert service.counts() == before
    assert service.new_events() == []

    changed = await service.client.put(
        f"/resources/{own}", json=window(name="新宿区 相談窓口"), headers=SHINJUKU_STAFF
    )
    assert changed.status_code == 200, changed.text
    mine = await service.client.get("/resources", headers=SHINJUKU_STAFF)
    assert {r["id"] for r in mine.json()} == {own, npo}
    assert (await service.client.get(f"/resources/{npo}", headers=SHINJUKU_STAFF)).status_code == 200


async def test_other_roles_are_refused(service: PartnersService) -> None:
    place = await listed(service, resource())
    for role in ("partner_staff", "expert", "trainer"):
        assert (
            await service.client.post("/resources", json=resource(), headers=STAFF[role])
        ).status_code == 403
        assert (await service.client.get(f"/resources/{place}", headers=STAFF[role])).status_code == 403
    assert (await service.client.get("/resources")).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        (
            {
                "opening_hours": [
                    {
                        "channel": "visit",
                        "effective_from": "2025-04-01",
                        "weekly": {"mon": [["17:00", "10:00"]]},
                    }
                ]
            },
            rules.OPENING_HOURS_INVALID,
        ),
        (
            {
                "opening_hours": [
                    {"channel": "visit", "effective_from": "2025-04-01", "weekly": WEEKDAYS},
                    {"channel": "visit", "effective_from": "2025-05-01", "weekly": WEEKDAYS},
                ]
            },
            rules.OPENING_HOURS_INVALID,
        ),
        ({"publication_consented_on": None}, rules.CONSENT_DATE_MISMATCH),
        ({"publication_consented": False}, rules.CONSENT_DATE_MISMATCH),
        ({"publication_consented_on": "2025-05-02"}, rules.DATE_IN_FUTURE),
        ({"partner_id": "00000000-0000-4000-8000-00000000cafe"}, rules.RESOURCE_PARTNER_UNKNOWN),
    ],
)
async def test_a_listing_that_breaks_a_rule_is_refused_by_it_without_a_write(
    service: PartnersService, overrides: dict[str, Any], rule: Any
) -> None:
    place = await listed(service, resource())
    service.new_events()
    before = service.counts()
    body = resource(name=f"居場所{CANARIES[0]}", **overrides)
    created = await service.client.post("/resources", json=body, headers=SUPERVISOR)
    changed = await service.client.put(f"/resources/{place}", json=body, headers=SUPERVISOR)
    for response in (created, changed):
        assert (response.status_code, response.json()) == (rule.status, problem_of(rule))
    assert service.counts() == before
    assert service.new_events() == []
    assert (await service.client.get(f"/resources/{place}", headers=SUPERVISOR)).json()[
        "name"
    ] == "居場所つなぐ新宿"


@pytest.mark.parametrize(
    ("overrides", "loc", "check"),
    [
        ({"municipality_code": "131040"}, "body.municipality_code", "enum"),
        ({"municipality_code": "CANARY-7f3"}, "body.municipality_code", "string_pattern_mismatch"),
        ({"name": CANARIES[0] * 60}, "body.name", "string_too_long"),
        ({"contact": {"phone": CANARIES[1]}}, "body.contact.phone", "string_pattern_mismatch"),
        ({"contact": {"owner": CANARIES[2]}}, "body.contact.*", "extra_forbidden"),
        ({"kind": CANARIES[3]}, "body.kind", "enum"),
    ],
)
async def test_bad_input_is_refused_without_an_echo(
    service: PartnersService, overrides: dict[str, Any], loc: str, check: str
) -> None:
    response = await service.client.post("/resources", json=resource(**overrides), headers=SUPERVISOR)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": loc, "type": check}]
    assert_nothing_personal(response.text)
    assert "131040" not in response.text
    assert service.outbox_events() == []


async def test_an_unknown_municipality_in_a_query_is_refused_without_an_echo(
    service: PartnersService,
) -> None:
    response = await service.client.get(
        "/resources", params={"municipality_code": "139999"}, headers=SUPERVISOR
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": "query.municipality_code", "type": "enum"}]
    assert "139999" not in response.text


async def test_recruiting_a_resource_makes_a_linked_candidate_once(service: PartnersService) -> None:
    place = await listed(service, resource(name="ＮＰＯ法人　居場所"))
    service.new_events()
    response = await service.client.post(f"/resources/{place}/recruitment", headers=SUPERVISOR)
    assert response.status_code == 201, response.text
    partner = response.json()
    assert (partner["state"], partner["resource_id"], partner["name"]) == (
        "candidate",
        place,
        "ＮＰＯ法人　居場所",
    )
    [event] = service.new_events()
    assert event.type == "tsunagu.partners.partner.registered.v1"
    assert (event.data.partner_id, event.data.resource_id, event.data.municipality_code) == (
        partner["id"],
        place,
        SHINJUKU,
    )
    assert "居場所" not in event.to_json_bytes().decode()
    assert (await service.client.get(f"/resources/{place}", headers=SUPERVISOR)).json()[
        "partner_id"
    ] == partner["id"]
    assert (await service.client.get(f"/partners/{partner['id']}", headers=COUNSELLOR)).json()[
        "resource_id"
    ] == place
    # An update that leaves the link out keeps it.
    updated = await service.client.put(
        f"/resources/{place}",
        json=resource(name="ＮＰＯ法人　居場所", targets=["family"]),
        headers=SUPERVISOR,
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["partner_id"], updated.json()["targets"]) == (partner["id"], ["family"])
    service.new_events()

    same_name = await listed(service, resource(kind="npo", name="npo法人 居場所"))
    municipal = await listed(service, window())
    service.new_events()
    before = service.counts()
    for resource_id, rule in (
        (place, rules.RESOURCE_ALREADY_LINKED),
        (same_name, rules.PARTNER_NAME_TAKEN),
        (municipal, rules.MUNICIPAL_WINDOW_NOT_RECRUITED),
        (new_event_id(), rules.RESOURCE_NOT_FOUND),
    ):
        refused = await service.client.post(f"/resources/{resource_id}/recruitment", headers=SUPERVISOR)
        assert (refused.status_code, refused.json()) == (rule.status, problem_of(rule))
    assert (
        await service.client.post(f"/resources/{same_name}/recruitment", headers=COUNSELLOR)
    ).status_code == 403
    assert service.counts() == before
    assert service.new_events() == []


async def test_the_outreach_log_keeps_its_notes_inside_the_service(
    service: PartnersService, capfd: pytest.CaptureFixture[str]
) -> None:
    place = await listed(service, resource())
    first = {"contacted_on": "2025-04-10", "channel": "phone", "outcome": "interested", "note": NOTE}
    second = {"contacted_on": "2025-04-03", "channel": "letter", "outcome": "information_sent"}
    for body in (first, second):
        response = await service.client.post(f"/resources/{place}/outreach", json=body, headers=COUNSELLOR)
        assert response.status_code == 201, response.text
    log = await service.client.get(f"/resources/{place}/outreach", headers=SUPERVISOR)
    assert [(e["contacted_on"], e["channel"], e["outcome"], e["note"]) for e in log.json()] == [
        ("2025-04-03", "letter", "information_sent", None),
        ("2025-04-10", "phone", "interested", NOTE),
    ]
    before = service.counts()
    future = await service.client.post(
        f"/resources/{place}/outreach", json={**first, "contacted_on": "2025-05-02"}, headers=COUNSELLOR
    )
    assert (future.status_code, future.json()) == (422, problem_of(rules.DATE_IN_FUTURE))
    unknown = await service.client.post(
        f"/resources/{new_event_id()}/outreach", json=first, headers=COUNSELLOR
    )
    assert (unknown.status_code, unknown.json()) == (404, problem_of(rules.RESOURCE_NOT_FOUND))
    too_long = await service.client.post(
        f"/resources/{place}/outreach", json={**first, "note": NOTE * 20}, headers=COUNSELLOR
    )
    assert too_long.status_code == 422
    assert (
        await service.client.get(f"/resources/{place}/outreach", headers=SHINJUKU_STAFF)
    ).status_code == 403
    assert service.counts() == before
    assert_nothing_personal(future.text, unknown.text, too_long.text)
    assert_nothing_personal(*(event.to_json_bytes().decode() for event in service.outbox_events()))
    captured = capfd.readouterr()
    assert_nothing_personal(captured.out, captured.err)
