"""Referrals through the HTTP API and the PersonErased consumer, on the service's composition root."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tsunagu_contracts import new_event, new_event_id
from tsunagu_contracts.events.intake import ErasureBasis, PersonErased
from tsunagu_partners.adapters import partners
from tsunagu_partners.adapters import referrals as store
from tsunagu_partners.domain import rules
from tsunagu_partners.domain.partners import PartnerState
from tsunagu_partners.testing import (
    COUNSELLOR,
    SUPERVISOR,
    PartnersService,
    active_partner,
    municipality_staff_of,
    partner_staff_of,
)
from tsunagu_servicekit.testing import problem_of

SHINJUKU, NERIMA = "131041", "131202"


async def partner(service: PartnersService, name: str, *, active: bool = True) -> str:
    """A partner organisation, made active through the office's steps unless ``active`` is false;
    the events of those steps are drained, as these tests look at what referrals raise."""
    if active:
        partner_id = await active_partner(
            service, name=name, municipality_code=SHINJUKU, effective_on="2025-04-01"
        )
    else:
        made = await service.client.post("/partners", json={"name": name}, headers=SUPERVISOR)
        assert made.status_code == 201, made.text
        partner_id = str(made.json()["id"])
    service.new_events()
    return partner_id


def offer_body(recipient: dict[str, Any], **ids: str) -> dict[str, Any]:
    return {
        "case_id": ids.get("case_id", new_event_id()),
        "person_id": ids.get("person_id", new_event_id()),
        "recipient": recipient,
        "support_kind": "place_to_belong",
    }


async def offer(service: PartnersService, recipient: dict[str, Any], **ids: str) -> dict[str, Any]:
    r = await service.client.post("/referrals", json=offer_body(recipient, **ids), headers=COUNSELLOR)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def to_partner(partner_id: str) -> dict[str, str]:
    return {"kind": "partner", "partner_id": partner_id}


async def to_window(
    service: PartnersService, code: str = SHINJUKU, kind: str = "municipal_window"
) -> dict[str, str]:
    """A listed resource of ``code`` (a municipal window unless ``kind`` says otherwise) as a recipient."""
    body = {
        "kind": kind,
        "name": f"相談窓口{code}{kind}",
        "municipality_code": code,
        "support_kinds": ["consultation"],
        "targets": ["person", "family"],
        "publication_consented": False,
    }
    listed = await service.client.post("/resources", json=body, headers=SUPERVISOR)
    assert listed.status_code == 201, listed.text
    return {"kind": "municipal_window", "resource_id": listed.json()["id"], "municipality_code": code}


async def test_a_partner_is_referred_only_for_support_it_offers(service: PartnersService) -> None:
    a = await partner(service, "相談のみの会")
    offering = {
        "support_kinds": ["consultation"],
        "targets": ["family"],
        "age_bands": ["20_29"],
        "municipality_codes": [SHINJUKU],
        "fee_yen": 0,
        "languages": ["ja"],
        "accessibility": [],
    }
    assert (
        await service.client.put(f"/partners/{a}/offering", json=offering, headers=SUPERVISOR)
    ).status_code == 200
    refused = await service.client.post("/referrals", json=offer_body(to_partner(a)), headers=COUNSELLOR)
    assert (refused.status_code, refused.json()["rule"]) == (409, "support_not_offered")
    body = {**offer_body(to_partner(a)), "support_kind": "consultation"}
    assert (await service.client.post("/referrals", json=body, headers=COUNSELLOR)).status_code == 201


async def test_a_referral_to_anything_but_a_listed_window_of_that_municipality_is_refused(
    service: PartnersService,
) -> None:
    before = service.counts()
    unknown = {"kind": "municipal_window", "resource_id": new_event_id(), "municipality_code": SHINJUKU}
    elsewhere = {**(await to_window(service, NERIMA)), "municipality_code": SHINJUKU}
    not_a_window = await to_window(service, SHINJUKU, kind="npo")
    for recipient in (unknown, elsewhere, not_a_window):
        r = await service.client.post("/referrals", json=offer_body(recipient), headers=COUNSELLOR)
        assert (r.status_code, r.json()["rule"]) == (404, "window_not_found")
    assert service.counts()["partners_referral"] == before["partners_referral"]


async def test_an_offer_accepted_and_its_outcome_reported_are_announced_with_ids_only(
    service: PartnersService,
) -> None:
    a = await partner(service, "NPO法人あおぞら")
    made = await offer(service, to_partner(a))
    assert (made["state"], made["recipient_kind"], made["partner_id"]) == ("offered", "partner", a)
    staff = partner_staff_of(a)
    accepted = await service.client.post(f"/referrals/{made['id']}/accept", headers=staff)
    assert accepted.status_code == 200, accepted.text
    ongoing = await service.client.post(
        f"/referrals/{made['id']}/outcome",
        json={"outcome": "ongoing", "outcome_on": "2025-05-01"},
        headers=staff,
    )
    assert ongoing.status_code == 200, ongoing.text
    final = await service.client.post(
        f"/referrals/{made['id']}/outcome",
        json={"outcome": "connected", "outcome_on": "2025-05-01"},
        headers=staff,
    )
    assert final.json()["outcome"] == "connected"
    again = await service.client.post(
        f"/referrals/{made['id']}/outcome",
        json={"outcome": "ongoing", "outcome_on": "2025-05-01"},
        headers=staff,
    )
    assert again.json() == problem_of(rules.REFERRAL_CLOSED)
    events = service.new_events()
    assert [e.type for e in events] == [
        "tsunagu.partners.referral.offered.v1",
        "tsunagu.partners.referral.accepted.v1",
        "tsunagu.partners.referral.outcome_reported.v1",
        "tsunagu.partners.referral.outcome_reported.v1",
    ]
    assert {e.data.referral_id for e in events} == {made["id"]}
    assert {e.data.case_id for e in events} == {made["case_id"]}
    assert events[0].data.person_id == made["person_id"]


async def test_a_partner_that_is_not_active_takes_no_referral(service: PartnersService) -> None:
    candidate = await partner(service, "NPO法人まだ候補", active=False)
    before = service.counts()
    r = await service.client.post("/referrals", json=offer_body(to_partner(candidate)), headers=COUNSELLOR)
    assert r.status_code == 409
    assert r.json() == problem_of(rules.PARTNER_NOT_ACTIVE)
    unknown = await service.client.post(
        "/referrals", json=offer_body(to_partner(new_event_id())), headers=COUNSELLOR
    )
    assert unknown.json()["rule"] == "partner_not_active"
    assert service.counts() == before


async def test_partner_staff_of_a_get_403_on_bs_referrals(service: PartnersService) -> None:
    a = await partner(service, "NPO法人エー")
    b = await partner(service, "NPO法人ビー")
    to_a = await offer(service, to_partner(a))
    to_b = await offer(service, to_partner(b))
    staff_a = partner_staff_of(a)

    listed = await service.client.get("/referrals", headers=staff_a)
    assert [r["id"] for r in listed.json()] == [to_a["id"]]
    assert (await service.client.get(f"/referrals/{to_a['id']}", headers=staff_a)).status_code == 200
    before = service.counts()
    for method, path, body in [
        ("GET", f"/referrals/{to_b['id']}", None),
        ("POST", f"/referrals/{to_b['id']}/accept", None),
        ("POST", f"/referrals/{to_b['id']}/decline", {"reason": "no_capacity"}),
        ("POST", f"/referrals/{to_b['id']}/outcome", {"outcome": "connected", "outcome_on": "2025-05-01"}),
    ]:
        r = await service.client.request(method, path, json=body, headers=staff_a)
        assert r.status_code == 403, (path, r.text)
        assert r.json() == problem_of(rules.OWN_PARTNER_ONLY)
    missing = await service.client.get(f"/referrals/{new_event_id()}", headers=staff_a)
    assert missing.json() == problem_of(rules.OWN_PARTNER_ONLY)  # existence is not told
    withdraw = await service.client.post(f"/referrals/{to_b['id']}/withdraw", headers=staff_a)
    assert withdraw.status_code == 403  # counsellors withdraw
    assert service.counts() == before
    for_counsellor = await service.client.get(f"/referrals/{new_event_id()}", headers=COUNSELLOR)
    assert for_counsellor.json() == problem_of(rules.REFERRAL_NOT_FOUND)


async def test_municipality_staff_act_on_referrals_to_their_own_windows_only(
    service: PartnersService,
) -> None:
    a = await partner(service, "NPO法人シー")
    to_shinjuku = await offer(service, await to_window(service, SHINJUKU))
    to_nerima = await offer(service, await to_window(service, NERIMA))
    to_partner_a = await offer(service, to_partner(a))
    shinjuku = municipality_staff_of(SHINJUKU)

    listed = await service.client.get("/referrals", headers=shinjuku)
    assert [r["id"] for r in listed.json()] == [to_shinjuku["id"]]
    ok = await service.client.post(f"/referrals/{to_shinjuku['id']}/accept", headers=shinjuku)
    assert (ok.status_code, ok.json()["state"]) == (200, "accepted")
    for other in (to_nerima, to_partner_a):
        r = await service.client.post(f"/referrals/{other['id']}/accept", headers=shinjuku)
        assert r.json() == problem_of(rules.OWN_MUNICIPALITY_ONLY)
    partner_on_window = await service.client.get(
        f"/referrals/{to_shinjuku['id']}", headers=partner_staff_of(a)
    )
    assert partner_on_window.json() == problem_of(rules.OWN_PARTNER_ONLY)


async def test_a_declined_or_withdrawn_referral_cannot_change_again(service: PartnersService) -> None:
    a = await partner(service, "NPO法人ディー")
    staff = partner_staff_of(a)
    declined = await offer(service, to_partner(a))
    r = await service.client.post(
        f"/referrals/{declined['id']}/decline", json={"reason": "no_capacity"}, headers=staff
    )
    assert (r.json()["state"], r.json()["decline_reason"]) == ("declined", "no_capacity")
    late = await service.client.post(f"/referrals/{declined['id']}/accept", headers=staff)
    assert late.json() == problem_of(rules.REFERRAL_NOT_OFFERED)
    closed = await service.client.post(f"/referrals/{declined['id']}/withdraw", headers=COUNSELLOR)
    assert closed.json() == problem_of(rules.REFERRAL_CLOSED)

    withdrawn = await offer(service, to_partner(a))
    w = await service.client.post(f"/referrals/{withdrawn['id']}/withdraw", headers=COUNSELLOR)
    assert w.json()["state"] == "withdrawn"
    outcome = await service.client.post(
        f"/referrals/{withdrawn['id']}/outcome",
        json={"outcome": "connected", "outcome_on": "2025-05-01"},
        headers=staff,
    )
    assert outcome.json() == problem_of(rules.REFERRAL_CLOSED)
    not_yet = await offer(service, to_partner(a))
    early = await service.client.post(
        f"/referrals/{not_yet['id']}/outcome",
        json={"outcome": "connected", "outcome_on": "2025-05-01"},
        headers=staff,
    )
    assert early.json() == problem_of(rules.REFERRAL_NOT_ACCEPTED)
    types = [e.type for e in service.new_events()]
    assert "tsunagu.partners.referral.declined.v1" in types
    assert "tsunagu.partners.referral.withdrawn.v1" in types


async def test_an_outcome_dated_before_the_acceptance_or_in_the_future_is_refused(
    service: PartnersService,
) -> None:
    a = await partner(service, "NPO法人イー")
    staff = partner_staff_of(a)
    made = await offer(service, to_partner(a))
    await service.client.post(f"/referrals/{made['id']}/accept", headers=staff)
    today = service.clock().date()
    for day in (today.replace(year=today.year - 1), today.replace(year=today.year + 1)):
        r = await service.client.post(
            f"/referrals/{made['id']}/outcome",
            json={"outcome": "connected", "outcome_on": day.isoformat()},
            headers=staff,
        )
        assert r.json() == problem_of(rules.OUTCOME_DATE_OUT_OF_RANGE)


async def test_a_suspended_partner_cannot_accept_an_earlier_offer(service: PartnersService) -> None:
    a = await partner(service, "NPO法人エフ")
    made = await offer(service, to_partner(a))
    with service.context.uow() as uow:
        row = partners.find_partner(uow, a)
        assert row is not None
        row.state = PartnerState.SUSPENDED
        uow.commit()
    r = await service.client.post(f"/referrals/{made['id']}/accept", headers=partner_staff_of(a))
    assert r.json() == problem_of(rules.PARTNER_NOT_ACTIVE)
    declined = await service.client.post(
        f"/referrals/{made['id']}/decline", json={"reason": "no_capacity"}, headers=partner_staff_of(a)
    )
    assert declined.status_code == 200


@pytest.mark.parametrize(
    "recipient",
    [
        {"kind": "partner"},
        {"kind": "municipal_window", "resource_id": "00000000-0000-4000-8000-000000000009"},
        {
            "kind": "municipal_window",
            "resource_id": "00000000-0000-4000-8000-000000000009",
            "municipality_code": "131040",
        },
        {"kind": "clinic", "partner_id": "00000000-0000-4000-8000-000000000009"},
    ],
)
async def test_a_recipient_that_is_neither_is_refused_without_echo(
    service: PartnersService, recipient: dict[str, str]
) -> None:
    r = await service.client.post("/referrals", json=offer_body(recipient), headers=COUNSELLOR)
    assert r.status_code == 422
    assert "131040" not in r.text
    assert "clinic" not in r.text
    assert service.outbox_events() == []


async def test_erasure_forgets_the_person_keeps_the_counts_and_stops_the_referral(
    service: PartnersService,
) -> None:
    a = await partner(service, "NPO法人ジー")
    person, case = new_event_id(), new_event_id()
    first = await offer(service, to_partner(a), person_id=person, case_id=case)
    second = await offer(service, await to_window(service), person_id=person, case_id=case)
    other = await offer(service, to_partner(a))
    await service.client.post(f"/referrals/{first['id']}/accept", headers=partner_staff_of(a))
    service.new_events()
    erased = new_event(
        PersonErased(
            person_id=person,
            erased_at=datetime(2025, 5, 2, tzinfo=UTC),
            basis=ErasureBasis.PERSON_REQUEST,
            case_ids=[case],
        )
    )
    assert service.deliver(erased) is True
    assert service.deliver(erased) is False  # a redelivery changes nothing

    for made in (first, second):
        seen = (await service.client.get(f"/referrals/{made['id']}", headers=COUNSELLOR)).json()
        assert (seen["person_id"], seen["case_id"], seen["person_erased"]) == (None, None, True)
    assert (await service.client.get(f"/referrals/{other['id']}", headers=COUNSELLOR)).json()[
        "person_erased"
    ] is False
    counted = await service.client.get("/referrals", headers=COUNSELLOR)
    assert len(counted.json()) == 3
    outcome = await service.client.post(
        f"/referrals/{first['id']}/outcome",
        json={"outcome": "connected", "outcome_on": "2025-05-01"},
        headers=partner_staff_of(a),
    )
    assert outcome.json() == problem_of(rules.REFERRAL_PERSON_ERASED)
    again = await service.client.post(
        "/referrals", json=offer_body(to_partner(a), person_id=person), headers=COUNSELLOR
    )
    assert again.json() == problem_of(rules.REFERRAL_PERSON_ERASED)
    assert service.new_events() == []
    with service.context.reading() as uow:
        assert store.referrals(uow, case_id=case) == []


async def test_wrong_roles_are_refused(service: PartnersService) -> None:
    a = await partner(service, "NPO法人エイチ")
    body = offer_body(to_partner(a))
    assert (
        await service.client.post("/referrals", json=body, headers=partner_staff_of(a))
    ).status_code == 403
    made = await offer(service, to_partner(a))
    assert (
        await service.client.post(f"/referrals/{made['id']}/accept", headers=COUNSELLOR)
    ).status_code == 403
    assert (await service.client.get("/referrals")).status_code == 401
