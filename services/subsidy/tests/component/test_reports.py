"""The budget report and the accounting office's ledger, as JSON and as CSV parsed back."""

from __future__ import annotations

import csv
import io

from tsunagu_servicekit.testing.service import SHINJUKU
from tsunagu_subsidy.handlers.reports import LEDGER_COLUMNS
from tsunagu_subsidy.testing import (
    APPROVER,
    MUNICIPAL,
    REPORT_DOCUMENTS,
    REVIEWER,
    SubsidyService,
    granted_application,
    municipal,
    post_ok,
    record_start,
)

SHIBUYA = "131130"


async def test_the_ledger_csv_opens_in_excel_with_its_columns_and_totals(service: SubsidyService) -> None:
    await record_start(service.client)
    await record_start(service.client, SHIBUYA)
    shinjuku = await granted_application(service.client)  # 1,700,000
    shibuya = await granted_application(service.client, SHIBUYA, personnel=2_000_000, travel=0)  # 1,000,000
    path = f"/applications/{shinjuku['id']}"
    await post_ok(
        service.client, f"{path}/payments/advance", {"amount": 500_000, "paid_on": "2025-07-01"}, REVIEWER
    )
    await post_ok(
        service.client,
        f"{path}/report",
        {"actual": {"personnel": 3_000_000}, "documents": REPORT_DOCUMENTS},
        MUNICIPAL,
    )
    await post_ok(service.client, f"{path}/confirmation", {}, APPROVER)  # 1,500,000
    await post_ok(
        service.client, f"{path}/payments/balance", {"paid_on": "2026-05-20"}, REVIEWER
    )  # 1,000,000
    assert shibuya["decided_amount"] == 1_000_000

    response = await service.client.get("/exports/2025/ledger.csv", headers=APPROVER)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="subsidy-ledger-2025.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0].keys()) == LEDGER_COLUMNS
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["entry"]] = totals.get(row["entry"], 0) + int(row["amount"])
    assert totals == {
        "decision": 1_700_000 + 1_000_000,
        "confirmation": 1_500_000,
        "payment_advance": 500_000,
        "payment_balance": 1_000_000,
    }
    names = {row["municipality_code"]: row["municipality_name"] for row in rows}
    assert names == {SHINJUKU: "新宿区", SHIBUYA: "渋谷区"}
    assert {row["fiscal_year_label"] for row in rows} == {"令和7年度"}
    balance = next(row for row in rows if row["entry"] == "payment_balance")
    assert (balance["on"], balance["on_ja"]) == ("2026-05-20", "令和8年5月20日")

    as_json = (await service.client.get("/exports/2025/ledger.json", headers=REVIEWER)).json()
    assert [(e["entry"], e["amount"]) for e in as_json] == [(r["entry"], int(r["amount"])) for r in rows]

    report = (await service.client.get("/budget/2025", headers=REVIEWER)).json()
    assert report["programme_total"] == 384_000_000
    assert report["figures"]["committed"] == 1_500_000 + 1_000_000
    assert report["figures"]["paid"] == totals["payment_advance"] + totals["payment_balance"]
    by_code = {m["municipality_code"]: m for m in report["municipalities"]}
    assert (by_code[SHINJUKU]["status"], by_code[SHIBUYA]["status"]) == ("closed", "decided")


async def test_reports_are_the_offices_and_a_year_without_budget_is_named(service: SubsidyService) -> None:
    for path in ("/budget/2025", "/exports/2025/ledger.csv", "/exports/2025/ledger.json"):
        response = await service.client.get(path, headers=municipal(SHINJUKU))
        assert response.status_code == 403
    missing = await service.client.get("/budget/2030", headers=APPROVER)
    assert missing.status_code == 422
    assert missing.json()["rule"] == "budget_not_set"
