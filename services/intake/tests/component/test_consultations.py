"""Recording consultations through the API: cases opened or linked, returning people, bad input."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tsunagu_intake.testing import (
    CHIYODA,
    COUNSELLOR,
    SHINJUKU,
    SUPERVISOR,
    IntakeService,
    municipality_staff,
    new_person_consultation,
)
from tsunagu_servicekit.testing import SettableClock

CANARY = "CANARY-山田太郎-ﾔﾏﾀﾞ"


async def test_a_consultation_opens_a_case_and_raises_events(service: IntakeService) -> None:
    r = await service.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["case_opened"] is True
    assert body["returning"] is False
    assert body["outside_hours"] is False  # Thursday 10:00
    events = service.new_events()
    assert service.types(events) == [
        "tsunagu.intake.case.opened.v1",
        "tsunagu.intake.consultation.received.v1",
    ]
    opened, received = events
    assert received.data.consultation_id == body["consultation_id"]
    assert received.data.case_id == opened.data.case_id == body["case_id"]
    assert received.data.person_id == body["person_id"]
    assert received.data.channel == "phone"
    assert received.data.consulter == "family"
    assert received.data.municipality_code == SHINJUKU  # from the person's residence
    assert received.data.age_band == "20_29"
    assert received.data.fiscal_year == 2025
    assert received.correlationid == opened.correlationid == opened.id
    assert received.subject == body["consultation_id"]


async def test_a_returning_person_is_recognised_and_joins_the_open_case(service: IntakeService) -> None:
    first = (
        await service.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    ).json()
    found = await service.client.post(
        "/persons/lookup?purpose=case_work", json={"nickname": "ﾀﾛｳ"}, headers=COUNSELLOR
    )
    assert found.status_code == 200
    assert [c["person_id"] for c in found.json()] == [first["person_id"]]
    assert found.json()[0]["open_case_id"] == first["case_id"]
    service.new_events()
    again = await service.client.post(
        "/consultations",
        json={"channel": "online", "consulter": "person", "person_id": first["person_id"]},
        headers=COUNSELLOR,
    )
    assert again.status_code == 201
    assert again.json()["case_id"] == first["case_id"]
    assert again.json()["returning"] is True
    events = service.new_events()
    assert service.types(events) == ["tsunagu.intake.consultation.received.v1"]
    assert events[0].data.returning is True


async def test_outside_phone_hours_is_allowed_and_marked(
    service: IntakeService, clock: SettableClock
) -> None:
    clock.set(datetime(2025, 5, 4, 3, 0, tzinfo=UTC))  # Sunday 12:00 in Tokyo, also a holiday
    r = await service.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    assert r.status_code == 201
    assert r.json()["outside_hours"] is True
    assert service.new_events()[-1].data.outside_hours is True
    late = new_person_consultation(received_at="2025-05-02T18:30:00+09:00")  # a call-back logged later
    clock.set(datetime(2025, 5, 7, 1, 0, tzinfo=UTC))
    r = await service.client.post("/consultations", json=late, headers=COUNSELLOR)
    assert r.json()["outside_hours"] is True
    saturday = new_person_consultation(received_at="2025-04-05T11:00:00+09:00")  # Saturdays open since April
    assert (await service.client.post("/consultations", json=saturday, headers=COUNSELLOR)).json()[
        "outside_hours"
    ] is False


async def test_linking_to_another_persons_case_is_refused(service: IntakeService) -> None:
    a = (
        await service.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    ).json()
    b = (
        await service.client.post("/consultations", json=new_person_consultation(), headers=COUNSELLOR)
    ).json()
    r = await service.client.post(
        "/consultations",
        json={
            "channel": "phone",
            "consulter": "person",
            "person_id": b["person_id"],
            "case_id": a["case_id"],
        },
        headers=COUNSELLOR,
    )
    assert r.status_code == 422
    assert r.json()["rule"] == "case_of_another_person"


def _no_echo(text: str) -> None:
    assert "CANARY" not in text
    assert "山田" not in text
    assert "ﾔﾏﾀﾞ" not in text


@pytest.mark.parametrize(
    ("change", "loc", "rule"),
    [
        ({"channel": f"fax-{CANARY}"}, "body.channel", "enum"),
        ({"notes": CANARY * 400}, "body.notes", "string_too_long"),
        ({"person": {"nickname": CANARY * 10}}, "body.person.nickname", "string_too_long"),
        ({"person": {"address": CANARY + "x" * 200}}, "body.person.address", "string_too_long"),
        ({"consulter": CANARY}, "body.consulter", "enum"),
        ({"municipality_code": CANARY}, "body.municipality_code", "string_pattern_mismatch"),
        ({"topics": [CANARY]}, "body.topics.0", "enum"),
    ],
)
async def test_bad_input_is_refused_naming_the_rule_without_echo_or_write(
    service: IntakeService, change: dict[str, object], loc: str, rule: str
) -> None:
    before = service.counts()
    r = await service.client.post(
        "/consultations", json=new_person_consultation(**change), headers=COUNSELLOR
    )
    assert r.status_code == 422
    assert {"loc": loc, "type": rule} in r.json()["errors"]
    _no_echo(r.text)
    assert service.counts() == before


async def test_a_code_that_is_none_of_the_62_municipalities_fails_validation(service: IntakeService) -> None:
    """The schema lists the 62 codes of the reference data, and validation keeps to the schema."""
    before = service.counts()
    r = await service.client.post(
        "/consultations", json=new_person_consultation(municipality_code="139999"), headers=COUNSELLOR
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"loc": "body.municipality_code", "type": "enum"}]
    assert service.counts() == before


async def test_malformed_json_is_refused_without_echo(service: IntakeService) -> None:
    before = service.counts()
    r = await service.client.post(
        "/consultations",
        content=('{"channel": "phone", "notes": "' + CANARY).encode(),
        headers={**COUNSELLOR, "content-type": "application/json"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["type"] == "json_invalid"
    _no_echo(r.text)
    assert service.counts() == before


@pytest.mark.parametrize(
    ("received_at", "rule"),
    [
        ("2025-05-02T10:00:00+09:00", "received_in_future"),
        # Fiscal year 2000 is the first the records and the events hold.
        ("2000-03-31T23:59:00+09:00", "received_before_records"),
    ],
)
async def test_a_consultation_outside_the_records_time_is_refused(
    service: IntakeService, received_at: str, rule: str
) -> None:
    before = service.counts()
    r = await service.client.post(
        "/consultations", json=new_person_consultation(received_at=received_at), headers=COUNSELLOR
    )
    assert r.status_code == 422
    assert r.json()["rule"] == rule
    assert service.counts() == before


async def test_the_first_day_of_the_records_is_accepted(service: IntakeService) -> None:
    r = await service.client.post(
        "/consultations",
        json=new_person_consultation(received_at="2000-04-01T00:00:00+09:00"),
        headers=COUNSELLOR,
    )
    assert r.status_code == 201, r.text


async def test_exactly_one_of_person_and_person_id_is_in_the_schema(service: IntakeService) -> None:
    doc = (await service.client.get("/openapi.json")).json()
    for name in ("RecordConsultation", "RequestHomeVisit"):
        branches = doc["components"]["schemas"][name]["oneOf"]
        assert [b["allOf"][0]["required"] for b in branches] == [["person_id"], ["person"]]
    both = new_person_consultation(person_id="00000000-0000-4000-8000-000000000001")
    neither = {k: v for k, v in new_person_consultation().items() if k != "person"}
    for body in (both, neither):
        r = await service.client.post("/consultations", json=body, headers=COUNSELLOR)
        assert r.status_code == 422
        assert r.json()["type"] == "urn:tsunagu:problem:validation_failed"


async def test_a_number_is_not_a_date_time(service: IntakeService) -> None:
    r = await service.client.post(
        "/consultations", json=new_person_consultation(received_at=1746000000), headers=COUNSELLOR
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"loc": "body.received_at", "type": "datetime_type"}]


async def test_only_counsellors_and_supervisors_record(service: IntakeService) -> None:
    r = await service.client.post(
        "/consultations", json=new_person_consultation(), headers=municipality_staff(CHIYODA)
    )
    assert r.status_code == 403
    assert (await service.client.post("/consultations", json=new_person_consultation())).status_code == 401


async def test_reading_a_consultation_needs_a_purpose_and_is_logged(service: IntakeService) -> None:
    made = (
        await service.client.post(
            "/consultations",
            json=new_person_consultation(consulter_name="山田一郎", consulter_contact="090-0000-1111"),
            headers=COUNSELLOR,
        )
    ).json()
    missing = await service.client.get(f"/consultations/{made['consultation_id']}", headers=COUNSELLOR)
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"loc": "query.purpose", "type": "missing"}]
    r = await service.client.get(
        f"/consultations/{made['consultation_id']}?purpose=case_work", headers=COUNSELLOR
    )
    assert r.status_code == 200
    assert r.json()["notes"] == "息子が部屋から出てこない"
    assert r.json()["consulter_name"] == "山田一郎"
    log = await service.client.get(f"/persons/{made['person_id']}/access-log", headers=SUPERVISOR)
    assert log.status_code == 200
    assert [(e["record_type"], e["record_id"], e["purpose"], e["subject"]) for e in log.json()] == [
        ("consultation", made["consultation_id"], "case_work", "counsellor-1")
    ]
