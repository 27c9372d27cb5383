"""Canary: the personal data partners holds never leaves it, and nothing internal reaches the public.

Unique markers go into every personal field of the service, in half-width and full-width
spellings (:class:`~tsunagu_servicekit.testing.canary.Markers`): the named contacts of each
municipality's network status (name, section, e-mail), the participants of information-exchange
meetings (people and organisations), the topics' text, the follow-ups' action and owner, the
outreach notes, the distribution record's recipients, the names of organisations that are not
partners (a candidate's name carries a person's), and the name, address and e-mail of resources
that did not consent to publication (and the candidate recruited from one). A second set of
markers goes where the public may read it by consent: the names of active partners and the name
and address of consenting windows.

The service runs as its own process, as in production, at log level DEBUG. The run goes through
validation errors (422: an unknown municipality, a pattern, an unknown field, a length, dates out
of order), refused rules (403: municipality staff of another municipality, partner staff of another
partner, a role; 404; 409: a taken name, a resource recruited twice), malformed JSON, an oversize
body (413), a consumer failure dead-lettered (a ``PersonErased`` whose data carry markers where
ids belong), referrals, a published directory with its leaflets and memo fetched, and a replay of
partners' and intake's streams into a fresh partners service on a fresh broker and database.

Searched, after folding width and undoing JSON, HTML and percent escapes:

- for both sets: every NATS message on ``>`` of both brokers (subjects, headers, payloads; the
  poison's own bytes, which the test published and the dead letter keeps untouched by design, are
  left out of payloads but their headers are searched), every line both service processes wrote to
  stdout and stderr, every span of their traces files, every HTTP error body with its headers, the
  dead letters, and the test process's own output;
- for the personal set: the public directory (JSON and HTML, per municipality) and the text of the
  leaflets (all Tokyo and each municipality used) and the pocket memo.

Positive controls: staff read the markers back, and the public pages and PDFs show every consented
name (so a search that finds nothing is a search that could have found something).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from tsunagu_calendar import TOKYO
from tsunagu_contracts import new_event, new_event_id
from tsunagu_contracts.events.intake import ErasureBasis, PersonErased
from tsunagu_partners.testing import (
    COUNSELLOR,
    JWT_SECRET,
    SUPERVISOR,
    activation_steps,
    guideline_completed,
    municipality_staff_of,
    partner_staff_of,
)
from tsunagu_servicekit.eventlog import read_jsonl, write_jsonl
from tsunagu_servicekit.natsserver import NatsServerProcess
from tsunagu_servicekit.testing import (
    export_streams,
    is_postgres,
    replay_jsonl,
    temporary_postgres_database,
    wait_for,
)
from tsunagu_servicekit.testing.canary import (
    Markers,
    RecordingClient,
    assert_no_leaks,
    bus_text,
    captured_service,
)
from tsunagu_typeset.inspect import pdf_text

pytestmark = pytest.mark.slow

PERSONAL = Markers(
    {
        "contact": "CN",
        "section": "CS",
        "contact_email": "CE",
        "participant": "PP",
        "participant_org": "PO",
        "topic": "TP",
        "action": "FA",
        "owner": "FO",
        "outreach": "OR",
        "recipient": "DR",
        "candidate": "CA",
        "unlisted": "UN",
        "unlisted_address": "UA",
        "unlisted_email": "UE",
        "poison": "PZ",
        "bad": "XX",
    }
)
"""Personal or internal: never on the bus, in logs, spans, error bodies, public pages or PDFs."""
PUBLIC = Markers(
    {"partner": "PN", "listed": "LN", "listed_address": "LA"}, prefix="ORGN", word="ヒバリ", surname="鈴木"
)
"""Public by consent: on public pages and PDFs, never on the bus, in logs, spans or error bodies."""

CODES = ("131041", "131202", "131016", "132012")  # Shinjuku, Nerima, Chiyoda, Hachioji
ITEMS = 8
SETTINGS = {
    "JWT_SECRET": JWT_SECRET,
    "MAX_FAILURES": "2",
    "RETRY_BASE_DELAY": "0.05",
    "RETRY_MAX_DELAY": "0.1",
    "RELAY_POLL_INTERVAL": "0.2",
    "DIRECTORY_SCAN_INTERVAL": "1",
    "AGREEMENT_SCAN_INTERVAL": "1",
}
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def today() -> str:
    return datetime.now(TOKYO).date().isoformat()


def days_from_today(days: int) -> str:
    return (datetime.now(TOKYO).date() + timedelta(days=days)).isoformat()


def code_of(i: int) -> str:
    return CODES[i % len(CODES)]


def status_body(i: int) -> dict[str, Any]:
    return {
        "council_established": i % 2 == 0,
        "support_base": "station" if i % 2 else "regional_support_centre",
        "contacts": [
            {
                "name": PERSONAL(i, "contact"),
                "section": PERSONAL(i, "section"),
                "phone": "03-5320-4000",
                "email": f"{PERSONAL.ascii(i, 'contact_email')}@example.jp",
            }
        ],
    }


def meeting_body(i: int, *, held_on: str | None = None, due_on: str | None = None) -> dict[str, Any]:
    return {
        "held_on": held_on or days_from_today(-7),
        "participants": [
            {"kind": "person", "name": PERSONAL(i, "participant")},
            {"kind": "organisation", "name": PERSONAL(i, "participant_org")},
        ],
        "topics": [{"code": "case_coordination", "text": PERSONAL(i, "topic")}],
        "follow_ups": [
            {
                "action": PERSONAL(i, "action"),
                "owner": PERSONAL(i, "owner"),
                "due_on": due_on or days_from_today(14),
            }
        ],
    }


def listed_window(i: int) -> dict[str, Any]:
    """A municipal window that consented to publication: its name and address are public."""
    return {
        "kind": "municipal_window",
        "name": PUBLIC(i, "listed"),
        "municipality_code": code_of(i),
        "support_kinds": ["consultation"],
        "targets": ["person", "family"],
        "contact": {"phone": "03-1234-5678", "address": PUBLIC(i, "listed_address")},
        "opening_hours": [{"channel": "visit", "effective_from": "2024-04-01", "weekly": WEEKDAYS}],
        "publication_consented": True,
        "publication_consented_on": days_from_today(-30),
    }


def unlisted_resource(i: int, **overrides: Any) -> dict[str, Any]:
    """An NPO that did not consent to publication: nothing of it is public."""
    body = {
        "kind": "npo",
        "name": PERSONAL(i, "unlisted"),
        "municipality_code": code_of(i),
        "support_kinds": ["place_to_belong"],
        "targets": ["person"],
        "contact": {
            "email": f"{PERSONAL.ascii(i, 'unlisted_email')}@example.jp",
            "address": PERSONAL(i, "unlisted_address"),
        },
        "publication_consented": False,
    }
    return {**body, **overrides}


def offering(code: str) -> dict[str, Any]:
    return {
        "support_kinds": ["consultation", "place_to_belong"],
        "targets": ["person", "family"],
        "age_bands": ["20_29", "30_39"],
        "municipality_codes": [code],
        "fee_yen": 0,
        "languages": ["ja"],
        "capacity": 10,
        "places_available": 3,
    }


async def activate(run: RecordingClient, nats_url: str, name: str, code: str) -> str:
    """Register, apply, have a member of staff complete the guideline training (published as the
    training service would), sign once partners has taken the completion in, publish an offering."""
    register, apply, sign = activation_steps(name, code, today())
    partner = ""
    for method, path, body, status in (register, apply):
        response = await run.call(method, path.format(partner=partner), status, json=body, headers=SUPERVISOR)
        partner = partner or str(response.json()["id"])
    completed = guideline_completed(partner, completed_on=date.fromisoformat(today()))
    await publish_raw(nats_url, completed.type, completed.to_json_bytes())

    async def trained() -> bool:
        r = await run.request("GET", f"/partners/{partner}/training", headers=SUPERVISOR)
        return r.status_code == 200 and r.json()["training"] is not None

    await wait_for(trained, timeout=20, interval=0.2, message="partners took in the guideline training")
    method, path, body, status = sign
    await run.call(method, path.format(partner=partner), status, json=body, headers=SUPERVISOR)
    await run.call("PUT", f"/partners/{partner}/offering", 200, json=offering(code), headers=SUPERVISOR)
    return partner


def poison_event() -> bytes:
    """A ``PersonErased`` as intake would send it, but with markers where ids belong: the consumer
    refuses it and dead-letters it, and must not repeat what it holds."""
    event = new_event(
        PersonErased(person_id=new_event_id(), erased_at=datetime.now(UTC), basis=ErasureBasis.PERSON_REQUEST)
    )
    envelope = json.loads(event.to_json_bytes())
    envelope["data"]["person_id"] = PERSONAL(3, "poison")
    envelope["data"]["case_ids"] = [PERSONAL(4, "poison")]
    return json.dumps(envelope, ensure_ascii=False).encode()


async def publish_raw(nats_url: str, subject: str, payload: bytes) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(subject, payload, headers={"Nats-Msg-Id": json.loads(payload)["id"]})
    finally:
        await nc.close()


async def scenario(run: RecordingClient, nats_url: str, poison: bytes) -> dict[str, str]:
    """Everything partners does with personal data, failures included; the public text it served."""
    partners: dict[int, str] = {}
    for i in range(ITEMS):
        code = code_of(i)
        staff = municipality_staff_of(code)
        await run.call(
            "PUT", f"/municipalities/{code}/network/status", 200, json=status_body(i), headers=staff
        )
        meeting = (
            await run.call(
                "POST", f"/municipalities/{code}/meetings", 201, json=meeting_body(i), headers=COUNSELLOR
            )
        ).json()
        follow_up = meeting["follow_ups"][0]["id"]
        await run.call(
            "POST",
            f"/municipalities/{code}/meetings/{meeting['id']}/follow-ups/{follow_up}/done",
            200,
            json={"done_on": today()},
            headers=COUNSELLOR,
        )
        await run.call("POST", "/resources", 201, json=listed_window(i), headers=staff)
        unlisted = (
            await run.call("POST", "/resources", 201, json=unlisted_resource(i), headers=COUNSELLOR)
        ).json()
        await run.call(
            "POST",
            f"/resources/{unlisted['id']}/outreach",
            201,
            json={
                "contacted_on": today(),
                "channel": "phone",
                "outcome": "interested",
                "note": PERSONAL(i, "outreach"),
            },
            headers=COUNSELLOR,
        )
        if i % 2 == 0:  # a candidate recruited from a resource that is not public
            await run.call("POST", f"/resources/{unlisted['id']}/recruitment", 201, headers=SUPERVISOR)
        await run.call(
            "POST",
            "/partners",
            201,
            json={"name": PERSONAL(i, "candidate"), "municipality_code": code},
            headers=SUPERVISOR,
        )
        partners[i] = await activate(run, nats_url, PUBLIC(i, "partner"), code)

    # Positive controls: staff read back what they wrote, in the width it was written.
    network = (
        await run.call(
            "GET", f"/municipalities/{CODES[1]}/network", 200, headers=municipality_staff_of(CODES[1])
        )
    ).json()
    assert PERSONAL(5, "contact") in json.dumps(network, ensure_ascii=False)  # Nerima's latest status
    meetings = (await run.call("GET", f"/municipalities/{CODES[2]}/meetings", 200, headers=COUNSELLOR)).json()
    assert {m["participants"][0]["name"] for m in meetings} == {
        PERSONAL(2, "participant"),
        PERSONAL(6, "participant"),
    }

    await failures(run, partners)
    await referrals(run, nats_url, partners)
    await publish_raw(nats_url, "tsunagu.intake.person.erased.v1", poison)
    return await public_text(run, partners)


async def failures(run: RecordingClient, partners: dict[int, str]) -> None:
    """Refusals, each carrying markers in what was sent."""
    bad = PERSONAL(7, "bad")
    shinjuku, nerima = CODES[0], CODES[1]
    nerima_staff = municipality_staff_of(nerima)
    # 422: validation, the schema's and the rules'.
    for body in (
        {**unlisted_resource(7), "municipality_code": "139999"},
        {**unlisted_resource(7), "unexpected": bad},
        {**unlisted_resource(7), "name": bad * 20},
        unlisted_resource(7, contact={"email": f"{PERSONAL(7, 'unlisted_email')}@example.jp"}),
        unlisted_resource(7, publication_consented=True),  # consent without its date
        unlisted_resource(7, publication_consented_on=today()),  # a date without consent
        unlisted_resource(
            7,
            opening_hours=[
                {"channel": "visit", "effective_from": "2024-04-01", "weekly": {"mon": [["17:00", "09:00"]]}}
            ],
        ),
    ):
        await run.call("POST", "/resources", 422, json=body, headers=COUNSELLOR)
    await run.call("GET", "/resources", 422, params={"municipality_code": bad}, headers=COUNSELLOR)
    await run.call("GET", "/public/directory", 422, params={"municipality_code": bad, "support_kind": bad})
    await run.call("GET", "/public/directory.json", 422, params={"target": bad})
    await run.call(
        "PUT",
        f"/municipalities/{shinjuku}/network/status",
        422,
        json={**status_body(7), "contacts": [{"name": bad * 10}]},
        headers=SUPERVISOR,
    )
    await run.call(
        "PUT",
        f"/municipalities/{shinjuku}/network/status",
        422,
        json={**status_body(7), "support_base": bad},
        headers=SUPERVISOR,
    )
    await run.call(
        "POST",
        f"/municipalities/{shinjuku}/meetings",
        422,
        json=meeting_body(7, held_on=days_from_today(3)),
        headers=COUNSELLOR,
    )
    await run.call(
        "POST",
        f"/municipalities/{shinjuku}/meetings",
        422,
        json=meeting_body(7, due_on=days_from_today(-30)),
        headers=COUNSELLOR,
    )
    await run.call(
        "POST",
        f"/municipalities/{shinjuku}/meetings",
        422,
        json={**meeting_body(7), "participants": [{"kind": bad, "name": bad}]},
        headers=COUNSELLOR,
    )
    await run.call("POST", "/partners", 422, json={"name": bad * 20}, headers=SUPERVISOR)
    await run.call("POST", "/partners", 422, json={"name": bad, "municipality_code": bad}, headers=SUPERVISOR)
    # 403: another municipality, another partner, a role that may not.
    await run.call(
        "PUT", f"/municipalities/{shinjuku}/network/status", 403, json=status_body(7), headers=nerima_staff
    )
    await run.call(
        "POST",
        "/resources",
        403,
        json={**listed_window(7), "municipality_code": shinjuku, "name": bad},
        headers=nerima_staff,
    )
    await run.call(
        "POST", "/resources", 403, json=unlisted_resource(7, municipality_code=nerima), headers=nerima_staff
    )
    await run.call("GET", f"/municipalities/{shinjuku}/meetings", 403, headers=nerima_staff)
    await run.call(
        "PUT",
        f"/partners/{partners[0]}/offering",
        403,
        json=offering(shinjuku),
        headers=partner_staff_of(partners[1]),
    )
    await run.call(
        "POST", f"/municipalities/{shinjuku}/meetings", 403, json=meeting_body(7), headers=nerima_staff
    )
    await run.call("POST", "/partners", 403, json={"name": bad}, headers=COUNSELLOR)
    await run.call("GET", f"/resources/{new_event_id()}/outreach", 403, headers=partner_staff_of(partners[1]))
    # 404: nothing there.
    await run.call("PUT", f"/resources/{new_event_id()}", 404, json=unlisted_resource(7), headers=COUNSELLOR)
    outreach = {"contacted_on": today(), "channel": "phone", "outcome": "other", "note": bad}
    await run.call("POST", f"/resources/{new_event_id()}/outreach", 404, json=outreach, headers=COUNSELLOR)
    await run.call(
        "POST",
        f"/municipalities/{shinjuku}/meetings/{new_event_id()}/follow-ups/{new_event_id()}/done",
        404,
        json={"done_on": today()},
        headers=COUNSELLOR,
    )
    # 409: a name taken (in the other width), a resource recruited twice.
    await run.call(
        "POST", "/partners", 409, json={"name": PERSONAL(1, "candidate", "half")}, headers=SUPERVISOR
    )
    twin = unlisted_resource(9, name=unicodedata.normalize("NFKC", PERSONAL(5, "candidate")))
    twin_id = (await run.call("POST", "/resources", 201, json=twin, headers=COUNSELLOR)).json()["id"]
    await run.call("POST", f"/resources/{twin_id}/recruitment", 409, headers=SUPERVISOR)
    once = (await run.call("POST", "/resources", 201, json=unlisted_resource(11), headers=COUNSELLOR)).json()[
        "id"
    ]
    await run.call("POST", f"/resources/{once}/recruitment", 201, headers=SUPERVISOR)
    await run.call("POST", f"/resources/{once}/recruitment", 409, headers=SUPERVISOR)
    await run.call(
        "POST",
        f"/resources/{once}/outreach",
        422,
        json={**outreach, "contacted_on": days_from_today(2)},
        headers=COUNSELLOR,
    )
    # Malformed JSON and an oversize body.
    broken = {**SUPERVISOR, "content-type": "application/json"}
    await run.call("POST", "/partners", 422, content=('{"name": "' + bad).encode(), headers=broken)
    await run.call(
        "POST", "/resources", 422, content=('{"kind": "npo", "name": "' + bad + '",').encode(), headers=broken
    )
    huge = {**unlisted_resource(7), "name": bad * 7000}
    await run.call("POST", "/resources", 413, json=huge, headers=COUNSELLOR)


async def referrals(run: RecordingClient, nats_url: str, partners: dict[int, str]) -> None:
    """Referrals to the partners, another partner refused on them, and an erasure from intake."""
    person = new_event_id()
    made: list[str] = []
    for i in (0, 1):
        body = {
            "case_id": new_event_id(),
            "person_id": person,
            "recipient": {"kind": "partner", "partner_id": partners[i]},
            "support_kind": "consultation",
        }
        made.append((await run.call("POST", "/referrals", 201, json=body, headers=COUNSELLOR)).json()["id"])
    await run.call("POST", f"/referrals/{made[0]}/accept", 200, headers=partner_staff_of(partners[0]))
    await run.call("GET", f"/referrals/{made[0]}", 403, headers=partner_staff_of(partners[2]))
    await run.call("POST", f"/referrals/{made[1]}/accept", 403, headers=partner_staff_of(partners[2]))
    untrained = partner_staff_of(partners[1], "untrained-staff")
    await run.call("POST", f"/referrals/{made[1]}/accept", 403, headers=untrained)  # staff_not_trained
    await run.call(
        "POST",
        f"/referrals/{made[1]}/decline",
        422,
        json={"reason": PERSONAL(7, "bad")},
        headers=partner_staff_of(partners[1]),
    )
    await run.call(
        "POST",
        f"/referrals/{made[1]}/decline",
        200,
        json={"reason": "no_capacity"},
        headers=partner_staff_of(partners[1]),
    )
    await run.call(
        "POST",
        f"/referrals/{made[1]}/outcome",
        409,
        json={"outcome": "connected", "outcome_on": today()},
        headers=partner_staff_of(partners[1]),
    )
    erased = new_event(
        PersonErased(person_id=person, erased_at=datetime.now(UTC), basis=ErasureBasis.PERSON_REQUEST)
    )
    await publish_raw(nats_url, erased.type, erased.to_json_bytes())

    async def forgotten() -> bool:
        r = await run.request("GET", f"/referrals/{made[0]}", headers=COUNSELLOR)
        return r.json()["person_id"] is None

    await wait_for(forgotten, timeout=20, interval=0.2, message="the erasure reached the referrals")


async def public_text(run: RecordingClient, partners: dict[int, str]) -> dict[str, str]:
    """The directory published, distributed, and everything public read: pages and PDFs."""
    edition = (await run.call("POST", "/directory/editions?force=true", 201, headers=SUPERVISOR)).json()
    number = edition["number"]
    for i in range(ITEMS):
        distribution = {
            "item": "leaflet",
            "municipality_code": code_of(i),
            "recipient": PERSONAL(i, "recipient"),
            "copies": 100 + i,
            "distributed_on": today(),
        }
        await run.call(
            "POST", f"/directory/editions/{number}/distributions", 201, json=distribution, headers=SUPERVISOR
        )
    await run.call(
        "POST",
        f"/directory/editions/{number}/distributions",
        422,
        json={
            "item": "memo",
            "municipality_code": CODES[0],
            "recipient": PERSONAL(7, "bad"),
            "copies": 1,
            "distributed_on": today(),
        },
        headers=SUPERVISOR,
    )
    await run.call(
        "POST",
        f"/directory/editions/{number + 1000}/distributions",
        404,
        json={"item": "memo", "recipient": PERSONAL(7, "bad"), "copies": 1, "distributed_on": today()},
        headers=SUPERVISOR,
    )
    kept = (
        await run.call("GET", f"/directory/editions/{number}/distributions", 200, headers=COUNSELLOR)
    ).json()
    assert {d["recipient"] for d in kept} == {PERSONAL(i, "recipient") for i in range(ITEMS)}

    public = httpx.AsyncClient(base_url=str(run.client.base_url), timeout=60)  # no credentials at all
    pages: list[str] = []
    pdfs: list[str] = []
    async with public:
        for params in (
            {},
            *({"municipality_code": code} for code in CODES),
            {"support_kind": "consultation"},
        ):
            for path in ("/public/directory", "/public/directory.json"):
                r = await public.get(path, params=params)
                assert r.status_code == 200, r.text
                pages.append(r.text)
        for area in ("tokyo", *CODES):
            r = await public.get(f"/public/editions/{number}/leaflets/{area}.pdf")
            assert r.status_code == 200
            pdfs.append(pdf_text(r.content))
        r = await public.get(f"/public/editions/{number}/memo.pdf")
        assert r.status_code == 200
        pdfs.append(pdf_text(r.content))
    # Text extraction breaks lines (and sometimes words) with white space: a marker is one word.
    return {"public pages": "\n".join(pages), "PDFs": re.sub(r"\s+", "", "".join(pdfs))}


@contextmanager
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database beside the test's, empty (the replay's partners starts from nothing)."""
    if is_postgres(database_url):
        with temporary_postgres_database(database_url) as url:
            yield url
    else:
        yield f"sqlite:///{(tmp_path / 'replayed.db').as_posix()}"


