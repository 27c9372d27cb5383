"""Exports of scheduling's figures through the composition root: appointments and no-shows,
completed home visits, the expert team's reviews; CSV parsed back, JSON, exact and published."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

from tsunagu_scheduling.testing import (
    COUNSELLOR,
    EXPERT,
    NERIMA,
    SHINJUKU,
    SUPERVISOR,
    TRAINER,
    Service,
    bearer,
    case_escalated,
    home_visit_requested,
    new_uuid,
    tokyo,
)
from tsunagu_scheduling.testing import MON_2026_04_06_09_JST as APRIL_6

STAR = "＊"


async def export(service: Service, path: str, headers: dict[str, str], **query: object) -> list[list[str]]:
    r = await service.client.get(path, params={"fiscal_year": 2026, **query}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


def figures(rows: list[list[str]]) -> dict[tuple[str, str], list[str]]:
    out = {}
    for row in rows[3:]:
        if len(row) < 4:
            break
        out[row[0], row[1]] = row[3:]
    return out


async def test_appointments_booked_attended_missed_cancelled(service: Service) -> None:
    counsellor = await service.resource("counsellor", "C-01")
    room = await service.resource("room", "Room 1", capacity=4)
    people = [service.known_person() for _ in range(4)]
    made = []
    for n, person in enumerate(people):
        body = {
            "kind": "online" if n == 3 else "in_person",
            "person_id": person,
            "staff_id": counsellor,
            "room_id": None if n == 3 else room,
            "starts_at": tokyo(2026, 4, 8, 10 + n),
            "minutes": 60,
            "requested_via": "phone",
        }
        made.append(await service.post("/appointments", body, COUNSELLOR))
    may = {
        "kind": "in_person",
        "person_id": people[0],
        "staff_id": counsellor,
        "room_id": room,
        "starts_at": tokyo(2026, 5, 13, 10),
        "minutes": 60,
        "requested_via": "phone",
    }
    await service.post("/appointments", may, COUNSELLOR)
    await service.post(f"/appointments/{made[2]['id']}/cancel", {"reason": "person_request"}, COUNSELLOR)
    service.clock.advance(days=2, hours=6)  # Wednesday 8 April, 15:00
    await service.post(f"/appointments/{made[0]['id']}/attended", None, COUNSELLOR)
    await service.post(f"/appointments/{made[1]['id']}/no-show", None, COUNSELLOR)
    await service.post(f"/appointments/{made[3]['id']}/attended", None, COUNSELLOR)

    rows = await export(service, "/exports/appointments", SUPERVISOR)
    assert rows[0] == ["令和8年度 予約・無断キャンセルの状況"]
    assert rows[1] == ["対象", "東京都（全域）"]
    assert rows[2][3::2] == [
        "予約 実人数",
        "実施 実人数",
        "無断キャンセル（不参加） 実人数",
        "キャンセル 実人数",
        "予約中 実人数",
    ]
    counted = figures(rows)
    #                           booked    attended  missed    cancelled pending
    assert counted["合計", ""] == ["4", "5", "2", "2", "1", "1", "1", "1", "1", "1"]
    assert counted["月別", "2026-04"] == ["4", "4", "2", "2", "1", "1", "1", "1", "0", "0"]
    assert counted["月別", "2026-05"] == ["1", "1", "0", "0", "0", "0", "0", "0", "1", "1"]
    assert counted["種別", "online"] == ["1", "1", "1", "1", "0", "0", "0", "0", "0", "0"]
    assert counted["種別", "home_visit"] == ["0"] * 10

    published = figures(await export(service, "/exports/appointments/publication", EXPERT))
    assert published["合計", ""][:2] == ["4", "5"]
    assert published["合計", ""][2:] == [STAR] * 8
    j = await service.client.get(
        "/exports/appointments/publication", params={"fiscal_year": 2026, "format": "json"}, headers=TRAINER
    )
    document = j.json()
    assert document["published"] is True
    assert document["fiscal_year_label"] == "令和8年度"
    assert "missed_persons" in document["rows"][0]["suppressed"]
    assert (
        unquote(j.headers["content-disposition"].split("''")[1])
        == "予約・無断キャンセルの状況_令和8年度_公表用.json"
    )
    # Exact appointment figures are for the programme's staff; appointments have no municipality.
    for headers in (EXPERT, bearer("municipality_staff", subject="m-1", municipality=SHINJUKU)):
        r = await service.client.get("/exports/appointments", params={"fiscal_year": 2026}, headers=headers)
        assert r.status_code == 403


async def test_completed_home_visits_by_municipality_month_and_outcome(service: Service) -> None:
    a = await service.qualified_staff("C-01")
    b = await service.qualified_staff("C-02")
    visits = []
    for _ in range(3):
        person = new_uuid()
        service.deliver(home_visit_requested(person_id=person, visits=1))
        visits.extend(await service.get("/home-visits", person_id=person))
    for n, visit in enumerate(visits):
        await service.post(
            f"/home-visits/{visit['id']}/schedule",
            {"starts_at": tokyo(2026, 4, 8 + n, 10), "staff_ids": [a, b]},
            COUNSELLOR,
        )
    service.clock.advance(days=5)
    for visit, outcome in zip(visits[:2], ("met_person", "no_contact"), strict=True):
        await service.post(f"/home-visits/{visit['id']}/complete", {"outcome": outcome}, COUNSELLOR)

    rows = await export(service, "/exports/home-visits", COUNSELLOR)
    assert rows[0] == ["令和8年度 訪問支援の実施状況"]
    assert rows[2][3:] == ["訪問 実人数", "訪問 延べ回数"]
    counted = figures(rows)
    assert counted["合計", ""] == ["2", "2"]
    assert counted["市区町村別", SHINJUKU] == ["2", "2"]
    assert counted["市区町村別", NERIMA] == ["0", "0"]
    assert counted["月別", "2026-04"] == ["2", "2"]
    assert counted["結果別", "met_person"] == ["1", "1"]
    assert counted["結果別", "no_contact"] == ["1", "1"]
    assert len([k for k in counted if k[0] == "市区町村別"]) == 62

    published = figures(await export(service, "/exports/home-visits/publication", EXPERT))
    assert published["合計", ""] == [STAR, STAR]
    assert published["市区町村別", SHINJUKU] == [STAR, STAR]

    own = bearer("municipality_staff", subject="m-1", municipality=SHINJUKU)
    mine = await export(service, "/exports/home-visits", own)
    assert mine[1] == ["対象", f"新宿区（{SHINJUKU}）"]
    assert [k for k in figures(mine) if k[0] == "市区町村別"] == [("市区町村別", SHINJUKU)]
    other = bearer("municipality_staff", subject="m-2", municipality=NERIMA)
    assert figures(await export(service, "/exports/home-visits", other))["合計", ""] == ["0", "0"]
    r = await service.client.get(
        "/exports/home-visits", params={"fiscal_year": 2026, "municipality_code": SHINJUKU}, headers=other
    )
    assert r.status_code == 403


async def test_reviews_by_reason_discipline_and_advice(service: Service) -> None:
    for _ in range(4):
        service.deliver(case_escalated(escalated_at=APRIL_6))
    reviews = await service.get("/case-reviews")
    assert len(reviews) == 4
    advice = [
        [{"discipline": "medicine", "advice_codes": ["medical_assessment"]}],
        [
            {"discipline": "medicine", "advice_codes": ["medical_assessment"]},
            {"discipline": "welfare", "advice_codes": ["welfare_benefits", "family_support"]},
        ],
        [{"discipline": "medicine", "advice_codes": ["monitor"]}],
    ]
    for review, given in zip(reviews, advice, strict=False):
        await service.post(f"/case-reviews/{review['id']}/conclusion", {"advice": given}, EXPERT)

    rows = await export(service, "/exports/reviews", EXPERT)
    assert rows[0] == ["令和8年度 専門家チームによる事例検討"]
    counted = figures(rows)
    assert counted["合計", ""] == ["3", "3"]
    assert counted["月別", "2026-04"] == ["3", "3"]
    assert counted["検討理由別", "long_term_withdrawal"] == ["3", "3"]
    assert counted["助言した分野別", "medicine"] == ["3", "3"]
    assert counted["助言した分野別", "welfare"] == ["1", "1"]
    assert counted["助言内容別", "medical_assessment"] == ["2", "2"]
    assert counted["助言内容別", "family_support"] == ["1", "1"]
    assert counted["助言内容別", "legal_consultation"] == ["0", "0"]

    published = figures(await export(service, "/exports/reviews/publication", TRAINER))
    assert published["合計", ""] == ["3", "3"]
    assert published["助言した分野別", "welfare"] == [STAR, STAR]
    assert published["助言した分野別", "medicine"] == [STAR, STAR]  # its complement
    assert published["助言内容別", "medical_assessment"] == [STAR, STAR]
    own = bearer("municipality_staff", subject="m-1", municipality=SHINJUKU)
    assert figures(await export(service, "/exports/reviews/publication", own))["合計", ""] == ["3", "3"]


async def test_session_attendance_by_month_and_kind(service: Service) -> None:
    from .test_session_roll import STARTS, mark, seated, seminar

    made = await seminar(service, capacity=3)
    came, absent, cancelled = await seated(service, made["id"], 3)
    [waiting] = await seated(service, made["id"], 1)
    await service.post(f"/sessions/{made['id']}/registrations/{cancelled['id']}/cancel", {}, COUNSELLOR)
    # The waitlisted person took the freed seat; one more now waits and never leaves the list.
    [still_waiting] = await seated(service, made["id"], 1)
    service.clock.set(STARTS)
    assert (await mark(service, made["id"], came["id"], "present")).status_code == 200
    assert (await mark(service, made["id"], absent["id"], "absent")).status_code == 200

    exact = figures(await export(service, "/exports/session-attendance", COUNSELLOR))
    header = (await export(service, "/exports/session-attendance", COUNSELLOR))[2]
    assert header[3:] == [
        f"{m} {c}"
        for m in ("申込", "参加", "不参加", "キャンセル", "キャンセル待ちのまま", "未記録")
        for c in ("実人数", "延べ件数")
    ]
    # held 5; came 1, absent 1, cancelled 1, still waitlisted 1, not recorded 1 (the promoted one)
    assert exact["合計", ""] == ["5", "5", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1"]
    assert exact["種別", "family_seminar"][:2] == ["5", "5"]
    assert exact["月別", "2026-04"][:2] == ["5", "5"]
    assert waiting["status"] == "waitlisted"
    assert still_waiting["status"] == "waitlisted"
    published = figures(await export(service, "/exports/session-attendance/publication", EXPERT))
    assert published["合計", ""][:2] == ["5", "5"]
    assert published["合計", ""][2:] == [STAR] * 10
    r = await service.client.get("/exports/session-attendance", params={"fiscal_year": 2026}, headers=EXPERT)
    assert r.status_code == 403
