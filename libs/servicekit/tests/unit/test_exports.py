"""Exports: suppression, the table as CSV (BOM, CRLF, injection guard) and JSON, 令和 labels, and
the HTTP response with its download name. No I/O beyond an in-process app."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import unquote

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient
from tsunagu_servicekit.exports import (
    SUPPRESSED,
    SUPPRESSED_MARKER,
    Column,
    Count,
    ExportTable,
    Figures,
    InconsistentCounts,
    Measure,
    Section,
    exact_table,
    month_rows,
    neutralise,
    published_table,
    suppressed_cells,
    to_csv,
    to_document,
)
from tsunagu_servicekit.exports.http import EXPORT_RESPONSES, ExportFormat, ExportFormatQuery, export_response


def parse(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def figures(fy: int = 2025) -> Figures:
    months = month_rows(fy)
    return Figures(
        title="テスト実績",
        fiscal_year=fy,
        scope="東京都（全域）",
        measures=[Measure("calls", "電話"), Measure("visits", "訪問")],
        totals={"calls": Count(7, 9), "visits": Count(5, 5)},
        sections=[
            Section(
                "month",
                "月別",
                months,
                {
                    "calls": {months[0][0]: Count(1, 1), months[1][0]: Count(6, 8)},
                    "visits": {months[0][0]: Count(5, 5)},
                },
            ),
            Section("kind", "種別", [("a", "=cmd"), ("b", "普通")], {"calls": {"a": Count(7, 9)}}),
        ],
    )


# -- suppression ----------------------------------------------------------------------------------


def test_small_cells_and_their_complement_are_suppressed() -> None:
    group = {"a": Count(1, 1), "b": Count(4, 5), "c": Count(3, 3), "d": Count(0, 0)}
    assert suppressed_cells(group, Count(8, 9), 3) == ["a", "c"]
    assert suppressed_cells({"a": Count(3, 3), "b": Count(4, 4)}, Count(7, 7)) == []


def test_a_small_total_hides_only_the_small_cells() -> None:
    assert suppressed_cells({"a": Count(2, 2), "b": Count(0, 0)}, Count(2, 2)) == ["a"]


def test_a_breakdown_of_small_cells_under_a_large_total_is_withheld_whole() -> None:
    group = {"a": Count(1, 1), "b": Count(2, 2), "c": Count(0, 0)}
    assert suppressed_cells(group, Count(3, 3)) == ["a", "b", "c"]


def test_counts_no_records_give_are_refused() -> None:
    with pytest.raises(InconsistentCounts):
        suppressed_cells({"a": Count(3, 3)}, Count(3, 4))
    with pytest.raises(InconsistentCounts):
        suppressed_cells({"a": Count(2, 1)}, Count(2, 1))
    with pytest.raises(ValueError, match="at least 2"):
        suppressed_cells({}, Count(), 1)


def test_overlapping_breakdowns_are_not_held_to_the_total() -> None:
    # One review with two reasons counts in both rows: the rows add up to more than the total.
    group = {"a": Count(4, 4), "b": Count(3, 3), "c": Count(1, 1)}
    with pytest.raises(InconsistentCounts):
        suppressed_cells(group, Count(4, 4))
    assert suppressed_cells(group, Count(4, 4), exclusive=False) == ["c", "b"]


# -- the table -----------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_and_crlf_and_parses_back() -> None:
    body = to_csv(exact_table(figures()))
    assert body.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in body
    assert b"\n" not in body.replace(b"\r\n", b"")
    rows = parse(body)
    assert rows[0] == ["令和7年度 テスト実績"]
    assert rows[1] == ["対象", "東京都（全域）"]
    assert rows[2] == [
        "区分",
        "コード",
        "項目",
        "電話 実人数",
        "電話 延べ件数",
        "訪問 実人数",
        "訪問 延べ件数",
    ]
    assert rows[3] == ["合計", "", "合計", "7", "9", "5", "5"]
    assert rows[4] == ["月別", "2025-04", "令和7年4月", "1", "1", "5", "5"]
    assert rows[5] == ["月別", "2025-05", "令和7年5月", "6", "8", "0", "0"]
    assert rows[15] == ["月別", "2026-03", "令和8年3月", "0", "0", "0", "0"]
    # A measure a section does not count is blank; a label that looks like a formula is inert.
    assert rows[16] == ["種別", "a", "'=cmd", "7", "9", "", ""]


@pytest.mark.parametrize("text", ["=1+1", "+81", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_a_spreadsheet_would_run_is_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text
    table = ExportTable(
        title="t", fiscal_year=2025, fiscal_year_label="令和7年度", scope="s",
        columns=[Column("label", "項目"), Column("n", "件数")], rows=[[text, -1]],
    )  # fmt: skip
    rows = parse(to_csv(table))
    assert rows[-1] == ["'" + text, "-1"]  # a negative count is a number, not text
    assert to_document(table).rows[0].values == {"label": text, "n": -1}


def test_published_table_marks_suppressed_cells_and_explains_them() -> None:
    table = published_table(figures(), 3)
    rows = parse(to_csv(table))
    assert rows[3] == ["合計", "", "合計", "7", "9", "5", "5"]
    # April's single caller is hidden, and May (the only other non-zero month) with it.
    assert rows[4][3:5] == [SUPPRESSED_MARKER] * 2
    assert rows[5][3:5] == [SUPPRESSED_MARKER] * 2
    assert rows[4][5:] == ["5", "5"]
    assert rows[-1][0].startswith("＊ 秘匿")
    document = to_document(table)
    assert document.published
    assert document.min_persons == 3
    assert document.rows[1].suppressed == ["calls_persons", "calls_records"]
    assert document.rows[1].values["calls_persons"] is None


def test_a_small_total_is_suppressed() -> None:
    small = Figures("t", 2025, "s", [Measure("m", "件")], {"m": Count(2, 2)}, [])
    assert published_table(small).rows[0][3:] == [SUPPRESSED, SUPPRESSED]
    assert exact_table(small).rows[0][3:] == [2, 2]


def test_only_a_published_table_holds_suppressed_cells() -> None:
    with pytest.raises(ValueError, match="published"):
        ExportTable("t", 2025, "令和7年度", "s", [Column("n", "件数")], [[SUPPRESSED]])


@pytest.mark.parametrize(
    ("fy", "label", "first_month"),
    [
        (2019, "令和元年度", "平成31年4月"),
        (2020, "令和2年度", "令和2年4月"),
        (2025, "令和7年度", "令和7年4月"),
    ],
)
def test_fiscal_year_labels_in_the_era(fy: int, label: str, first_month: str) -> None:
    table = exact_table(figures(fy))
    assert table.fiscal_year_label == label
    assert parse(to_csv(table))[0] == [f"{label} テスト実績"]
    assert month_rows(fy)[0][1] == first_month
    if fy == 2019:
        assert month_rows(fy)[1][1] == "令和元年5月"


# -- over HTTP -----------------------------------------------------------------------------------


def app() -> FastAPI:
    router = APIRouter()

    @router.get("/exports/test", responses=EXPORT_RESPONSES)
    def export(fmt: ExportFormatQuery = ExportFormat.CSV) -> Response:
        return export_response(published_table(figures(2019)), fmt, name="test")

    api = FastAPI()
    api.include_router(router)
    return api


def test_response_as_csv_or_json_with_a_japanese_download_name() -> None:
    client = TestClient(app())
    r = client.get("/exports/test")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf")
    disposition = r.headers["content-disposition"]
    assert 'filename="tsunagu-test-fy2019-published.csv"' in disposition
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "テスト実績_令和元年度_公表用.csv"
    assert disposition.isascii()
    j = client.get("/exports/test?format=json")
    assert j.headers["content-type"] == "application/json"
    assert j.json()["fiscal_year_label"] == "令和元年度"
    assert "filename*=UTF-8''" in j.headers["content-disposition"]
    assert json.loads(j.content)["rows"][0]["values"]["section"] == "合計"
    assert client.get("/exports/test?format=xlsx").status_code == 422


def test_openapi_documents_both_media_types_and_the_format() -> None:
    operation = app().openapi()["paths"]["/exports/test"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    assert content["application/json"]["schema"]["$ref"].endswith("/ExportDocument")
    (param,) = operation["parameters"]
    assert param["name"] == "format"


def test_tallies_count_distinct_persons_and_records_per_row() -> None:
    from tsunagu_servicekit.exports import Tallies

    tallies = Tallies()
    tallies.add("p1", ["booked", "attended"], {"month": "2025-04", "reason": ["a", "b", "a"]})
    tallies.add("p1", ["booked"], {"month": "2025-04", "reason": ["a"]})
    tallies.add("p2", ["booked"], {"month": "2025-05", "reason": []})
    assert tallies.totals(["booked", "attended"]) == {"booked": Count(2, 3), "attended": Count(1, 1)}
    assert tallies.count("booked", "month", "2025-04") == Count(1, 2)
    assert tallies.count("booked", "reason", "a") == Count(1, 2)  # once per record, however often listed
    section = tallies.section(
        "reason", "理由別", [("a", "A"), ("b", "B"), ("c", "C")], ["booked"], exclusive=False
    )
    assert section.counts["booked"] == {"a": Count(1, 2), "b": Count(1, 1), "c": Count(0, 0)}
    assert not section.exclusive
