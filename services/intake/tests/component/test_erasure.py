"""Erasure by crypto-shredding, through the API and in the raw database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from tsunagu_intake.adapters.vault import PersonKeyMissing
from tsunagu_intake.testing import (
    COUNSELLOR,
    EXPERT,
    SUPERVISOR,
    IntakeService,
    new_person_consultation,
    raw_database_text,
    sealed_values_of,
)
from tsunagu_servicekit.testing import ids_counting_down

MARKERS = ("CANARY-ERASE-山田太郎", "ｶﾅﾘｱｲﾚｲｽ", "ＣＡＮＡＲＹ－ＥＲＡＳＥ")


async def test_erasure_makes_personal_data_unreadable_everywhere(service: IntakeService) -> None:
    made = (
        await service.client.post(
            "/consultations",
            json=new_person_consultation(
                person={
                    "nickname": MARKERS[1],
                    "name": MARKERS[0],
                    "phone": "090-1234-5678",
                    "address": MARKERS[2],
                },
                notes=f"{MARKERS[0]} notes",
                consulter_name=MARKERS[2],
            ),
            headers=COUNSELLOR,
        )
    ).json()
    person_id, case_id = made["person_id"], made["case_id"]
    await service.client.post(f"/cases/{case_id}/notes", json={"note": MARKERS[0]}, headers=COUNSELLOR)
    escalation = (
        await service.client.post(
            f"/cases/{case_id}/escalations",
            json={"reason_codes": ["other"], "urgency": "routine", "brief": {"summary": MARKERS[1]}},
            headers=COUNSELLOR,
        )
    ).json()["escalation_id"]

    # Before: readable through the API, sealed in the database.
    person = await service.client.get(f"/persons/{person_id}?purpose=case_work", headers=COUNSELLOR)
    assert person.json()["name"] == MARKERS[0]
    assert (
        await service.client.post(
            "/persons/lookup?purpose=case_work", json={"nickname": MARKERS[1]}, headers=COUNSELLOR
        )
    ).json()
    raw = raw_database_text(service.engine)
    for marker in MARKERS:
        assert marker not in raw
    sealed = sealed_values_of(service.engine, person_id)
    assert len(sealed) >= 6
    ctx = service.context
    with ctx.reading() as uow:
        cipher = ctx.vault.cipher(uow.session, person_id)
        assert cipher.open("name", person_id, sealed[("intake_person", "name_ct", person_id)]) == MARKERS[0]

    service.new_events()
    erased = await service.client.post(
        f"/persons/{person_id}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    assert erased.status_code == 200, erased.text
    [event] = service.new_events()
    assert event.type == "tsunagu.intake.person.erased.v1"
    assert event.data.person_id == person_id
    assert event.data.case_ids == [case_id]
    for marker in MARKERS:
        assert marker not in event.model_dump_json()

    # After: the API answers 410, the digests and the key are gone, the ciphertexts are noise.
    assert (
        await service.client.get(f"/persons/{person_id}?purpose=case_work", headers=COUNSELLOR)
    ).status_code == 410
    assert (
        await service.client.get(
            f"/consultations/{made['consultation_id']}?purpose=case_work", headers=COUNSELLOR
        )
    ).status_code == 410
    assert (
        await service.client.get(f"/escalations/{escalation}/brief?purpose=expert_review", headers=EXPERT)
    ).status_code == 410
    timeline = (
        await service.client.get(f"/cases/{case_id}/timeline?purpose=audit", headers=COUNSELLOR)
    ).json()
    assert [t["note_erased"] for t in timeline if t["kind"] == "note"] == [True]
    assert all(t["note"] is None for t in timeline)
    assert timeline[-1]["kind"] == "person_erased"
    assert (
        await service.client.post(
            "/persons/lookup?purpose=case_work", json={"nickname": MARKERS[1]}, headers=COUNSELLOR
        )
    ).json() == []
    summary = (await service.client.get(f"/cases/{case_id}", headers=COUNSELLOR)).json()
    assert summary["person_erased"] is True
    again = await service.client.post(
        f"/persons/{person_id}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    assert again.status_code == 409
    note = await service.client.post(f"/cases/{case_id}/notes", json={"note": "x"}, headers=COUNSELLOR)
    assert note.status_code == 410

    raw = raw_database_text(service.engine)
    for marker in MARKERS:
        assert marker not in raw
    with service.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT COUNT(*) FROM intake_person_key WHERE person_id = :p"), {"p": person_id}
            ).scalar()
            == 0
        )
        row = conn.execute(
            text("SELECT nickname_digest, phone_digest, user_number FROM intake_person WHERE id = :p"),
            {"p": person_id},
        ).one()
        assert tuple(row) == (None, None, None)
    with ctx.reading() as uow, pytest.raises(PersonKeyMissing):
        ctx.vault.cipher(uow.session, person_id)
    stats = (await service.client.get("/statistics?fiscal_year=2025", headers=SUPERVISOR)).json()
    assert stats["total"] == {"persons": 1, "consultations": 1}  # pseudonymous counts still add up


async def test_a_web_user_cannot_log_in_after_erasure(service: IntakeService) -> None:
    number = (await service.client.post("/web/registrations", json={"password": "password-1"})).json()[
        "user_number"
    ]
    login = await service.client.post("/web/sessions", json={"user_number": number, "password": "password-1"})
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    sent = (await service.client.post("/web/consultations", json={"body": "相談"}, headers=token)).json()
    person_id = (
        await service.client.get(
            f"/consultations/{sent['consultation_id']}?purpose=email_reply", headers=COUNSELLOR
        )
    ).json()["person_id"]
    await service.client.post(
        f"/persons/{person_id}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    assert (await service.client.get("/web/consultations", headers=token)).status_code == 410
    assert (
        await service.client.post("/web/sessions", json={"user_number": number, "password": "password-1"})
    ).status_code == 401
    queue = (await service.client.get("/email/queue", headers=SUPERVISOR)).json()
    assert queue == []  # no reply is owed to an erased person


LINKED_MARKERS = ("CANARY-LINK-一人目", "CANARY-LINK-二人目")


async def test_an_erasure_takes_every_record_linked_by_nickname(service: IntakeService) -> None:
    """A second consultation under the same nickname, sent without ``person_id``, made a second
    record. The erasure finds it by digest, refuses until staff say it is the same person, and then
    erases both: neither is found by the nickname, nor readable, through the API or in the database."""

    async def consult(nickname: str, marker: str) -> dict[str, str]:
        made = await service.client.post(
            "/consultations",
            json=new_person_consultation(person={"nickname": nickname, "name": marker}, notes=marker),
            headers=COUNSELLOR,
        )
        assert made.status_code == 201, made.text
        return dict(made.json())

    first = await consult("ﾀﾛｳ", LINKED_MARKERS[0])
    second = await consult("たろう", LINKED_MARKERS[1])  # the same nickname, folded
    other = await consult("じろう", "CANARY-LINK-別人")
    both = {first["person_id"], second["person_id"]}
    assert len(both) == 2

    erase = f"/persons/{first['person_id']}/erasure"
    unconfirmed = await service.client.post(erase, json={"basis": "person_request"}, headers=SUPERVISOR)
    assert unconfirmed.status_code == 409
    assert unconfirmed.json()["rule"] == "linked_records_unconfirmed"
    linked = await service.client.get(
        f"/persons/{first['person_id']}/linked?purpose=supervision", headers=SUPERVISOR
    )
    assert linked.status_code == 200, linked.text
    assert [(p["person_id"], p["matched_on"], p["case_ids"]) for p in linked.json()] == [
        (second["person_id"], ["nickname"], [second["case_id"]])
    ]
    for marker in (*LINKED_MARKERS, "ﾀﾛｳ", "たろう"):
        assert marker not in linked.text
    stranger = await service.client.post(
        erase,
        json={"basis": "person_request", "linked_person_ids": [other["person_id"]]},
        headers=SUPERVISOR,
    )
    assert stranger.status_code == 422
    assert stranger.json()["rule"] == "not_linked"

    service.new_events()
    erased = await service.client.post(
        erase,
        json={"basis": "person_request", "linked_person_ids": [second["person_id"]]},
        headers=SUPERVISOR,
    )
    assert erased.status_code == 200, erased.text
    assert set(erased.json()["person_ids"]) == both
    assert {e.data.person_id for e in service.new_events()} == both

    for nickname in ("たろう", "タロウ"):
        assert (
            await service.client.post(
                "/persons/lookup?purpose=case_work", json={"nickname": nickname}, headers=COUNSELLOR
            )
        ).json() == []
        assert (
            await service.client.post("/cases/search", json={"nickname": nickname}, headers=COUNSELLOR)
        ).json() == []
    for made in (first, second):
        assert (
            await service.client.get(f"/persons/{made['person_id']}?purpose=case_work", headers=COUNSELLOR)
        ).status_code == 410
        assert (
            await service.client.get(
                f"/consultations/{made['consultation_id']}?purpose=case_work", headers=COUNSELLOR
            )
        ).status_code == 410
    # The other person, of another nickname, is untouched.
    assert (
        await service.client.get(f"/persons/{other['person_id']}?purpose=case_work", headers=COUNSELLOR)
    ).json()["name"] == "CANARY-LINK-別人"

    raw = raw_database_text(service.engine)
    for marker in LINKED_MARKERS:
        assert marker not in raw
    digests = service.context.vault.blind_indexes("nickname", "たろう")
    with service.engine.connect() as conn:
        holding = conn.execute(
            text("SELECT COUNT(*) FROM intake_person WHERE nickname_digest IN (:d)"), {"d": digests[0]}
        ).scalar()
        keys = conn.execute(
            text("SELECT COUNT(*) FROM intake_person_key WHERE person_id IN (:a, :b)"),
            {"a": first["person_id"], "b": second["person_id"]},
        ).scalar()
    assert (holding, keys) == (0, 0)
    ctx = service.context
    for person_id in both:
        assert sealed_values_of(service.engine, person_id)  # the ciphertexts are still there, as noise
        with ctx.reading() as uow, pytest.raises(PersonKeyMissing):
            ctx.vault.cipher(uow.session, person_id)


async def test_an_erasure_without_linked_records_needs_no_confirmation(service: IntakeService) -> None:
    made = (
        await service.client.post(
            "/consultations", json=new_person_consultation(person={"nickname": "ひとり"}), headers=COUNSELLOR
        )
    ).json()
    erased = await service.client.post(
        f"/persons/{made['person_id']}/erasure", json={"basis": "person_request"}, headers=SUPERVISOR
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["person_ids"] == [made["person_id"]]


async def test_the_person_asked_about_is_erased_first_then_the_linked_records_oldest_first(
    service: IntakeService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their ``PersonErased`` events come in that order, not in the order of their ids (which the ids
    made here reverse), so two erasures of the same records announce them alike."""
    monkeypatch.setattr(service.context, "new_id", ids_counting_down())
    made = []
    for marker in ("CANARY-ORDER-一", "CANARY-ORDER-二", "CANARY-ORDER-三"):
        service.clock.advance(minutes=20)
        response = await service.client.post(
            "/consultations",
            json=new_person_consultation(person={"nickname": "ｻﾌﾞﾛｳ", "name": marker}),
            headers=COUNSELLOR,
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["person_id"])
    oldest, middle, newest = made
    assert sorted(made) == [newest, middle, oldest]
    service.new_events()
    erased = await service.client.post(
        f"/persons/{middle}/erasure",
        json={"basis": "person_request", "linked_person_ids": [newest, oldest]},
        headers=SUPERVISOR,
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["person_ids"] == [middle, oldest, newest]
    assert [e.data.person_id for e in service.new_events()] == [middle, oldest, newest]
