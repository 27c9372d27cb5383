"""The network with the 62 municipalities through the HTTP API: windows, status, meetings and
follow-ups; municipality staff of one municipality refused on another's; named contacts and
participants kept out of events, error bodies and logs."""

from __future__ import annotations

from typing import Any

import pytest
from tsunagu_contracts import new_event_id
from tsunagu_partners.domain import rules
from tsunagu_partners.testing import COUNSELLOR, JWT_SECRET, STAFF, SUPERVISOR, PartnersService
from tsunagu_servicekit.testing import local_bearer, problem_of

SHINJUKU, CHIYODA = "131041", "131016"
SHINJUKU_STAFF = STAFF["municipality_staff"]
CHIYODA_STAFF = local_bearer(JWT_SECRET)("municipality_staff", subject="chiyoda-1", municipality=CHIYODA)
CANARIES = ("カナリア花子", "ｶﾅﾘｱﾊﾅｺ", "ＣＡＮＡＲＹ", "CANARY-7f3")

STATUS = {
    "council_established": True,
    "support_base": "station",
    "contacts": [
        {
            "name": "カナリア花子",
            "section": "福祉部 ｶﾅﾘｱﾊﾅｺ係",
            "phone": "03-5273-0000",
            "email": "canary@example.jp",
        },
    ],
}
MEETING = {
    "held_on": "2025-04-21",
    "participants": [
        {"kind": "person", "name": "ＣＡＮＡＲＹ 太郎"},
        {"kind": "organisation", "name": "新宿区 福祉部"},
    ],
    "topics": [{"code": "case_coordination", "text": "CANARY-7f3 の件"}, {"code": "local_resources"}],
    "follow_ups": [
        {"action": "居場所の一覧を共有", "owner": "ｶﾅﾘｱﾊﾅｺ", "due_on": "2025-05-31"},
        {
            "action": "研修日程の調整",
            "owner": "カナリア花子",
            "due_on": "2025-04-30",
            "done_on": "2025-04-28",
        },
    ],
}


def window(municipality: str) -> dict[str, Any]:
    return {
        "kind": "municipal_window",
        "name": f"ひきこもり相談窓口{municipality}",
        "municipality_code": municipality,
        "support_kinds": ["consultation"],
        "targets": ["person", "family"],
        "contact": {"phone": "03-0000-0000"},
        "opening_hours": [
            {"channel": "visit", "effective_from": "2024-04-01", "weekly": {"thu": [["08:30", "17:15"]]}}
        ],
    }