async def test_partners_keeps_personal_data_to_itself(
    nats_url: str,
    database_url: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("DEBUG")
    # The test's own HTTP client logs each URL it requests, markers of its bad queries included:
    # that is the test's input, not anything the service or the kit emitted.
    caplog.set_level("WARNING", logger="httpx")
    poison = poison_event()
    async with captured_service("partners", nats_url, database_url, tmp_path / "first", SETTINGS) as first:
        public = await scenario(first.http, nats_url, poison)
        await first.bus.wait_for_count(1, "tsunagu.dlq.", timeout=20)

    # The replay: partners' and intake's streams as exported, into a fresh broker and a fresh partners.
    exported = await export_streams(nats_url, ("TSUNAGU_PARTNERS", "TSUNAGU_INTAKE"))
    write_jsonl(tmp_path / "export.jsonl", exported)
    replayed_poison = {
        m.payload_bytes()
        for m in read_jsonl(tmp_path / "export.jsonl")
        if m.data.get("id") == json.loads(poison)["id"]
    }
    broker = NatsServerProcess(store_dir=tmp_path / "nats-replay" / "jetstream")
    broker.start()
    try:
        with fresh_database(database_url, tmp_path) as replay_db:
            async with captured_service(
                "partners", broker.url, replay_db, tmp_path / "replay", SETTINGS
            ) as replay:
                assert await replay_jsonl(tmp_path / "export.jsonl", broker.url) == len(exported)
                await replay.bus.wait_for_count(1, "tsunagu.dlq.", timeout=20)
                await wait_for(
                    lambda: "person forgotten on referrals" in replay.service.logs(),
                    timeout=20,
                    message="the replayed erasure consumed",
                )
    finally:
        broker.stop()

    excluded = {poison, *replayed_poison}
    channels: dict[str, str] = {}
    for name, run in (("", first), ("replay ", replay)):
        channels |= {
            f"{name}{channel}": text for channel, text in run.channels(except_payloads=excluded).items()
        }
        channels[f"{name}dead letters"] = bus_text(run.bus.matching("tsunagu.dlq."), except_payloads=excluded)
    captured_out, captured_err = capfd.readouterr()
    channels["test process"] = captured_out + captured_err + caplog.text

    # The captures are real: the run was seen by every channel searched, the poison was handled.
    logs, spans = channels["service log"], channels["spans"]
    assert first.service.returncode == 0, logs[-3000:]
    assert replay.service.returncode == 0, channels["replay service log"][-3000:]
    assert logs.count('"http.request"') > 150
    assert '"http.unhandled_exception"' not in logs
    assert "message dead-lettered" in logs
    assert "message dead-lettered" in channels["replay service log"]
    assert len(spans.splitlines()) > 150
    assert any(name.startswith("PUT /municipalities") for name in first.service.span_names())
    assert len(first.bus.matching("tsunagu.partners.")) > 50
    assert len(replay.bus.matching("tsunagu.partners.")) >= sum(
        1 for m in exported if m.subject.startswith("tsunagu.partners.")
    )
    dead = first.bus.matching("tsunagu.dlq.")
    assert [m.data for m in dead] == [poison]
    assert dead[0].headers["Tsunagu-Dlq-Subject"] == "tsunagu.intake.person.erased.v1"
    assert PERSONAL.find(poison.decode())  # what was left out of the search did carry markers
    assert {403, 404, 409, 413, 422} <= set(first.http.statuses)
    assert len(first.http.error_bodies) >= 40
    shown = set(PUBLIC.find(public["public pages"])) & set(PUBLIC.find(public["PDFs"]))
    consented = {PUBLIC.core(i, f) for i in range(ITEMS) for f in ("partner", "listed")}
    assert consented <= shown, sorted(consented - shown)

    assert_no_leaks(PERSONAL, {**channels, **public})
    assert_no_leaks(PUBLIC, channels)
