"""The contract harness on a sample app: it passes an honest app, and finds what was planted.

No ``from __future__ import annotations`` here: the sample app's routes are built inside a factory,
and FastAPI resolves string annotations against module globals only.
"""

import asyncio
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi import Path as PathParam
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Authenticator, Principal, create_http_app, current_principal, require
from tsunagu_servicekit.http.openapi import refusals
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.testing.contract import ContractReport, check_http_contract
from tsunagu_servicekit.wire import IsoDateTime, JsonInt

SECRET = "contract-test-secret-that-is-long-enough-0123456789"
AUTH = Authenticator(secret=SECRET, issuer="tsunagu-local", audience="tsunagu")
SEED = 20260101
EXAMPLES = 10
# Planted contradictions sit on the schema's boundaries, which the coverage phase always sends.
PLANTED = 5

SLOT_TAKEN = Rule("slot_taken", 409, "The room has too few free seats at that time.")
CLOSURE_DAY = Rule("closure_day", 422, "Rooms cannot be booked on Sundays.")
BOOKING_NOT_FOUND = Rule("booking_not_found", 404, "The booking does not exist.")
ROOM_CLOSED = Rule("room_closed", 409, "The room is closed at that time.")


class Room(StrEnum):
    ASAKUSA = "asakusa"
    BUNKYO = "bunkyo"
    CHUO = "chuo"


def _at_most_ten(seats: int) -> int:
    if seats > 10:
        raise ValueError("the code takes fewer seats than the document promises")
    return seats