def assert_nothing_personal(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text


async def test_a_municipality_in_the_network_shows_its_windows_status_and_meetings(
    service: PartnersService,
) -> None:
    own = (await service.client.post("/resources", json=window(SHINJUKU), headers=SHINJUKU_STAFF)).json()
    await service.client.post("/resources", json=window(CHIYODA), headers=SUPERVISOR)
    empty = await service.client.get(f"/municipalities/{SHINJUKU}/network", headers=SHINJUKU_STAFF)
    assert empty.status_code == 200, empty.text
    assert empty.json()["status"] is None
    assert [(w["id"], w["open_now"]) for w in empty.json()["windows"]] == [(own["id"], True)]
    assert (empty.json()["name_ja"], empty.json()["last_meeting_on"]) == ("新宿区", None)

    status = await service.client.put(
        f"/municipalities/{SHINJUKU}/network/status", json=STATUS, headers=SHINJUKU_STAFF
    )
    assert status.status_code == 200, status.text
    meeting = await service.client.post(
        f"/municipalities/{SHINJUKU}/meetings", json=MEETING, headers=COUNSELLOR
    )
    assert meeting.status_code == 201, meeting.text

    view = (await service.client.get(f"/municipalities/{SHINJUKU}/network", headers=SUPERVISOR)).json()
    assert view["status"]["contacts"][0]["name"] == "カナリア花子"
    assert (view["status"]["council_established"], view["status"]["support_base"]) == (True, "station")
    assert (view["last_meeting_on"], view["open_follow_ups"]) == ("2025-04-21", 1)

    overview = await service.client.get("/municipalities/network", headers=COUNSELLOR)
    assert overview.status_code == 200
    rows = {row["municipality_code"]: row for row in overview.json()}
    assert len(rows) == 62
    assert rows[SHINJUKU] == {
        "municipality_code": SHINJUKU,
        "name_ja": "新宿区",
        "name_en": "Shinjuku",
        "council_established": True,
        "support_base": "station",
        "window_count": 1,
        "last_meeting_on": "2025-04-21",
        "open_follow_ups": 1,
        "subsidy_years_used": 0,
        "subsidy_status": None,
    }
    assert (rows[CHIYODA]["window_count"], rows[CHIYODA]["support_base"]) == (1, None)
    assert_nothing_personal(overview.text)


async def test_a_recorded_meeting_is_announced_with_ids_date_and_count_only(
    service: PartnersService, capfd: pytest.CaptureFixture[str]
) -> None:
    response = await service.client.post(
        f"/municipalities/{SHINJUKU}/meetings", json=MEETING, headers=SUPERVISOR
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert [p["name"] for p in made["participants"]] == ["ＣＡＮＡＲＹ 太郎", "新宿区 福祉部"]
    assert [(f["owner"], f["done_on"]) for f in made["follow_ups"]] == [
        ("ｶﾅﾘｱﾊﾅｺ", None),
        ("カナリア花子", "2025-04-28"),
    ]
    [event] = service.new_events()
    assert event.type == "tsunagu.partners.network_meeting.recorded.v1"
    assert event.data.model_dump(mode="json") == {
        "meeting_id": made["id"],
        "municipality_code": SHINJUKU,
        "held_on": "2025-04-21",
        "follow_up_count": 2,
        "recorded_at": "2025-05-01T01:00:00Z",
    }
    await service.client.put(f"/municipalities/{SHINJUKU}/network/status", json=STATUS, headers=SUPERVISOR)
    assert service.new_events() == []  # a status names people and announces nothing
    assert_nothing_personal(*(e.to_json_bytes().decode() for e in service.outbox_events()))
    captured = capfd.readouterr()
    assert_nothing_personal(captured.out, captured.err)


async def test_municipality_staff_of_one_municipality_are_refused_on_anothers(
    service: PartnersService,
) -> None:
    await service.client.put(f"/municipalities/{SHINJUKU}/network/status", json=STATUS, headers=SUPERVISOR)
    await service.client.post(f"/municipalities/{SHINJUKU}/meetings", json=MEETING, headers=SUPERVISOR)
    service.new_events()
    before = service.counts()
    own_log = await service.client.get(f"/municipalities/{SHINJUKU}/meetings", headers=SHINJUKU_STAFF)
    assert own_log.status_code == 200
    assert len(own_log.json()) == 1

    changed = {**STATUS, "council_established": False, "contacts": []}
    forbidden = [
        await service.client.get(f"/municipalities/{SHINJUKU}/network", headers=CHIYODA_STAFF),
        await service.client.get(f"/municipalities/{SHINJUKU}/meetings", headers=CHIYODA_STAFF),
        await service.client.put(
            f"/municipalities/{SHINJUKU}/network/status", json=changed, headers=CHIYODA_STAFF
        ),
    ]
    for response in forbidden:
        assert (response.status_code, response.json()) == (403, problem_of(rules.OWN_MUNICIPALITY_ONLY))
    # Meetings are the Support Net's to record and to close; municipality staff read their own log.
    role_bound = [
        await service.client.post(
            f"/municipalities/{SHINJUKU}/meetings", json=MEETING, headers=SHINJUKU_STAFF
        ),
        await service.client.get("/municipalities/network", headers=SHINJUKU_STAFF),
        await service.client.put(
            f"/municipalities/{SHINJUKU}/network/status", json=changed, headers=COUNSELLOR
        ),
        await service.client.get(f"/municipalities/{SHINJUKU}/meetings", headers=STAFF["partner_staff"]),
    ]
    assert [r.json()["rule"] for r in role_bound] == ["role_required"] * 4
    assert service.counts() == before
    assert service.new_events() == []
    unchanged = await service.client.get(f"/municipalities/{SHINJUKU}/network", headers=SHINJUKU_STAFF)
    assert unchanged.json()["status"]["council_established"] is True
    assert_nothing_personal(*(r.text for r in forbidden + role_bound))


async def test_follow_ups_are_done_on_or_after_their_meeting(service: PartnersService) -> None:
    made = (
        await service.client.post(f"/municipalities/{SHINJUKU}/meetings", json=MEETING, headers=SUPERVISOR)
    ).json()
    open_one = made["follow_ups"][0]["id"]
    path = f"/municipalities/{SHINJUKU}/meetings/{made['id']}/follow-ups/{open_one}/done"
    before = service.counts()
    for body, rule in (
        ({"done_on": "2025-04-20"}, rules.FOLLOW_UP_BEFORE_MEETING),
        ({"done_on": "2025-05-02"}, rules.DATE_IN_FUTURE),
    ):
        refused = await service.client.post(path, json=body, headers=COUNSELLOR)
        assert (refused.status_code, refused.json()) == (rule.status, problem_of(rule))
    for wrong, rule in (
        (
            f"/municipalities/{CHIYODA}/meetings/{made['id']}/follow-ups/{open_one}/done",
            rules.MEETING_NOT_FOUND,
        ),
        (
            f"/municipalities/{SHINJUKU}/meetings/{new_event_id()}/follow-ups/{open_one}/done",
            rules.MEETING_NOT_FOUND,
        ),
        (
            f"/municipalities/{SHINJUKU}/meetings/{made['id']}/follow-ups/{new_event_id()}/done",
            rules.FOLLOW_UP_NOT_FOUND,
        ),
    ):
        refused = await service.client.post(wrong, json={"done_on": "2025-04-30"}, headers=COUNSELLOR)
        assert (refused.status_code, refused.json()) == (rule.status, problem_of(rule))
    assert service.counts() == before

    done = await service.client.post(path, json={"done_on": "2025-05-01"}, headers=COUNSELLOR)
    assert done.status_code == 200, done.text
    assert [f["done_on"] for f in done.json()["follow_ups"]] == ["2025-05-01", "2025-04-28"]
    overview = (await service.client.get(f"/municipalities/{SHINJUKU}/network", headers=SUPERVISOR)).json()
    assert overview["open_follow_ups"] == 0


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"held_on": "2025-05-02"}, rules.DATE_IN_FUTURE),
        (
            {"follow_ups": [{"action": "x", "owner": "カナリア花子", "due_on": "2025-04-20"}]},
            rules.FOLLOW_UP_BEFORE_MEETING,
        ),
        (
            {
                "follow_ups": [
                    {"action": "x", "owner": "ｶﾅﾘｱﾊﾅｺ", "due_on": "2025-05-20", "done_on": "2025-05-03"}
                ]
            },
            rules.DATE_IN_FUTURE,
        ),
    ],
)
async def test_a_meeting_that_breaks_a_rule_is_refused_without_a_write(
    service: PartnersService, changes: dict[str, Any], rule: Any
) -> None:
    response = await service.client.post(
        f"/municipalities/{SHINJUKU}/meetings", json={**MEETING, **changes}, headers=SUPERVISOR
    )
    assert (response.status_code, response.json()) == (rule.status, problem_of(rule))
    assert service.count("partners_network_meeting") == service.count("partners_network_follow_up") == 0
    assert service.outbox_events() == []


