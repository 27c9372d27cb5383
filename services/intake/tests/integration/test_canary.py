"""Canary: personal data never leaves the vault.

Unique marker strings go into every personal field of 100 consultations (and of web registrations,
web consultations, replies, notes, escalation briefs and home-visit requests; disclosures to a
partner read some of them back), in half-width and
full-width spellings. The service runs as its own process, as in production. Whatever it emits
during the whole run — every NATS message with its subject and headers (a recorder on ``>``), every
log line (its stdout and stderr, at DEBUG), every span (its traces file), every HTTP error body —
is searched for the markers after folding width and unescaping JSON, HTML and percent-encoding;
so is the test process's own output. The run includes failures (validation errors, malformed JSON,
refused rules, a consumer failure dead-lettered, erasures) and a replay of the stream. The markers,
the search and the captured process are the kit's (:mod:`tsunagu_servicekit.testing.canary`).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from tsunagu_calendar import fiscal_year
from tsunagu_contracts import CloudEvent, new_event, new_event_id
from tsunagu_contracts.events.partners import (
    ReferralAccepted,
    ReferralDeclined,
    ReferralDeclineReason,
    ReferralOffered,
    SupportKind,
)
from tsunagu_contracts.events.scheduling import CaseReviewConcludedV2, DisciplineAdvice
from tsunagu_intake.testing import (
    COUNSELLOR,
    EXPERT,
    JWT_SECRET,
    MASTER_KEY,
    NERIMA,
    SHINJUKU,
    SUPERVISOR,
    bearer,
    municipality_staff,
    stream_export,
)
from tsunagu_servicekit.eventlog import write_jsonl
from tsunagu_servicekit.testing import replay_jsonl, wait_for
from tsunagu_servicekit.testing.canary import Markers, RecordingClient, assert_no_leaks, captured_service

pytestmark = pytest.mark.slow

CHANNELS = ("phone", "email", "online", "peer_online", "in_person", "home_visit")
CONSULTERS = ("person", "family", "other")
FIELDS = {
    "nickname": "NK",
    "name": "NM",
    "phone": "PH",
    "email": "EM",
    "address": "AD",
    "notes": "NT",
    "consulter_name": "CN",
    "consulter_contact": "CC",
    "note": "TL",
    "brief": "BR",
    "web_nickname": "WN",
    "web_email": "WE",
    "web_body": "WB",
    "reply": "RP",
    "deadline_reason": "DL",
    "hv_name": "HN",
    "hv_address": "HA",
    "hv_notes": "HT",
    "bad": "XX",
    "page_nickname": "PN",
    "page_email": "PE",
    "page_body": "PB",
    "page_bad": "PX",
}
MARKERS = Markers(FIELDS)
"""``CNRY006NMｶﾅﾘｱ山田`` (half width, even consultations), ``ＣＮＲＹ００７ＮＭカナリア山田`` (odd)."""
marker = MARKERS

SETTINGS = {
    "JWT_SECRET": JWT_SECRET,
    "VAULT_MASTER_KEY": MASTER_KEY,
    "MAX_FAILURES": "2",
    "RETRY_BASE_DELAY": "0.05",
    "RETRY_MAX_DELAY": "0.1",
    "RELAY_POLL_INTERVAL": "0.2",
    "SLA_SCAN_INTERVAL": "0.5",
}


def consultation_body(i: int) -> dict[str, object]:
    return {
        "channel": CHANNELS[i % len(CHANNELS)],
        "consulter": CONSULTERS[i % len(CONSULTERS)],
        "municipality_code": SHINJUKU if i % 2 else NERIMA,
        "topics": ["withdrawal"],
        "person": {
            "nickname": marker(i, "nickname"),
            "name": marker(i, "name"),
            "phone": marker(i, "phone"),
            "email": marker(i, "email"),
            "address": marker(i, "address"),
            "age_band": "30_39",
        },
        "notes": marker(i, "notes"),
        "consulter_name": marker(i, "consulter_name"),
        "consulter_contact": marker(i, "consulter_contact"),
    }


PARTNER = "00000000-0000-4000-8000-00000000000a"
PARTNER_STAFF = bearer("partner_staff", subject="partner-staff-1", partner=PARTNER)
OTHER_PARTNER_STAFF = bearer(
    "partner_staff", subject="partner-staff-2", partner="00000000-0000-4000-8000-00000000000b"
)


async def publish(nats_url: str, *events: CloudEvent[Any]) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for e in events:
            await js.publish(e.type, e.to_json_bytes(), headers={"Nats-Msg-Id": e.id})
    finally:
        await nc.close()


async def offer_referrals(nats_url: str, people: dict[int, tuple[str, str, str]]) -> dict[int, str]:
    """Referrals of these people's cases to the partner, offered and accepted (partners' events)."""
    now = datetime.now(UTC)
    events: list[CloudEvent[Any]] = []
    ids: dict[int, str] = {}
    for i, (person_id, case_id, _) in people.items():
        ids[i] = new_event_id()
        events.append(new_event(ReferralOffered(
            referral_id=ids[i], case_id=case_id, person_id=person_id, partner_id=PARTNER,
            support_kind=SupportKind.CONSULTATION, offered_at=now,
        )))  # fmt: skip
        events.append(new_event(ReferralAccepted(referral_id=ids[i], case_id=case_id, accepted_at=now)))
    await publish(nats_url, *events)
    return ids


async def decline_referral(nats_url: str, referral_id: str, case_id: str) -> None:
    declined = ReferralDeclined(
        referral_id=referral_id,
        case_id=case_id,
        reason=ReferralDeclineReason.NO_CAPACITY,
        declined_at=datetime.now(UTC),
    )
    await publish(nats_url, new_event(declined))


def disclosure_body(referral_id: str) -> dict[str, object]:
    return {
        "referral_id": referral_id,
        "legal_basis": "person_consent",
        "purpose": "connect_support",
        "profile": "contact_minimal",
        "expires_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }


async def disclose_when_known(run: RecordingClient, case_id: str, referral_id: str) -> str:
    """Record a disclosure once intake has learnt of the referral (409 referral_not_known until then)."""
    made: list[str] = []

    async def recorded() -> bool:
        r = await run.request(
            "POST", f"/cases/{case_id}/disclosures", json=disclosure_body(referral_id), headers=COUNSELLOR
        )
        if r.status_code == 409:
            assert r.json()["rule"] == "referral_not_known"
            return False
        assert r.status_code == 201, r.text
        made.append(r.json()["disclosure_id"])
        return True

    await wait_for(recorded, timeout=20, interval=0.2, message="intake learnt of the referral")
    return made[0]


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def public_pages(run: RecordingClient) -> None:
    """The public pages, as a browser without script posts them: two people register and consult,
    and read their own pages (a positive control: their own data is there); then every way a page
    refuses (a form without its token or from another site, invalid fields, a wrong login, a wrong
    reset) is tried with markers in every field, and no answer may carry one back."""

    async def token(path: str) -> str:
        found = _CSRF.search((await run.call("GET", path, 200)).text)
        assert found
        return found.group(1)

    for i in (1, 2):
        password = f"page-pw-{i}-secret"
        form = {
            "nickname": marker(i, "page_nickname"),
            "email": marker(i, "page_email"),
            "password": password,
            "password_confirm": password,
            "agree": "yes",
            "csrf_token": await token("/register"),
        }
        await run.call("POST", "/register", 200, data=form)
        sent = {"body": marker(i, "page_body"), "consulter": "family", "csrf_token": await token("/consult")}
        await run.call("POST", "/consult", 200, data=sent)
        assert marker(i, "page_body") in (await run.call("GET", "/my", 200)).text
        await run.call("POST", "/logout", 303, data={"csrf_token": await token("/my")})
    bad = marker(3, "page_bad")
    await run.call("POST", "/register", 403, data={"nickname": bad, "password": bad})
    typed = {"nickname": bad, "email": bad, "password": bad, "password_confirm": bad + "2", "agree": "yes"}
    await run.call("POST", "/register", 422, data={**typed, "csrf_token": await token("/register")})
    await run.call(
        "POST",
        "/login",
        403,
        data={"user_number": bad, "password": bad, "csrf_token": await token("/login")},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    await run.call(
        "POST", "/login", 400, data={"user_number": bad, "password": bad, "csrf_token": await token("/login")}
    )
    reset = {"user_number": "1234567890", "recovery_code": bad, "new_password": bad, "password_confirm": bad}
    await run.call("POST", "/reset", 400, data={**reset, "csrf_token": await token("/reset")})


async def scenario(run: RecordingClient, nats_url: str, tmp_path: Path) -> None:
    people: list[tuple[str, str, str]] = []
    for i in range(100):
        made = (
            await run.call("POST", "/consultations", 201, json=consultation_body(i), headers=COUNSELLOR)
        ).json()
        people.append((made["person_id"], made["case_id"], made["consultation_id"]))

    # Positive control: the data is there, readable with a purpose, recognisable across widths.
    person = await run.call("GET", f"/persons/{people[1][0]}?purpose=case_work", 200, headers=COUNSELLOR)
    assert person.json()["name"] == marker(1, "name")
    other_width = unicodedata.normalize("NFKC", marker(1, "nickname"))
    found = await run.call(
        "POST", "/persons/lookup?purpose=case_work", 200, json={"nickname": other_width}, headers=COUNSELLOR
    )
    assert [c["person_id"] for c in found.json()] == [people[1][0]]

    bad = marker(7, "bad")
    for i in range(0, 100, 10):
        _, case_id, _ = people[i]
        await run.call(
            "POST", f"/cases/{case_id}/notes", 201, json={"note": marker(i, "note")}, headers=COUNSELLOR
        )
        escalation = await run.call(
            "POST",
            f"/cases/{case_id}/escalations",
            201,
            json={"reason_codes": ["other"], "urgency": "routine", "brief": {"summary": marker(i, "brief")}},
            headers=COUNSELLOR,
        )
        await run.call(
            "GET",
            f"/escalations/{escalation.json()['escalation_id']}/brief?purpose=expert_review",
            200,
            headers=EXPERT,
        )
        automatic = await run.call(
            "POST",
            f"/cases/{people[i + 1][1]}/risk",
            200,
            json={"risk_level": "high", "set_flags": [{"flag": "suicide_risk"}]},
            headers=COUNSELLOR,
        )
        # The brief a rule built, completed by staff with the narrative, then read by the team.
        automatic_brief = f"/escalations/{automatic.json()['escalation_id']}/brief"
        await run.call(
            "PUT",
            automatic_brief,
            200,
            json={"summary": marker(i + 1, "brief"), "question": marker(i + 1, "brief")},
            headers=COUNSELLOR,
        )
        await run.call("GET", f"{automatic_brief}?purpose=expert_review", 200, headers=EXPERT)
        # Web consultation: registration, login, a consultation at any hour, a reply, reading it.
        number = (
            await run.call(
                "POST",
                "/web/registrations",
                201,
                json={
                    "password": f"pw-{i:03d}-secret",
                    "nickname": marker(i, "web_nickname"),
                    "email": marker(i, "web_email"),
                },
            )
        ).json()["user_number"]
        token = (
            await run.call(
                "POST", "/web/sessions", 200, json={"user_number": number, "password": f"pw-{i:03d}-secret"}
            )
        ).json()["access_token"]
        web = {"Authorization": f"Bearer {token}"}
        sent = await run.call(
            "POST", "/web/consultations", 201, json={"body": marker(i, "web_body") + " 死にたい"}, headers=web
        )
        consultation_id = sent.json()["consultation_id"]
        # The reply deadline paused and extended, each with a reason (the person's data). Eight days
        # always hold a business day's end, so the pause moves the deadline whatever day it runs.
        pause_end = (datetime.now(UTC) + timedelta(days=8)).isoformat()
        deadline = f"/consultations/{consultation_id}/reply-deadline"
        reason = {"reason": marker(i, "deadline_reason")}
        await run.call(
            "POST", f"{deadline}/pauses", 201, json={**reason, "ends_at": pause_end}, headers=COUNSELLOR
        )
        await run.call(
            "POST", f"{deadline}/extensions", 201, json={**reason, "business_days": 1}, headers=COUNSELLOR
        )
        read = await run.call(
            "GET", f"/consultations/{consultation_id}?purpose=email_reply", 200, headers=COUNSELLOR
        )
        assert {c["reason"] for c in read.json()["reply_deadline_changes"]} == {marker(i, "deadline_reason")}
        await run.call(
            "POST",
            f"/consultations/{consultation_id}/replies",
            201,
            json={"body": marker(i, "reply")},
            headers=COUNSELLOR,
        )
        mine = await run.call("GET", "/web/consultations", 200, headers=web)
        assert mine.json()[0]["replies"][0]["body"] == marker(i, "reply")
        await run.call(
            "POST",
            f"{deadline}/extensions",
            422,
            json={"reason": bad, "business_days": 1},
            headers=COUNSELLOR,
        )
        # A home-visit request by the municipality.
        await run.call(
            "POST",
            "/home-visit-requests",
            201,
            json={
                "municipality_code": SHINJUKU,
                "person": {"name": marker(i, "hv_name"), "address": marker(i, "hv_address")},
                "residence_code": SHINJUKU,
                "age_years": 30,
                "notes": marker(i, "hv_notes"),
            },
            headers=municipality_staff(SHINJUKU),
        )

    # Failures, each carrying markers in what was sent.
    bad = marker(7, "bad")
    await run.call(
        "POST", "/consultations", 422, json={**consultation_body(7), "notes": bad * 300}, headers=COUNSELLOR
    )
    await run.call(
        "POST", "/consultations", 422, json={**consultation_body(7), "channel": bad}, headers=COUNSELLOR
    )
    await run.call(
        "POST", "/consultations", 422, json={**consultation_body(7), "unexpected": bad}, headers=COUNSELLOR
    )
    await run.call(
        "POST",
        "/consultations",
        422,
        content=('{"notes": "' + bad).encode(),
        headers={**COUNSELLOR, "content-type": "application/json"},
    )
    await run.call(
        "POST",
        "/consultations",
        422,
        json={**consultation_body(7), "municipality_code": "139999"},
        headers=COUNSELLOR,
    )
    await run.call(
        "POST", "/persons/lookup?purpose=case_work", 422, json={"nickname": bad * 10}, headers=COUNSELLOR
    )
    await run.call("POST", "/cases/search", 422, json={"nickname": bad * 10}, headers=COUNSELLOR)
    await run.call("POST", "/web/sessions", 401, json={"user_number": "1234567890", "password": bad})
    await run.call("POST", "/web/sessions", 422, json={"user_number": bad * 5, "password": bad})
    hv = {"person": {"name": bad}, "residence_code": SHINJUKU, "age_years": 30, "notes": bad}
    await run.call(
        "POST",
        "/home-visit-requests",
        403,
        json={**hv, "municipality_code": NERIMA},
        headers=municipality_staff(SHINJUKU),
    )
    await run.call(
        "POST",
        "/home-visit-requests",
        422,
        json={**hv, "municipality_code": SHINJUKU, "age_years": 12},
        headers=municipality_staff(SHINJUKU),
    )
    closing = people[3]
    await run.call(
        "POST",
        f"/cases/{closing[1]}/close",
        200,
        json={"reason": "resolved", "note": marker(3, "note")},
        headers=COUNSELLOR,
    )
    await run.call("POST", f"/cases/{closing[1]}/notes", 422, json={"note": bad}, headers=COUNSELLOR)
    late = await run.call(
        "POST", "/web/consultations", 201, json={"body": marker(11, "web_body")}, headers=web
    )
    late_id = late.json()["consultation_id"]
    case_of_late = (
        await run.call("GET", f"/consultations/{late_id}?purpose=email_reply", 200, headers=COUNSELLOR)
    ).json()["case_id"]
    await run.call(
        "POST", f"/cases/{case_of_late}/close", 200, json={"reason": "no_contact"}, headers=COUNSELLOR
    )
    refused = await run.call(
        "POST", f"/consultations/{late_id}/replies", 422, json={"body": bad}, headers=COUNSELLOR
    )
    assert refused.json()["rule"] == "case_closed"
    await run.call("GET", "/cases/not-a-uuid", 404, headers=COUNSELLOR)  # an id that is not one: no route
    await run.call("GET", f"/cases/{people[5][1]}", 403, headers=municipality_staff("131016"))

    # Referrals, as the partners service announces them, and disclosures to their recipient: the
    # recipient reads the markers (a positive control), refusals and the bus carry none.
    referrals = await offer_referrals(nats_url, {i: people[i] for i in (1, 10, 21)})
    disclosures: dict[int, str] = {}
    for i, referral_id in referrals.items():
        disclosures[i] = await disclose_when_known(run, people[i][1], referral_id)
        read = await run.call("GET", f"/disclosures/{disclosures[i]}/fields", 200, headers=PARTNER_STAFF)
        assert read.json()["fields"] == {"nickname": marker(i, "nickname"), "phone": marker(i, "phone")}
    await run.call("GET", f"/disclosures/{disclosures[1]}/fields", 403, headers=OTHER_PARTNER_STAFF)
    no_basis = {**disclosure_body(referrals[1]), "legal_basis": None, "unexpected": bad}
    await run.call("POST", f"/cases/{people[1][1]}/disclosures", 422, json=no_basis, headers=COUNSELLOR)
    await decline_referral(nats_url, referrals[21], people[21][1])

    async def declined_is_closed() -> bool:
        r = await run.request("GET", f"/disclosures/{disclosures[21]}/fields", headers=PARTNER_STAFF)
        return r.status_code == 410

    await wait_for(declined_is_closed, timeout=20, message="the declined referral's disclosure closed")
    await run.call("GET", f"/disclosures/{disclosures[21]}/fields", 410, headers=PARTNER_STAFF)

    # Erasure of ten people; reading them afterwards fails.
    for i in range(0, 100, 10):
        await run.call(
            "POST",
            f"/persons/{people[i][0]}/erasure",
            200,
            json={"basis": "person_request"},
            headers=SUPERVISOR,
        )
        await run.call("GET", f"/persons/{people[i][0]}?purpose=case_work", 410, headers=COUNSELLOR)

    # The erased person's disclosure can no longer be read.
    await run.call("GET", f"/disclosures/{disclosures[10]}/fields", 410, headers=PARTNER_STAFF)

    await public_pages(run)

    # A consumer failure: the expert team concludes on a case intake does not know -> dead letter.
    review = new_event(
        CaseReviewConcludedV2(
            review_id="0f2c3d4e-5f60-4718-8293-a4b5c6d7e8f9",
            case_id="00000000-0000-4000-8000-000000000000",
            escalation_id="2b3c4d5e-6f70-4a81-9b2c-3d4e5f607182",
            meeting_date=date(2025, 5, 20),
            advice=[DisciplineAdvice(discipline="welfare", advice_codes=["welfare_benefits"])],
            advice_reference_id="1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d",
        )
    )
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(review.type, review.to_json_bytes(), headers={"Nats-Msg-Id": review.id})
    finally:
        await nc.close()

    # A replay of the stream as exported.
    async def intake_events_settled() -> list:
        exported = await stream_export(nats_url, ("TSUNAGU_INTAKE",))
        return exported if sum(1 for m in exported if m.subject.endswith("person.erased.v1")) == 10 else []

    exported = await wait_for(intake_events_settled, timeout=20, message="erasures on the stream")
    write_jsonl(tmp_path / "export.jsonl", exported)
    assert await replay_jsonl(tmp_path / "export.jsonl", nats_url) == len(exported)


EXPORTS = ("statistics", "reply-times", "outside-hours-calls")


async def exports(run: RecordingClient) -> str:
    """Every export of this fiscal year, CSV and JSON, exact and published, with its headers: counts
    only, searched like any other channel."""
    fy = fiscal_year(datetime.now(UTC))
    bodies = []
    for name in EXPORTS:
        for path in (f"/exports/{name}", f"/exports/{name}/publication"):
            for fmt in ("csv", "json"):
                r = await run.call("GET", f"{path}?fiscal_year={fy}&format={fmt}", 200, headers=SUPERVISOR)
                headers = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
                bodies.append(f"{r.content.decode('utf-8-sig')}\n{headers}")
    # Positive control: the run's consultations are in the figures.
    total = bodies[0].splitlines()[3].split(",")
    assert total[:3] == ["合計", "", "合計"]
    assert int(total[4]) >= 100  # 延べ件数 of consultations
    return "\n".join(bodies)


async def test_markers_never_leave_the_vault(
    nats_url: str,
    database_url: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    async with captured_service("intake", nats_url, database_url, tmp_path, SETTINGS) as run:
        await scenario(run.http, nats_url, tmp_path)
        await run.bus.wait_for_count(1, "tsunagu.dlq.", timeout=20)
        await run.bus.wait_for_count(100 + 10 + 10, "tsunagu.intake.consultation.received.v1")
        exported = await exports(run.http)

    channels = run.channels()
    logs, spans = channels["service log"], channels["spans"]
    captured_out, captured_err = capfd.readouterr()
    channels["test process"] = captured_out + captured_err + caplog.text
    channels["exports"] = exported

    # The captures are real: the run was seen by every channel we search.
    assert run.service.returncode == 0, logs[-3000:]
    assert logs.count('"http.request"') > 200
    assert '"http.unhandled_exception"' not in logs
    assert "message dead-lettered" in logs
    assert len(spans.splitlines()) > 200
    assert any(name.startswith("POST /consultations") for name in run.service.span_names())
    assert len(run.bus.matching("tsunagu.intake.")) > 250
    moved = run.bus.matching("tsunagu.intake.email_reply.deadline_extended.v1")
    assert len({m.headers["Nats-Msg-Id"] for m in moved}) == 20  # published, then replayed
    assert len(run.bus.matching("tsunagu.dlq.")) >= 1
    assert {401, 403, 410, 422} <= set(run.http.statuses)
    assert len(run.http.error_bodies) >= 20

    assert_no_leaks(MARKERS, channels)
