from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter, ValidationError
from tsunagu_servicekit.http import create_http_app
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.wire import IsoDate, IsoDateTime, JsonBool, JsonFloat, JsonInt

DATETIME = TypeAdapter(IsoDateTime)
DATE = TypeAdapter(IsoDate)
TOKYO = timezone(timedelta(hours=9))


class Slot(BaseModel):
    starts_at: IsoDateTime
    day: IsoDate | None = None
    seats: JsonInt = 1


router = APIRouter()


@router.get("/sessions")
async def sessions(starts_from: Annotated[IsoDateTime | None, Query()] = None) -> dict[str, str | None]:
    return {"starts_from": starts_from.isoformat() if starts_from else None}


@router.post("/slots")
async def slots(slot: Slot) -> Slot:
    return slot


def _error_type(adapter: TypeAdapter[object], value: object, *, json: bool = False) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_json(value) if json else adapter.validate_python(value)  # type: ignore[arg-type]  # json input is str
    return str(caught.value.errors()[0]["type"])


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (0.5, "datetime_type"),
        (1_700_000_000, "datetime_type"),
        (True, "datetime_type"),
        ("0.5", "datetime_parsing"),
        ("1700000000", "datetime_parsing"),
        ("2025-05-01", "datetime_parsing"),
        ("2025-05-01 10:00:00Z", "datetime_parsing"),
        ("2025-05-01T10:00:00", "timezone_aware"),
        ("9999-12-31T23:59:59-23:59", "datetime_range"),
    ],
)
def test_a_date_time_is_an_aware_iso_string_only(value: object, error: str) -> None:
    assert _error_type(DATETIME, value) == error


def test_json_numbers_are_refused_too() -> None:
    assert _error_type(DATETIME, "0.5", json=True) == "datetime_type"
    assert _error_type(DATE, "20250501", json=True) == "date_type"


def test_a_date_time_is_kept_in_utc() -> None:
    assert DATETIME.validate_python("2025-05-01T10:00:00+09:00") == datetime(2025, 5, 1, 1, tzinfo=UTC)
    assert DATETIME.validate_python("2025-05-01T01:00:00.250Z") == datetime(
        2025, 5, 1, 1, 0, 0, 250000, tzinfo=UTC
    )
    parsed = DATETIME.validate_python(datetime(2025, 5, 1, 10, tzinfo=TOKYO))
    assert parsed.tzinfo is UTC
    assert parsed == datetime(2025, 5, 1, 1, tzinfo=UTC)
    assert _error_type(DATETIME, datetime(2025, 5, 1, 10)) == "timezone_aware"


def test_a_date_is_an_iso_string_only() -> None:
    assert DATE.validate_python("2025-05-01") == date(2025, 5, 1)
    assert DATE.validate_python(date(2025, 5, 1)) == date(2025, 5, 1)
    assert _error_type(DATE, 0) == "date_type"
    assert _error_type(DATE, "0") == "date_parsing"
    assert _error_type(DATE, "2025-05-01T00:00:00Z") == "date_parsing"
    assert _error_type(DATE, datetime(2025, 5, 1, tzinfo=UTC)) == "date_type"


def test_the_json_schema_is_still_an_iso_string() -> None:
    assert DATETIME.json_schema() == {"type": "string", "format": "date-time"}
    assert DATE.json_schema() == {"type": "string", "format": "date"}


def test_over_http_numbers_are_refused_in_the_query_and_the_body(tmp_path: Path) -> None:
    app = create_http_app(settings=ServiceSettings(data_dir=tmp_path), title="Dates", routers=[router])
    with TestClient(app) as c:
        refused = c.get("/sessions", params={"starts_from": "0.5"})
        assert refused.status_code == 422
        assert refused.json()["errors"] == [{"loc": "query.starts_from", "type": "datetime_parsing"}]

        accepted = c.get("/sessions", params={"starts_from": "2025-05-01T10:00:00+09:00"})
        assert accepted.json() == {"starts_from": "2025-05-01T01:00:00+00:00"}

        body = c.post("/slots", json={"starts_at": 1_746_061_200, "day": 20250501, "seats": True})
        assert body.status_code == 422
        assert body.json()["errors"] == [
            {"loc": "body.starts_at", "type": "datetime_type"},
            {"loc": "body.day", "type": "date_type"},
            {"loc": "body.seats", "type": "int_type"},
        ]
        created = c.post(
            "/slots", json={"starts_at": "2025-05-01T10:00:00+09:00", "day": "2025-05-01", "seats": 2.0}
        )
        assert created.json() == {"starts_at": "2025-05-01T01:00:00Z", "day": "2025-05-01", "seats": 2}


@pytest.mark.parametrize(
    ("adapter", "accepted", "refused"),
    [
        (
            TypeAdapter(JsonInt),
            [(19, 19), (19.0, 19), (-3, -3)],
            [(True, "int_type"), ("19", "int_type"), (19.5, "int_from_float")],
        ),
        (
            TypeAdapter(JsonFloat),
            [(1.5, 1.5), (2, 2.0)],
            [(False, "float_type"), ("1.5", "float_type"), (float("nan"), "finite_number")],
        ),
        (TypeAdapter(JsonBool), [(True, True), (False, False)], [(1, "bool_type"), ("true", "bool_type")]),
    ],
)
def test_body_scalars_take_what_json_schema_says(
    adapter: TypeAdapter[object], accepted: list[tuple[object, object]], refused: list[tuple[object, str]]
) -> None:
    for value, expected in accepted:
        assert adapter.validate_python(value) == expected
    for value, error in refused:
        assert _error_type(adapter, value) == error


def test_body_scalars_keep_their_json_schema() -> None:
    assert TypeAdapter(JsonInt).json_schema() == {"type": "integer"}
    assert TypeAdapter(JsonFloat).json_schema() == {"type": "number"}
    assert TypeAdapter(JsonBool).json_schema() == {"type": "boolean"}