@pytest.mark.parametrize("code", ["131040", "139999", "CANARY-7f3"])
async def test_an_unknown_municipality_is_refused_without_an_echo(
    service: PartnersService, code: str
) -> None:
    answers = [
        await service.client.get(f"/municipalities/{code}/network", headers=SUPERVISOR),
        await service.client.get(f"/municipalities/{code}/meetings", headers=SUPERVISOR),
        await service.client.post(f"/municipalities/{code}/meetings", json=MEETING, headers=SUPERVISOR),
        await service.client.put(f"/municipalities/{code}/network/status", json=STATUS, headers=SUPERVISOR),
    ]
    for response in answers:
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == "path.code"
        assert response.json()["errors"][0]["type"] in {"enum", "string_pattern_mismatch"}
        assert code not in response.text
        assert_nothing_personal(response.text)
    assert service.outbox_events() == []
    assert service.count("partners_network_status") == 0


async def test_names_too_long_are_refused_without_an_echo(service: PartnersService) -> None:
    body = {**STATUS, "contacts": [{"name": CANARIES[0] * 30}]}
    response = await service.client.put(
        f"/municipalities/{SHINJUKU}/network/status", json=body, headers=SUPERVISOR
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": "body.contacts.0.name", "type": "string_too_long"}]
    assert_nothing_personal(response.text)
    participants = {**MEETING, "participants": [{"kind": CANARIES[3], "name": CANARIES[1]}]}
    response = await service.client.post(
        f"/municipalities/{SHINJUKU}/meetings", json=participants, headers=SUPERVISOR
    )
    assert response.json()["errors"] == [{"loc": "body.participants.0.kind", "type": "enum"}]
    assert_nothing_personal(response.text)
    assert service.count("partners_network_status") == 0
