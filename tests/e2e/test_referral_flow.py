"""A referral across intake, partners and scheduling as processes on a real nats-server: offered to
an active partner, its disclosure recorded in intake and redeemed by the partner's staff (the read
logged), the outcome on the case timeline; a declined referral's disclosure and an erased
person's become unreadable. The staff's client sends one trace context with every request, and
the whole flow is one trace across the three services."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from stack import COUNSELLOR, SHINJUKU, bearer, intake_scheduling_and_partners, wait_until
from tsunagu_calendar import TOKYO
from tsunagu_contracts import CloudEvent
from tsunagu_partners.testing import activation_steps, guideline_completed

pytestmark = pytest.mark.slow

SUPERVISOR = bearer("supervisor", subject="e2e-supervisor")
TRACE_ID = os.urandom(16).hex()


def traced(headers: dict[str, str]) -> dict[str, str]:
    """The staff's client's headers: every request continues the one trace of this flow."""
    return {**headers, "traceparent": f"00-{TRACE_ID}-{os.urandom(8).hex()}-01"}


def call(
    client: httpx.Client, method: str, path: str, headers: dict[str, str], status: int, **kw: Any
) -> Any:
    response = client.request(method, path, headers=traced(headers), **kw)
    assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def publish(nats_url: str, event: CloudEvent[Any]) -> None:
    """Publish an event to JetStream as its producer's relay would (message id = event id)."""

    async def send() -> None:
        nc = await nats.connect(nats_url)
        try:
            await nc.jetstream().publish(event.type, event.to_json_bytes(), headers={"Nats-Msg-Id": event.id})
        finally:
            await nc.close()

    asyncio.run(send())


def active_partner(pc: httpx.Client, nats_url: str, name: str, trained: str | None = None) -> str:
    """An active partner: registered, applied, its member of staff ``trained`` (a subject) having
    completed the guideline training as the training service announces it, then signed."""
    partner = ""
    today = datetime.now(TOKYO).date()
    register, apply, sign = activation_steps(name, SHINJUKU, today.isoformat())
    for method, path, body, status in (register, apply):
        answer = call(pc, method, path.format(partner=partner), SUPERVISOR, status, json=body)
        partner = partner or str(answer["id"])
    publish(nats_url, guideline_completed(partner, trained or f"e2e-{partner}", completed_on=today))
    wait_until(
        lambda: call(pc, "GET", f"/partners/{partner}/training", SUPERVISOR, 200)["training"],
        message="partners took in the guideline training",
    )
    method, path, body, status = sign
    call(pc, method, path.format(partner=partner), SUPERVISOR, status, json=body)
    return partner


def consultation(ic: httpx.Client, nickname: str) -> tuple[str, str]:
    body = {
        "channel": "phone",
        "consulter": "family",
        "person": {
            "nickname": nickname,
            "age_band": "20_29",
            "residence_code": SHINJUKU,
            "phone": "090-1234-5678",
        },
        "topics": ["withdrawal"],
    }
    recorded = call(ic, "POST", "/consultations", COUNSELLOR, 201, json=body)
    return str(recorded["person_id"]), str(recorded["case_id"])


