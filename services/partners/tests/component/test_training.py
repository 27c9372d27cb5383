"""The Support Guidelines training of partners' staff from training's events, through the
composition root (the clock starts on Thursday 1 May 2025, 10:00 in Tokyo): an organisation is
signed (becomes active) only while one of its staff holds a valid completion; only partner staff
holding one accept referrals; expiries and revocations withdraw it, with notice ahead; the events
decide by their own dates, in any order and any number."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from tsunagu_contracts import new_event_id
from tsunagu_contracts.events.training import Permission
from tsunagu_partners.domain import rules
from tsunagu_partners.testing import (
    COUNSELLOR,
    SELF_ASSESSMENT,
    STAFF_SUBJECT,
    SUPERVISOR,
    PartnersService,
    active_partner,
    certificate_expired,
    certificate_expiring,
    certificate_revoked,
    guideline_completed,
    partner_staff_of,
)
from tsunagu_servicekit.testing import problem_of

SHINJUKU = "131041"
TODAY = date(2025, 5, 1)


async def applied(service: PartnersService, name: str) -> str:
    """An organisation with an application under review; its id."""
    made = await service.client.post(
        "/partners", json={"name": name, "municipality_code": SHINJUKU}, headers=SUPERVISOR
    )
    partner = str(made.json()["id"])
    response = await service.client.post(
        f"/partners/{partner}/application", json={"self_assessment": SELF_ASSESSMENT}, headers=SUPERVISOR
    )
    assert response.status_code == 201, response.text
    assert response.json()["training"] is None
    return partner


async def sign(service: PartnersService, partner: str) -> Any:
    return await service.client.post(
        f"/partners/{partner}/agreements", json={"effective_on": "2025-05-01"}, headers=SUPERVISOR
    )


async def training_of(service: PartnersService, partner: str, headers: dict[str, str] = COUNSELLOR) -> Any:
    response = await service.client.get(f"/partners/{partner}/training", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_organisation_becomes_active_only_once_its_staff_completed_the_guideline_training(
    service: PartnersService,
) -> None:
    partner = await applied(service, "NPO法人みらい")
    before = service.counts()
    refused = await sign(service, partner)
    assert refused.json() == problem_of(rules.TRAINING_NOT_RECORDED)
    assert service.counts() == before

    # What does not count for it: another organisation's staff, a member of staff with no
    # organisation named, another permission, a completion not valid today.
    for event in (
        guideline_completed(new_event_id(), completed_on=date(2025, 4, 1)),
        guideline_completed(None, "loose-staff", completed_on=date(2025, 4, 1)),
        guideline_completed(partner, completed_on=date(2025, 4, 1), permissions=(Permission.HOME_VISIT,)),
        guideline_completed(partner, "tomorrow", completed_on=date(2025, 5, 2)),
        guideline_completed(partner, "lapsed", completed_on=date(2022, 4, 1)),  # valid to 2025-03-31
    ):
        assert service.deliver(event)
    assert (await sign(service, partner)).json() == problem_of(rules.TRAINING_NOT_RECORDED)

    service.new_events()
    completed = guideline_completed(partner, "trained-staff", completed_on=date(2025, 4, 20))
    assert service.deliver(completed)
    assert service.new_events() == []  # recording the training announces nothing
    signed = await sign(service, partner)
    assert signed.status_code == 201, signed.text
    state = (await service.client.get(f"/partners/{partner}", headers=COUNSELLOR)).json()["state"]
    assert state == "active"

    view = await training_of(service, partner)
    assert view["training"] == {"staff_count": 1, "completed_on": "2025-04-20", "valid_until": "2028-04-19"}
    by_subject = {c["staff_subject"]: c for c in view["completions"]}
    assert set(by_subject) == {"trained-staff", "tomorrow", "lapsed"}
    assert by_subject["trained-staff"] == {
        "completion_id": completed.data.completion_id,
        "source": "training",
        "staff_subject": "trained-staff",
        "staff_count": 1,
        "course_code": "org-01",
        "completed_on": "2025-04-20",
        "valid_until": "2028-04-19",
        "expires_on": None,
        "expired_on": None,
        "revoked_on": None,
        "status": "valid",
    }
    assert (by_subject["tomorrow"]["status"], by_subject["lapsed"]["status"]) == ("not_yet_valid", "ended")


async def test_an_expired_or_revoked_completion_no_longer_counts_for_signing(
    service: PartnersService,
) -> None:
    expired, revoked = await applied(service, "一の会"), await applied(service, "二の会")
    first = guideline_completed(expired, completed_on=date(2022, 5, 1))  # valid to 2025-04-30
    service.deliver(certificate_expiring(first, expires_on=date(2025, 5, 1)))
    service.deliver(first)
    notice = (await training_of(service, expired))["completions"][0]
    assert (notice["expires_on"], notice["status"]) == ("2025-05-01", "ended")
    service.deliver(certificate_expired(first, expired_on=date(2025, 5, 1)))
    assert (await training_of(service, expired))["completions"][0]["status"] == "expired"
    assert (await sign(service, expired)).json() == problem_of(rules.TRAINING_NOT_RECORDED)

    second = guideline_completed(revoked, completed_on=date(2025, 4, 1))
    service.deliver(second)
    service.deliver(certificate_revoked(second, revoked_at=datetime(2025, 4, 30, 15, 30, tzinfo=UTC)))
    assert (await training_of(service, revoked))["completions"][0]["revoked_on"] == "2025-05-01"
    assert (await sign(service, revoked)).json() == problem_of(rules.TRAINING_NOT_RECORDED)


async def test_only_trained_partner_staff_accept_referrals(service: PartnersService) -> None:
    partner = await active_partner(
        service, name="NPO法人つばさ", municipality_code=SHINJUKU, effective_on="2025-04-01"
    )

    async def offered() -> str:
        body = {
            "case_id": new_event_id(),
            "person_id": new_event_id(),
            "recipient": {"kind": "partner", "partner_id": partner},
            "support_kind": "consultation",
        }
        made = await service.client.post("/referrals", json=body, headers=COUNSELLOR)
        assert made.status_code == 201, made.text
        return str(made.json()["id"])

    referral = await offered()
    untrained = partner_staff_of(partner, "untrained-staff")
    before = service.counts()
    refused = await service.client.post(f"/referrals/{referral}/accept", headers=untrained)
    assert (refused.status_code, refused.json()) == (403, problem_of(rules.STAFF_NOT_TRAINED))
    assert service.counts() == before
    # Declining and reading need no training; the office may record an acceptance given by phone.
    assert (await service.client.get(f"/referrals/{referral}", headers=untrained)).status_code == 200

    # Trained today: may accept.
    completed = guideline_completed(partner, "untrained-staff", completed_on=TODAY)
    service.deliver(completed)
    accepted = await service.client.post(f"/referrals/{referral}/accept", headers=untrained)
    assert (accepted.status_code, accepted.json()["state"]) == (200, "accepted")

    # Revoked: no longer, from the revocation's day; a supervisor still records an answer by phone.
    service.deliver(certificate_revoked(completed, revoked_at=datetime(2025, 5, 1, 0, 30, tzinfo=UTC)))
    second = await offered()
    refused = await service.client.post(f"/referrals/{second}/accept", headers=untrained)
    assert refused.json() == problem_of(rules.STAFF_NOT_TRAINED)
    by_office = await service.client.post(f"/referrals/{second}/accept", headers=SUPERVISOR)
    assert by_office.status_code == 200, by_office.text

    # The member of staff trained with the partner (active_partner's) accepts until the certificate
    # expires; the expiry announced ahead shows in the organisation's view.
    third = await offered()
    assert (
        await service.client.post(f"/referrals/{third}/accept", headers=partner_staff_of(partner))
    ).is_success
    [mine] = [
        c for c in (await training_of(service, partner))["completions"] if c["staff_subject"] == STAFF_SUBJECT
    ]
    fourth = await offered()
    expiring = guideline_completed(
        partner, STAFF_SUBJECT, completed_on=date(2025, 4, 1), completion_id=mine["completion_id"]
    )
    service.deliver(certificate_expiring(expiring, expires_on=date(2025, 6, 1)))
    mine = next(
        c for c in (await training_of(service, partner))["completions"] if c["staff_subject"] == STAFF_SUBJECT
    )
    assert mine["expires_on"] == "2025-06-01"
    service.deliver(certificate_expired(expiring, expired_on=TODAY))
    refused = await service.client.post(f"/referrals/{fourth}/accept", headers=partner_staff_of(partner))
    assert refused.json() == problem_of(rules.STAFF_NOT_TRAINED)


async def test_partner_staff_read_their_own_organisations_training_only(service: PartnersService) -> None:
    own = await active_partner(
        service, name="自分の会", municipality_code=SHINJUKU, effective_on="2025-04-01"
    )
    other = await active_partner(
        service, name="よその会", municipality_code=SHINJUKU, effective_on="2025-04-01"
    )
    view = await training_of(service, own, partner_staff_of(own))
    assert view["partner_id"] == own
    response = await service.client.get(f"/partners/{other}/training", headers=partner_staff_of(own))
    assert response.json() == problem_of(rules.OWN_PARTNER_ONLY)
    missing = await service.client.get(f"/partners/{new_event_id()}/training", headers=COUNSELLOR)
    assert missing.json() == problem_of(rules.PARTNER_NOT_FOUND)


def course(partner: str, subject: str) -> list[Any]:
    """One member of staff's course of events: completed 2022-05-01 (valid to 2025-04-30), notice,
    expired on 1 May 2025, completed again on 1 May, that one revoked on 2 May."""
    first = guideline_completed(partner, subject, completed_on=date(2022, 5, 1))
    second = guideline_completed(partner, subject, completed_on=TODAY)
    return [
        first,
        certificate_expiring(first, expires_on=date(2025, 5, 1)),
        certificate_expired(first, expired_on=date(2025, 5, 1)),
        second,
        certificate_revoked(second, revoked_at=datetime(2025, 5, 2, 1, tzinfo=UTC)),
    ]


def without_ids(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "training": view["training"],
        "completions": [
            {k: v for k, v in c.items() if k not in ("completion_id", "staff_subject")}
            for c in view["completions"]
        ],
    }


async def test_the_events_decide_by_their_own_dates_in_any_order_and_any_number(
    service: PartnersService,
) -> None:
    in_order = await applied(service, "順番の会")
    for event in course(in_order, "in-order"):
        assert service.deliver(event)
    expected = without_ids(await training_of(service, in_order))
    assert expected["training"] == {
        "staff_count": 1,
        "completed_on": "2025-05-01",
        "valid_until": "2028-04-30",
    }
    assert [c["status"] for c in expected["completions"]] == ["expired", "valid"]

    orders = [p for i, p in enumerate(itertools.permutations(range(5))) if i % 17 == 0]
    for n, order in enumerate(orders):
        partner = await applied(service, f"順不同の会{n}")
        mine = course(partner, f"staff-{n}")
        for i in order:
            assert service.deliver(mine[i])
        for event in mine:  # a replay under new message ids
            assert service.deliver(event.model_copy(update={"id": new_event_id()}))
        assert not service.deliver(mine[order[0]])  # the very same message: the inbox drops it
        assert without_ids(await training_of(service, partner)) == expected, order
        assert (await sign(service, partner)).status_code == 201, order

    service.clock.set(datetime(2025, 5, 2, 3, tzinfo=UTC))  # after the revocation
    assert (await training_of(service, in_order))["training"] is None
    assert service.count("partners_qualification") == 2 * (1 + len(orders))