def _sample_app(
    tmp_path: Path,
    *,
    declared: tuple[Rule, ...] = (),
    date_type: object = IsoDateTime,
    seats_as_documented: bool = True,
) -> tuple[FastAPI, list[asyncio.AbstractEventLoop]]:
    """Rooms and bookings: a refusal, a path parameter, a body with an enum and a pattern, an
    authenticated route. The keywords plant contradictions between the code and its document."""
    loops: list[asyncio.AbstractEventLoop] = []
    seats_type: object = JsonInt if seats_as_documented else Annotated[JsonInt, AfterValidator(_at_most_ten)]

    class Booking(BaseModel):
        model_config = ConfigDict(extra="forbid")

        room: Room
        code: str = Field(pattern=r"^[A-Z]{2}[0-9]{3}$")
        starts_at: date_type  # type: ignore[valid-type]  # chosen per test to plant a lax type
        seats: seats_type = Field(ge=1, le=20)  # type: ignore[valid-type]  # chosen per test

    class Booked(Booking):
        id: int

    router = APIRouter()
    book_refusals = declared or (SLOT_TAKEN, CLOSURE_DAY)

    @router.post("/bookings", status_code=201, responses=refusals(*book_refusals))
    async def book(
        booking: Booking, principal: Annotated[Principal, Depends(require("counsellor", "supervisor"))]
    ) -> Booked:
        loops.append(asyncio.get_running_loop())
        if booking.seats > 15:
            refuse(SLOT_TAKEN)
        if booking.starts_at.weekday() == 6:
            refuse(CLOSURE_DAY)
        return Booked(id=7, **booking.model_dump())

    @router.get("/bookings/{booking_id}", responses=refusals(BOOKING_NOT_FOUND))
    async def booking(
        booking_id: Annotated[int, PathParam(ge=1)],
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Booked:
        if booking_id % 2 == 0:
            refuse(BOOKING_NOT_FOUND)
        return Booked(
            id=booking_id, room=Room.ASAKUSA, code="AB123", starts_at=datetime.now().astimezone(), seats=2
        )

    @router.get("/rooms")
    async def rooms(
        available_from: Annotated[date_type | None, Query()] = None,  # type: ignore[valid-type]  # per test
        room: Annotated[Room | None, Query()] = None,
    ) -> list[Room]:
        return [r for r in Room if room is None or r is room]

    settings = ServiceSettings(service_name="contract-sample", data_dir=tmp_path)
    return create_http_app(settings=settings, title="Sample", routers=[router], authenticator=AUTH), loops


def _auth(*roles: str) -> dict[str, dict[str, str]]:
    return {role: {"Authorization": f"Bearer {AUTH.issue('staff-1', [role])}"} for role in roles}


async def test_an_honest_app_passes_with_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app, loops = _sample_app(tmp_path)
    transport = httpx.ASGITransport(app=app)
    # As a service's test does: through its client, on the test's own event loop.
    async with httpx.AsyncClient(transport=transport, base_url="http://sample.test") as client:
        report = await check_http_contract(client, auth=_auth("counsellor"), max_examples=EXAMPLES, seed=SEED)
    with capsys.disabled():
        print("\n" + report.summary())

    assert report.failures == []
    assert report.errors == []
    assert report.untested == []
    assert report.ok
    assert report.operations == 3
    assert report.cases >= report.operations * EXAMPLES
    assert report.requests >= report.cases
    assert report.seconds < 60
    # It got past authentication and reached the use case's refusals, validation, and success.
    assert {201, 401, 404, 405, 409, 422} <= set(report.statuses)
    assert loops
    assert set(loops) == {asyncio.get_running_loop()}


async def test_the_same_seed_gives_the_same_run(tmp_path: Path) -> None:
    app, _ = _sample_app(tmp_path)
    first = await check_http_contract(app, auth=_auth("supervisor"), max_examples=PLANTED, seed=SEED)
    second = await check_http_contract(app, auth=_auth("supervisor"), max_examples=PLANTED, seed=SEED)

    assert (first.cases, first.requests, first.statuses) == (second.cases, second.requests, second.statuses)
    assert first.failures == second.failures == []


async def test_an_undocumented_refusal_is_found_and_passes_once_documented(tmp_path: Path) -> None:
    undocumented, _ = _sample_app(tmp_path, declared=(CLOSURE_DAY,))
    report = await check_http_contract(
        undocumented, auth=_auth("counsellor"), max_examples=PLANTED, seed=SEED
    )

    assert not report.ok
    checks = {(f.operation, f.check, f.status) for f in report.failures}
    assert ("POST /bookings", "status_code_conformance", 409) in checks
    (found,) = [f for f in report.failures if f.check == "status_code_conformance"]
    assert found.title == "Undocumented status code"
    assert "409" not in found.hint.removeprefix("documented: ").split(", ")
    assert "POST /bookings: status_code_conformance: Undocumented status code [409]" in report.summary()

    documented, _ = _sample_app(tmp_path)
    assert (
        await check_http_contract(documented, auth=_auth("counsellor"), max_examples=PLANTED, seed=SEED)
    ).failures == []


async def test_a_refusal_by_an_undeclared_rule_at_a_documented_status_is_found(tmp_path: Path) -> None:
    other_rule, _ = _sample_app(tmp_path, declared=(ROOM_CLOSED, CLOSURE_DAY))
    report = await check_http_contract(other_rule, auth=_auth("counsellor"), max_examples=PLANTED, seed=SEED)

    found = {(f.operation, f.check, f.status, f.hint) for f in report.failures}
    assert found == {("POST /bookings", "response_schema_conformance", 409, "at /rule, keyword enum")}


async def test_a_lax_date_time_is_found(tmp_path: Path) -> None:
    lax, _ = _sample_app(tmp_path, date_type=AwareDatetime)
    report = await check_http_contract(lax, auth=_auth("counsellor"), max_examples=PLANTED, seed=SEED)

    found = {(f.operation, f.check) for f in report.failures}
    assert ("GET /rooms", "negative_data_rejection") in found
    assert ("POST /bookings", "negative_data_rejection") in found


async def test_valid_data_refused_by_validation_is_found_where_a_422_refusal_is_documented(
    tmp_path: Path,
) -> None:
    stricter, _ = _sample_app(tmp_path, seats_as_documented=False)
    report = await check_http_contract(stricter, auth=_auth("counsellor"), max_examples=PLANTED, seed=SEED)

    assert [(f.operation, f.check, f.title, f.status) for f in report.failures] == [
        ("POST /bookings", "positive_data_acceptance", "Valid data failed validation", 422)
    ]


async def test_missing_credentials_are_an_error_not_a_pass(tmp_path: Path) -> None:
    app, _ = _sample_app(tmp_path)
    report: ContractReport = await check_http_contract(app, auth=_auth("trainer"), max_examples=1, seed=SEED)

    assert not report.ok
    assert report.errors == [
        "POST /bookings: no credentials in auth for any of the roles counsellor, supervisor"
    ]
    assert report.untested == ["POST /bookings"]
    with pytest.raises(ValueError, match="max_examples"):
        await check_http_contract(app, max_examples=0)