def refer(pc: httpx.Client, ic: httpx.Client, person_id: str, case_id: str, partner: str) -> tuple[str, str]:
    """Offer a referral (partners) and record its disclosure (intake, once it knows the referral)."""
    body = {
        "case_id": case_id,
        "person_id": person_id,
        "recipient": {"kind": "partner", "partner_id": partner},
        "support_kind": "place_to_belong",
    }
    referral = str(call(pc, "POST", "/referrals", COUNSELLOR, 201, json=body)["id"])
    disclosure = {
        "referral_id": referral,
        "legal_basis": "person_consent",
        "purpose": "connect_support",
        "profile": "contact_minimal",
        "expires_at": (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }

    def recorded() -> str | None:
        response = ic.post(f"/cases/{case_id}/disclosures", json=disclosure, headers=traced(COUNSELLOR))
        if response.status_code == 409 and response.json()["rule"] == "referral_not_known":
            return None  # intake has not had the offer yet
        assert response.status_code == 201, response.text
        return str(response.json()["disclosure_id"])

    return referral, wait_until(recorded, message="intake knows the referral")


def fields(ic: httpx.Client, disclosure: str, staff: dict[str, str]) -> httpx.Response:
    return ic.get(f"/disclosures/{disclosure}/fields", headers=traced(staff))


def test_a_referral_redeemed_reported_declined_and_erased_in_one_trace(
    nats_url: str, database_url: str, tmp_path: Path
) -> None:
    with intake_scheduling_and_partners(nats_url, database_url, tmp_path) as three:
        ic, pc = three.ic, three.pc
        partner = active_partner(pc, nats_url, "NPO法人つなぐ居場所", trained="e2e-partner-staff")
        staff = bearer("partner_staff", subject="e2e-partner-staff", partner=partner)
        other_staff = bearer(
            "partner_staff", subject="e2e-other-staff", partner=active_partner(pc, nats_url, "となりの会")
        )
        person_id, case_id = consultation(ic, "カナリアたろう")

        referral, disclosure = refer(pc, ic, person_id, case_id, partner)
        call(pc, "POST", f"/referrals/{referral}/accept", staff, 200)
        read = wait_until(
            lambda: (r := fields(ic, disclosure, staff)).status_code == 200 and r.json(),
            message="the accepted referral's disclosure readable",
        )
        assert "カナリアたろう" in str(read)
        assert fields(ic, disclosure, other_staff).status_code == 403
        log = call(ic, "GET", f"/persons/{person_id}/access-log", SUPERVISOR, 200)
        assert any(entry["subject"] == "e2e-partner-staff" for entry in log), log

        today = datetime.now(TOKYO).date().isoformat()
        call(
            pc,
            "POST",
            f"/referrals/{referral}/outcome",
            staff,
            200,
            json={"outcome": "connected", "outcome_on": today},
        )

        def outcome_on_timeline() -> list[dict[str, Any]]:
            timeline = call(
                ic, "GET", f"/cases/{case_id}/timeline", COUNSELLOR, 200, params={"purpose": "case_work"}
            )
            return [item for item in timeline if item["kind"] == "referral_outcome"]

        [outcome] = wait_until(outcome_on_timeline, message="the outcome on the case timeline")

        # A second referral, declined: its disclosure can no longer be read.
        declined, declined_disclosure = refer(pc, ic, person_id, case_id, partner)
        call(pc, "POST", f"/referrals/{declined}/decline", staff, 200, json={"reason": "no_capacity"})
        gone = wait_until(
            lambda: (r := fields(ic, declined_disclosure, staff)).status_code == 410 and r.json(),
            message="the declined referral's disclosure unreadable",
        )
        assert gone["rule"] == "referral_declined"

        # Erasure: the first disclosure, readable until now, is gone too, and partners forgets the person.
        linked = call(
            ic, "GET", f"/persons/{person_id}/linked", SUPERVISOR, 200, params={"purpose": "supervision"}
        )
        body = {"basis": "person_request", "linked_person_ids": [p["person_id"] for p in linked]}
        call(ic, "POST", f"/persons/{person_id}/erasure", SUPERVISOR, 200, json=body)
        erased = fields(ic, disclosure, staff)
        assert (erased.status_code, erased.json()["rule"]) == (410, "erased")
        wait_until(
            lambda: call(pc, "GET", f"/referrals/{referral}", COUNSELLOR, 200).get("person_erased") is True,
            message="partners forgets the person",
        )

        spans = three.spans()

    services = {s["service"] for s in spans if s["trace_id"] == TRACE_ID}
    assert {"intake", "partners"} <= services, services
    consumed = {s["name"] for s in spans if s["trace_id"] == TRACE_ID and s["service"] == "intake"}
    assert "tsunagu.partners.referral.offered.v1 process" in consumed
    assert "tsunagu.partners.referral.outcome_reported.v1 process" in consumed
    forgot = {s["name"] for s in spans if s["trace_id"] == TRACE_ID and s["service"] == "partners"}
    assert "tsunagu.intake.person.erased.v1 process" in forgot
    assert outcome["kind"] == "referral_outcome"
