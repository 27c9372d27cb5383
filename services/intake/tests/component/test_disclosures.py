"""Referrals learnt from the partners service and disclosures to their recipients, through the
composition root: recording with a legal basis, redeeming (logged), unreadable once declined,
withdrawn, expired or erased, recipients of other organisations refused, and municipality staff
reading only the cases they referred or were granted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tsunagu_contracts import CloudEvent, new_event, new_event_id
from tsunagu_contracts.events.partners import (
    ReferralAccepted,
    ReferralDeclined,
    ReferralOffered,
    ReferralOutcome,
    ReferralOutcomeReported,
    ReferralWithdrawn,
    SupportKind,
)
from tsunagu_intake.domain import rules
from tsunagu_intake.testing import (
    COUNSELLOR,
    NERIMA,
    SHINJUKU,
    SUPERVISOR,
    IntakeService,
    bearer,
    home_visit_request,
    municipality_staff,
    new_person_consultation,
)
from tsunagu_servicekit.audit import reads_of_person
from tsunagu_servicekit.testing import problem_of

PARTNER_A = "00000000-0000-4000-8000-00000000000a"
PARTNER_B = "00000000-0000-4000-8000-00000000000b"
WINDOW = "00000000-0000-4000-8000-0000000000c1"
STAFF_A = bearer("partner_staff", subject="a-staff", partner=PARTNER_A)
STAFF_B = bearer("partner_staff", subject="b-staff", partner=PARTNER_B)
PERSON = {
    "nickname": "たろう",
    "name": "山田太郎",
    "phone": "090-1234-5678",
    "email": "taro@example.jp",
    "address": "新宿区西新宿2-8-1",
    "age_band": "20_29",
    "residence_code": SHINJUKU,
}


async def new_case(service: IntakeService, **overrides: Any) -> tuple[str, str]:
    body = new_person_consultation(**{"person": PERSON, "municipality_code": SHINJUKU, **overrides})
    made = (await service.client.post("/consultations", json=body, headers=COUNSELLOR)).json()
    return made["person_id"], made["case_id"]


def offered(
    person_id: str, case_id: str, *, partner: str | None = PARTNER_A, window_of: str | None = None
) -> Any:
    return new_event(
        ReferralOffered(
            referral_id=new_event_id(),
            case_id=case_id,
            person_id=person_id,
            partner_id=partner if window_of is None else None,
            resource_id=WINDOW if window_of is not None else None,
            municipality_code=window_of,
            support_kind=SupportKind.PLACE_TO_BELONG,
            offered_at=NOW,
        )
    )


NOW = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
"""The tests' clock start (the kit's: Thursday 1 May 2025, 10:00 in Tokyo)."""


def disclosure_body(referral_id: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "referral_id": referral_id,
        "legal_basis": "person_consent",
        "purpose": "connect_support",
        "profile": "contact_minimal",
        "expires_at": (NOW + timedelta(days=30)).isoformat(),
    }
    body.update(overrides)
    return body


async def referred_and_disclosed(
    service: IntakeService, *, window_of: str | None = None, profile: str = "contact_minimal"
) -> tuple[str, str, str, str]:
    """A case referred to partner A (or a window), offered and accepted, and a disclosure for it:
    (person, case, referral, disclosure)."""
    person_id, case_id = await new_case(service)
    offer = offered(person_id, case_id, window_of=window_of)
    assert service.deliver(offer)
    referral_id = offer.data.referral_id
    assert service.deliver(
        new_event(ReferralAccepted(referral_id=referral_id, case_id=case_id, accepted_at=NOW))
    )
    r = await service.client.post(
        f"/cases/{case_id}/disclosures",
        json=disclosure_body(referral_id, profile=profile),
        headers=COUNSELLOR,
    )
    assert r.status_code == 201, r.text
    return person_id, case_id, referral_id, r.json()["disclosure_id"]


async def test_the_recipient_reads_exactly_the_profiles_fields_and_the_read_is_logged(
    service: IntakeService,
) -> None:
    person_id, case_id, referral_id, disclosure_id = await referred_and_disclosed(service)
    recorded = [e for e in service.new_events() if e.type == "tsunagu.intake.disclosure.recorded.v1"]
    assert len(recorded) == 1
    assert (recorded[0].data.partner_id, recorded[0].data.profile) == (PARTNER_A, "contact_minimal")
    assert "山田" not in recorded[0].to_json_bytes().decode()

    listed = await service.client.get(f"/disclosures?referral_id={referral_id}", headers=STAFF_A)
    assert [d["disclosure_id"] for d in listed.json()] == [disclosure_id]
    read = await service.client.get(f"/disclosures/{disclosure_id}/fields", headers=STAFF_A)
    assert read.status_code == 200, read.text
    assert read.json()["fields"] == {"nickname": "たろう", "phone": "090-1234-5678"}
    again = await service.client.get(f"/disclosures/{disclosure_id}/fields", headers=STAFF_A)
    assert again.json() == read.json()
    redeemed = [e for e in service.new_events() if e.type == "tsunagu.intake.disclosure.redeemed.v1"]
    assert len(redeemed) == 1  # the first read is announced; every read is logged
    with service.context.reading() as uow:
        reads = [r for r in reads_of_person(uow, person_id) if r.record_type == "disclosure"]
    assert [(r.subject, r.record_id, r.purpose) for r in reads] == [
        ("a-staff", disclosure_id, "connect_support")
    ] * 2

    timeline = await service.client.get(f"/cases/{case_id}/timeline?purpose=case_work", headers=COUNSELLOR)
    kinds = [item["kind"] for item in timeline.json()]
    assert kinds[-3:] == ["referral_offered", "referral_accepted", "disclosure_recorded"]


async def test_a_case_summary_profile_shows_codes_and_flags(service: IntakeService) -> None:
    _, case_id, _, disclosure_id = await referred_and_disclosed(service, profile="case_summary")
    await service.client.post(
        f"/cases/{case_id}/risk",
        json={"risk_level": "high", "set_flags": [{"flag": "self_harm"}]},
        headers=COUNSELLOR,
    )
    read = (await service.client.get(f"/disclosures/{disclosure_id}/fields", headers=STAFF_A)).json()
    assert read["fields"] == {
        "nickname": "たろう",
        "age_band": "20_29",
        "residence_code": SHINJUKU,
        "risk_level": "high",
        "flags": ["self_harm"],
    }


async def test_partner_staff_of_another_organisation_get_403(service: IntakeService) -> None:
    _, _, referral_id, disclosure_id = await referred_and_disclosed(service)
    before = service.counts()
    for path in (f"/disclosures/{disclosure_id}", f"/disclosures/{disclosure_id}/fields"):
        r = await service.client.get(path, headers=STAFF_B)
        assert r.json() == problem_of(rules.OWN_PARTNER_ONLY)
    missing = await service.client.get(f"/disclosures/{new_event_id()}/fields", headers=STAFF_B)
    assert missing.json() == problem_of(rules.OWN_PARTNER_ONLY)
    assert (await service.client.get(f"/disclosures?referral_id={referral_id}", headers=STAFF_B)).json() == []
    window_staff = await service.client.get(
        f"/disclosures/{disclosure_id}/fields", headers=municipality_staff(SHINJUKU)
    )
    assert window_staff.json() == problem_of(rules.OWN_MUNICIPALITY_ONLY)
    assert service.counts() == before  # nothing read, nothing logged


async def test_a_declined_referral_makes_its_disclosure_unreadable(service: IntakeService) -> None:
    _, case_id, referral_id, disclosure_id = await referred_and_disclosed(service)
    declined = new_event(
        ReferralDeclined(referral_id=referral_id, case_id=case_id, reason="no_capacity", declined_at=NOW)
    )
    assert service.deliver(declined)
    r = await service.client.get(f"/disclosures/{disclosure_id}/fields", headers=STAFF_A)
    assert (r.status_code, r.json()) == (410, problem_of(rules.REFERRAL_DECLINED))
    meta = (await service.client.get(f"/disclosures/{disclosure_id}", headers=STAFF_A)).json()
    assert meta["unreadable_because"] == "referral_declined"
    again = await service.client.post(
        f"/cases/{case_id}/disclosures", json=disclosure_body(referral_id), headers=COUNSELLOR
    )
    assert again.json() == problem_of(rules.REFERRAL_ENDED)


async def test_a_withdrawn_referral_or_disclosure_and_expiry_make_it_unreadable(
    service: IntakeService,
) -> None:
    _, case_id, referral_id, withdrawn_referral = await referred_and_disclosed(service)
    assert service.deliver(
        new_event(ReferralWithdrawn(referral_id=referral_id, case_id=case_id, withdrawn_at=NOW))
    )
    r = await service.client.get(f"/disclosures/{withdrawn_referral}/fields", headers=STAFF_A)
    assert r.json() == problem_of(rules.REFERRAL_WITHDRAWN)

    _, _, _, withdrawn = await referred_and_disclosed(service)
    w = await service.client.post(
        f"/disclosures/{withdrawn}/withdraw", json={"reason": "consent_withdrawn"}, headers=COUNSELLOR
    )
    assert w.json()["unreadable_because"] == "disclosure_withdrawn"
    r = await service.client.get(f"/disclosures/{withdrawn}/fields", headers=STAFF_A)
    assert r.json() == problem_of(rules.DISCLOSURE_WITHDRAWN)
    twice = await service.client.post(
        f"/disclosures/{withdrawn}/withdraw", json={"reason": "consent_withdrawn"}, headers=COUNSELLOR
    )
    assert twice.json() == problem_of(rules.DISCLOSURE_ALREADY_WITHDRAWN)

    _, _, _, expiring = await referred_and_disclosed(service)
    service.clock.advance(days=30)
    r = await service.client.get(f"/disclosures/{expiring}/fields", headers=STAFF_A)
    assert (r.status_code, r.json()) == (410, problem_of(rules.DISCLOSURE_EXPIRED))


async def test_erasure_makes_the_disclosure_unreadable(service: IntakeService) -> None:
    person_id, _, _, disclosure_id = await referred_and_disclosed(service)
    erased = await service.client.post(
        f"/persons/{person_id}/erasure",
        json={"basis": "person_request", "linked_person_ids": []},
        headers=SUPERVISOR,
    )
    assert erased.status_code == 200, erased.text
    r = await service.client.get(f"/disclosures/{disclosure_id}/fields", headers=STAFF_A)
    assert (r.status_code, r.json()) == (410, problem_of(rules.ERASED))
    assert "たろう" not in r.text


async def test_a_disclosure_needs_a_legal_basis_a_known_referral_and_a_bounded_expiry(
    service: IntakeService,
) -> None:
    person_id, case_id = await new_case(service)
    offer = offered(person_id, case_id)
    referral_id = offer.data.referral_id
    unknown = await service.client.post(
        f"/cases/{case_id}/disclosures", json=disclosure_body(referral_id), headers=COUNSELLOR
    )
    assert (unknown.status_code, unknown.json()) == (409, problem_of(rules.REFERRAL_NOT_KNOWN))
    # An answer that came before its offer: the recipient is still not known.
    assert service.deliver(
        new_event(ReferralAccepted(referral_id=referral_id, case_id=case_id, accepted_at=NOW))
    )
    early = await service.client.post(
        f"/cases/{case_id}/disclosures", json=disclosure_body(referral_id), headers=COUNSELLOR
    )
    assert early.json() == problem_of(rules.REFERRAL_NOT_KNOWN)
    assert service.deliver(offer)
    before = service.counts()

    no_basis = dict(disclosure_body(referral_id))
    del no_basis["legal_basis"]
    for body in (no_basis, {**no_basis, "legal_basis": None}):
        r = await service.client.post(f"/cases/{case_id}/disclosures", json=body, headers=COUNSELLOR)
        assert r.status_code == 422
        assert {"loc": "body", "type": "legal_basis_required"} in r.json()["errors"]
    cases = [
        ({"expires_at": NOW.isoformat()}, rules.DISCLOSURE_EXPIRY_IN_PAST),
        ({"expires_at": (NOW + timedelta(days=91)).isoformat()}, rules.DISCLOSURE_EXPIRY_TOO_FAR),
        ({"profile": "everything"}, rules.UNKNOWN_REDACTION_PROFILE),
    ]
    for change, rule in cases:
        r = await service.client.post(
            f"/cases/{case_id}/disclosures", json=disclosure_body(referral_id, **change), headers=COUNSELLOR
        )
        assert r.json() == problem_of(rule)
    assert service.counts() == before  # no partial write
    _, other_case = await new_case(service, person={"nickname": "じろう"})
    before = service.counts()
    wrong = await service.client.post(
        f"/cases/{other_case}/disclosures", json=disclosure_body(referral_id), headers=COUNSELLOR
    )
    assert wrong.json() == problem_of(rules.REFERRAL_OF_ANOTHER_CASE)
    assert service.counts() == before


async def test_every_step_of_a_referral_lands_on_the_timeline_in_any_order(service: IntakeService) -> None:
    person_id, case_id = await new_case(service)
    offer = offered(person_id, case_id)
    rid = offer.data.referral_id
    later = NOW + timedelta(days=1)
    steps: list[CloudEvent[Any]] = [
        new_event(ReferralOutcomeReported(
            referral_id=rid, case_id=case_id, outcome=ReferralOutcome.CONNECTED, outcome_on=later.date(),
            reported_at=later,
        )),
        new_event(ReferralAccepted(referral_id=rid, case_id=case_id, accepted_at=NOW + timedelta(hours=1))),
        offer,
    ]  # fmt: skip
    for event in steps:
        assert service.deliver(event)
    timeline = (
        await service.client.get(f"/cases/{case_id}/timeline?purpose=case_work", headers=COUNSELLOR)
    ).json()
    referral_items = [
        (i["kind"], i["codes"].get("outcome")) for i in timeline if i["kind"].startswith("referral")
    ]
    assert referral_items == [
        ("referral_offered", None),
        ("referral_accepted", None),
        ("referral_outcome", "connected"),
    ]
    unknown_case = offered(person_id, new_event_id())
    try:
        service.deliver(unknown_case)
    except LookupError:
        pass
    else:
        raise AssertionError(
            "an event of an unknown case must fail its delivery (retried, then dead-lettered)"
        )


# -- municipality staff: what they referred, or what a disclosure grants them --------------------


async def test_municipality_staff_can_no_longer_read_a_case_they_neither_referred_nor_were_granted(
    service: IntakeService,
) -> None:
    # Someone phoned the Tokyo line directly; their case is filed under Shinjuku and flagged.
    person_id, case_id = await new_case(service)
    await service.client.post(
        f"/cases/{case_id}/risk",
        json={"risk_level": "high", "set_flags": [{"flag": "self_harm"}]},
        headers=COUNSELLOR,
    )
    shinjuku = municipality_staff(SHINJUKU, subject="shinjuku-1")
    r = await service.client.get(f"/cases/{case_id}", headers=shinjuku)
    assert (r.status_code, r.json()) == (403, problem_of(rules.OWN_MUNICIPALITY_ONLY))
    assert "self_harm" not in r.text
    listed = await service.client.post("/cases/search", json={}, headers=shinjuku)
    assert listed.json() == []
    by_code = await service.client.post(
        "/cases/search", json={"municipality_code": SHINJUKU}, headers=shinjuku
    )
    assert by_code.json() == []
    naming = {**home_visit_request(person_id=person_id)}
    del naming["person"]
    named = await service.client.post("/home-visit-requests", json=naming, headers=shinjuku)
    assert named.json() == problem_of(rules.OWN_MUNICIPALITY_ONLY)

    # A disclosure to Shinjuku's window grants it; Nerima still sees nothing.
    offer = offered(person_id, case_id, window_of=SHINJUKU)
    assert service.deliver(offer)
    recorded = await service.client.post(
        f"/cases/{case_id}/disclosures",
        json=disclosure_body(offer.data.referral_id, profile="case_summary"),
        headers=COUNSELLOR,
    )
    assert recorded.status_code == 201, recorded.text
    granted = await service.client.get(f"/cases/{case_id}", headers=shinjuku)
    assert granted.status_code == 200
    assert [
        c["case_id"] for c in (await service.client.post("/cases/search", json={}, headers=shinjuku)).json()
    ] == [case_id]
    fields = await service.client.get(
        f"/disclosures/{recorded.json()['disclosure_id']}/fields", headers=shinjuku
    )
    assert fields.json()["fields"]["flags"] == ["self_harm"]
    nerima = await service.client.get(f"/cases/{case_id}", headers=municipality_staff(NERIMA))
    assert nerima.status_code == 403

    # Once the window declines, the grant is gone again.
    assert service.deliver(
        new_event(
            ReferralDeclined(
                referral_id=offer.data.referral_id, case_id=case_id, reason="outside_area", declined_at=NOW
            )
        )
    )
    assert (await service.client.get(f"/cases/{case_id}", headers=shinjuku)).status_code == 403


async def test_migrated_schema_has_the_new_tables(service: IntakeService) -> None:
    assert {"intake_referral", "intake_disclosure"} <= set(service.tables)
