"""Exports of intake's figures through the composition root: the statistics, reply-time compliance
and phone calls outside the line's hours, as CSV parsed back and as JSON, exact and published."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from urllib.parse import unquote

from tsunagu_intake.testing import (
    CHIYODA,
    COUNSELLOR,
    EXPERT,
    NERIMA,
    SHINJUKU,
    SUPERVISOR,
    IntakeService,
    municipality_staff,
)
from tsunagu_servicekit.testing import SettableClock

HINOHARA = "133078"
STAR = "＊"


async def consult(service: IntakeService, **body: object) -> dict:
    r = await service.client.post("/consultations", json=body, headers=COUNSELLOR)
    assert r.status_code == 201, r.text
    return r.json()


async def export(
    service: IntakeService, path: str, headers: dict[str, str], **query: object
) -> list[list[str]]:
    r = await service.client.get(path, params={"fiscal_year": 2025, **query}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"\xef\xbb\xbf")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


def body_rows(rows: list[list[str]]) -> dict[tuple[str, str], list[str]]:
    """``(section, code) -> figures`` of the rows below the header (the third line)."""
    out = {}
    for row in rows[3:]:
        if len(row) < 4:
            break
        out[row[0], row[1]] = row[3:]
    return out


async def some_consultations(service: IntakeService, clock: SettableClock) -> None:
    """FY2025: 3 persons of Nerima by phone (one twice), 4 of Shinjuku by e-mail, one of Hinohara."""
    clock.set(datetime(2026, 4, 10, 3, 0, tzinfo=UTC))
    first = None
    for n in range(3):
        made = await consult(
            service,
            channel="phone",
            consulter="family",
            person={"nickname": f"nerima-{n}"},
            municipality_code=NERIMA,
            received_at="2025-05-12T11:00:00+09:00",
        )
        first = first or made
    assert first is not None
    await consult(
        service,
        channel="phone",
        consulter="person",
        person_id=first["person_id"],
        municipality_code=NERIMA,
        received_at="2025-06-01T20:30:00+09:00",  # a Sunday evening: the line is closed
    )
    for n in range(4):
        await consult(
            service,
            channel="email",
            consulter="person",
            person={"nickname": f"shinjuku-{n}"},
            municipality_code=SHINJUKU,
            received_at="2025-05-12T10:00:00+09:00",
        )
    await consult(
        service,
        channel="phone",
        consulter="family",
        person={"nickname": "hinohara"},
        municipality_code=HINOHARA,
        received_at="2025-07-01T09:00:00+09:00",  # Tuesday, before the line opens
    )


async def test_statistics_csv_holds_the_figures_of_the_json_report(
    service: IntakeService, clock: SettableClock
) -> None:
    await some_consultations(service, clock)
    rows = await export(service, "/exports/statistics", SUPERVISOR)
    assert rows[0] == ["令和7年度 相談実績"]
    assert rows[1] == ["対象", "東京都（全域）"]
    assert rows[2][:5] == ["区分", "コード", "項目", "相談 実人数", "相談 延べ件数"]
    figures = body_rows(rows)
    report = (await service.client.get("/statistics?fiscal_year=2025", headers=SUPERVISOR)).json()
    assert figures["合計", ""][:2] == [str(report["total"]["persons"]), str(report["total"]["consultations"])]
    assert figures["合計", ""][:2] == ["8", "9"]
    sections = {
        "相談経路別": "by_channel",
        "相談者別": "by_consulter",
        "市区町村別": "by_municipality",
        "月別": "by_month",
    }
    for (section, code), values in figures.items():
        if section in sections:
            tally = report[sections[section]][code]
            assert values[:2] == [str(tally["persons"]), str(tally["consultations"])], (section, code)
        if section in ("市区町村別", "月別", "支援方法別"):
            group = {"市区町村別": "by_municipality", "月別": "by_month", "支援方法別": "by_modality"}[
                section
            ]
            tally = report["contacts"][group][code]
            assert values[2:] == [str(tally["persons"]), str(tally["contacts"])], (section, code)
    assert figures["相談経路別", "phone"][:2] == ["4", "5"]
    assert figures["市区町村別", NERIMA] == ["3", "4", "3", "4"]
    assert figures["相談経路別", "email"][2:] == ["", ""]  # contacts have no channel
    assert len([key for key in figures if key[0] == "市区町村別"]) == 62

    j = await service.client.get(
        "/exports/statistics", params={"fiscal_year": 2025, "format": "json"}, headers=SUPERVISOR
    )
    document = j.json()
    assert document["fiscal_year_label"] == "令和7年度"
    assert document["published"] is False
    assert document["rows"][0]["values"]["consultations_persons"] == 8
    disposition = j.headers["content-disposition"]
    assert 'filename="tsunagu-statistics-fy2025.json"' in disposition
    assert unquote(disposition.split("''")[1]) == "相談実績_令和7年度.json"
    # The existing JSON report is unchanged by the exports.
    assert set(report) >= {"fiscal_year", "label", "total", "by_channel", "contacts"}


async def test_published_statistics_mark_what_the_json_publication_suppresses(
    service: IntakeService, clock: SettableClock
) -> None:
    await some_consultations(service, clock)
    rows = await export(service, "/exports/statistics/publication", EXPERT)
    published = (await service.client.get("/statistics/publication?fiscal_year=2025", headers=EXPERT)).json()
    figures = body_rows(rows)
    assert published["by_municipality"][HINOHARA]["suppressed"] is True
    assert figures["市区町村別", HINOHARA][:2] == [STAR, STAR]
    sections = {
        "相談経路別": "by_channel",
        "相談者別": "by_consulter",
        "市区町村別": "by_municipality",
        "月別": "by_month",
    }
    for (section, code), values in figures.items():
        if section in sections:
            cell = published[sections[section]][code]
            expected = (
                [STAR, STAR] if cell["suppressed"] else [str(cell["persons"]), str(cell["consultations"])]
            )
            assert values[:2] == expected, (section, code)
    assert any(STAR in line[0] and "秘匿" in line[0] for line in rows[-2:])
    # Exact figures are not for the expert team; the published ones are.
    r = await service.client.get("/exports/statistics", params={"fiscal_year": 2025}, headers=EXPERT)
    assert r.status_code == 403


async def test_municipality_staff_export_their_own_municipality_only(
    service: IntakeService, clock: SettableClock
) -> None:
    await some_consultations(service, clock)
    staff = municipality_staff(NERIMA)
    rows = await export(service, "/exports/statistics", staff)
    assert rows[1] == ["対象", f"練馬区（{NERIMA}）"]
    figures = body_rows(rows)
    assert figures["合計", ""][:2] == ["3", "4"]
    assert [key for key in figures if key[0] == "市区町村別"] == [("市区町村別", NERIMA)]
    for path in ("/exports/statistics", "/exports/reply-times/publication", "/exports/outside-hours-calls"):
        other = await service.client.get(
            path, params={"fiscal_year": 2025, "municipality_code": CHIYODA}, headers=staff
        )
        assert other.status_code == 403, path


async def test_reply_times_by_month_and_emergency(service: IntakeService, clock: SettableClock) -> None:
    # Received Monday 2025-05-12 10:00: due Thursday 2025-05-15 17:15 (three business days).
    clock.set(datetime(2025, 5, 12, 1, 0, tzinfo=UTC))
    made = [
        await consult(
            service,
            channel="email",
            consulter="person",
            person={"nickname": f"mail-{n}"},
            municipality_code=SHINJUKU,
            received_at="2025-05-12T10:00:00+09:00",
        )
        for n in range(4)
    ]
    r = await service.client.post(
        "/web/registrations", json={"password": "correct horse battery", "nickname": "ﾊﾅｺ"}
    )
    number = r.json()["user_number"]
    login = await service.client.post(
        "/web/sessions", json={"user_number": number, "password": "correct horse battery"}
    )
    user = {"Authorization": f"Bearer {login.json()['access_token']}"}
    urgent = await service.client.post("/web/consultations", json={"body": "もうｼﾆﾀｲです"}, headers=user)
    assert urgent.json()["triage"] == "emergency"

    async def reply(consultation_id: str, at: datetime) -> None:
        clock.set(at)
        r = await service.client.post(
            f"/consultations/{consultation_id}/replies",
            # Staff recorded some of these e-mails: their writers have no login, and are answered by mail.
            json={"body": "お返事です", "sent_outside": True},
            headers=COUNSELLOR,
        )
        assert r.status_code == 201, r.text

    await reply(made[0]["consultation_id"], datetime(2025, 5, 13, 1, 0, tzinfo=UTC))  # on time
    await reply(made[1]["consultation_id"], datetime(2025, 5, 15, 8, 15, tzinfo=UTC))  # at the due time
    await reply(made[2]["consultation_id"], datetime(2025, 5, 16, 1, 0, tzinfo=UTC))  # late
    clock.set(datetime(2025, 5, 20, 1, 0, tzinfo=UTC))  # made[3] and the emergency: overdue
    rows = await export(service, "/exports/reply-times", SUPERVISOR)
    assert rows[0] == ["令和7年度 メール相談の返信期限遵守状況"]
    assert rows[2] == ["集計時点", "2025-05-20 10:00"]
    headers = rows[3]
    assert headers[3::2] == [
        "受付 実人数",
        "期限内に返信 実人数",
        "期限後に返信 実人数",
        "未返信（期限超過） 実人数",
        "未返信（期限内） 実人数",
    ]
    by_row = {(row[0], row[1]): row[4::2] for row in rows[4:] if len(row) > 4}  # 延べ件数
    assert by_row["合計", ""] == ["5", "2", "1", "2", "0"]
    assert by_row["受付月別", "2025-05"] == ["5", "2", "1", "2", "0"]
    assert by_row["受付月別", "2025-04"] == ["0"] * 5
    assert by_row["緊急度別", "emergency"] == ["1", "0", "0", "1", "0"]
    assert by_row["緊急度別", "other"] == ["4", "2", "1", "1", "0"]

    published = await export(service, "/exports/reply-times/publication", SUPERVISOR)
    shown = {(row[0], row[1]): row[3:] for row in published[4:] if len(row) > 4}
    assert shown["緊急度別", "emergency"][:2] == [STAR, STAR]
    assert shown["合計", ""][:2] == ["5", "5"]


async def test_phone_calls_outside_the_line_hours(service: IntakeService, clock: SettableClock) -> None:
    await some_consultations(service, clock)
    rows = await export(service, "/exports/outside-hours-calls", COUNSELLOR)
    assert rows[0] == ["令和7年度 時間外の電話相談"]
    assert rows[2][3:] == [
        "電話相談 実人数",
        "電話相談 延べ件数",
        "うち受付時間外 実人数",
        "うち受付時間外 延べ件数",
    ]
    figures = body_rows(rows)
    assert figures["合計", ""] == ["4", "5", "2", "2"]
    assert figures["月別", "2025-06"] == ["1", "1", "1", "1"]
    assert figures["月別", "2025-07"] == ["1", "1", "1", "1"]
    assert figures["月別", "2025-05"] == ["3", "3", "0", "0"]
    assert figures["曜日別", "6"] == ["1", "1", "1", "1"]  # Sunday
    assert figures["曜日別", "0"] == ["3", "3", "0", "0"]  # Monday, during hours
    assert figures["時間帯別", "20-24"] == ["1", "1", "1", "1"]
    assert figures["時間帯別", "06-10"] == ["1", "1", "1", "1"]
    assert figures["時間帯別", "10-17"] == ["3", "3", "0", "0"]
    published = body_rows(await export(service, "/exports/outside-hours-calls/publication", COUNSELLOR))
    assert published["合計", ""] == ["4", "5", STAR, STAR]
