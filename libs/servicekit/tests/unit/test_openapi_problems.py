from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field
from tsunagu_servicekit.errors import Refusal, Rule
from tsunagu_servicekit.http import Principal, create_http_app, current_principal, require
from tsunagu_servicekit.http.openapi import documents_refusals, refusals
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.wire import JsonInt

SLOT_TAKEN = Rule("slot_taken", 409, "The time was taken by another booking.")
CLOSURE_DAY = Rule("closure_day", 422, "Reservations cannot be made on closure days.")
BOOKING_NOT_FOUND = Rule("booking_not_found", 404, "The booking does not exist.")
SESSION_EXPIRED = Rule("session_expired", 401, "The web session has expired.")
PROBLEM = "application/problem+json"


class Booking(BaseModel):
    room: str


Seats = Annotated[JsonInt, Field(ge=1, le=40, multiple_of=2)]


class Bounded(BaseModel):
    seats: Seats = 2
    spare: JsonInt | None = Field(default=None, gt=0, lt=10)


async def web_user() -> str:
    raise Refusal(SESSION_EXPIRED)


documented_web_user = documents_refusals(SESSION_EXPIRED)(web_user)

router = APIRouter()


@router.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}


@router.post("/bookings", status_code=201, responses=refusals(SLOT_TAKEN, CLOSURE_DAY))
async def book(
    booking: Booking, principal: Annotated[Principal, Depends(require("counsellor", "supervisor"))]
) -> Booking:
    return booking


@router.get("/bookings/{booking_id}", responses=refusals(BOOKING_NOT_FOUND))
async def booking(booking_id: str, principal: Annotated[Principal, Depends(current_principal)]) -> Booking:
    return Booking(room="a")


@router.get("/reports", dependencies=[Depends(require("municipality_staff", scopes=["reports:read"]))])
async def reports(month: Annotated[int, Query(ge=1, le=12)] = 1) -> list[str]:
    return []


@router.get("/signed-in")
async def signed_in(principal: Annotated[Principal, Depends(require())]) -> dict[str, str]:
    return {"subject": principal.subject}


@router.get("/my-bookings", responses={409: {"description": "Hand-written words."}})
async def my_bookings(user: Annotated[str, Depends(documented_web_user)], page: int = 1) -> list[str]:
    return []


@router.post("/bounded", status_code=204)
async def bounded(body: Bounded) -> None:
    return None


@pytest.fixture
def openapi(tmp_path: Path) -> dict[str, Any]:
    settings = ServiceSettings(data_dir=tmp_path, http_max_body_bytes=4096)
    app = create_http_app(settings=settings, title="Docs", routers=[router])
    with TestClient(app) as c:
        document = c.get("/openapi.json").json()
    assert isinstance(document, dict)
    return document


def _responses(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    responses = openapi["paths"][path][method]["responses"]
    assert isinstance(responses, dict)
    return responses


def _rules(response: dict[str, Any]) -> list[str] | None:
    """The rule enum of a problem response's schema, wherever the rewrite put it."""

    def find(schema: Any) -> list[str] | None:
        if not isinstance(schema, dict):
            return None
        rule = schema.get("properties", {}).get("rule", {})
        if "enum" in rule:
            return list(rule["enum"])
        for key in ("allOf", "anyOf"):
            for branch in schema.get(key, []):
                found = find(branch)
                if found is not None:
                    return found
        return None

    return find(response["content"][PROBLEM]["schema"])


def test_fastapi_validation_schemas_are_gone(openapi: dict[str, Any]) -> None:
    text = json.dumps(openapi)
    assert "HTTPValidationError" not in text
    assert '"ValidationError"' not in text
    assert "#/components/schemas/ValidationError" not in text
    assert {"Problem", "ValidationProblem", "FieldProblem"} <= set(openapi["components"]["schemas"])


def test_every_error_response_is_problem_json_only(openapi: dict[str, Any]) -> None:
    seen = 0
    for item in openapi["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    seen += 1
                    assert list(response["content"]) == [PROBLEM], status
                    assert "x-tsunagu-rules" not in response
    assert seen > 15


@pytest.mark.parametrize(
    ("method", "path", "statuses"),
    [
        ("get", "/ping", {"200", "500"}),
        ("post", "/bookings", {"201", "400", "401", "403", "409", "413", "422", "500"}),
        ("get", "/bookings/{booking_id}", {"200", "401", "404", "422", "500"}),
        ("get", "/reports", {"200", "401", "403", "422", "500"}),
        ("get", "/signed-in", {"200", "401", "500"}),
        ("get", "/my-bookings", {"200", "401", "409", "422", "500"}),
    ],
)
def test_each_operation_documents_every_status_it_can_answer(
    openapi: dict[str, Any], method: str, path: str, statuses: set[str]
) -> None:
    assert set(_responses(openapi, method, path)) == statuses


def test_declared_refusals_are_grouped_by_status_with_their_rules(openapi: dict[str, Any]) -> None:
    responses = _responses(openapi, "post", "/bookings")

    assert _rules(responses["409"]) == ["slot_taken"]
    assert "`slot_taken`: The time was taken by another booking." in responses["409"]["description"]
    # 422 is both a failed validation and a refusal by a rule.
    schema_422 = responses["422"]["content"][PROBLEM]["schema"]
    assert schema_422["anyOf"][0] == {"$ref": "#/components/schemas/ValidationProblem"}
    assert _rules(responses["422"]) == ["closure_day"]
    assert "`closure_day`" in responses["422"]["description"]
    assert responses["413"]["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "4096 bytes" in responses["413"]["description"]


def test_the_role_check_documents_401_and_403_and_its_roles(openapi: dict[str, Any]) -> None:
    operation = openapi["paths"]["/bookings"]["post"]
    responses = operation["responses"]

    assert _rules(responses["401"]) == [
        "authentication_required",
        "token_invalid",
        "token_expired",
        "token_unverifiable",
    ]
    assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert _rules(responses["403"]) == ["role_required"]
    assert operation["x-tsunagu-roles"] == ["counsellor", "supervisor"]
    assert operation["security"] == [{"StaffBearer": []}]
    assert set(openapi["components"]["securitySchemes"]) == {"StaffBearer"}

    reports = openapi["paths"]["/reports"]["get"]
    assert _rules(reports["responses"]["403"]) == ["role_required", "scope_required"]
    assert reports["x-tsunagu-roles"] == ["municipality_staff"]
    assert reports["x-tsunagu-scopes"] == ["reports:read"]
    assert "x-tsunagu-roles" not in openapi["paths"]["/signed-in"]["get"]


def test_a_path_parameter_adds_a_plain_404_beside_the_refusals(openapi: dict[str, Any]) -> None:
    response = _responses(openapi, "get", "/bookings/{booking_id}")["404"]
    assert _rules(response) == ["booking_not_found"]
    assert "No resource lives at this path" in response["description"]


def test_a_marked_dependency_documents_its_refusals_and_hand_written_words_stay(
    openapi: dict[str, Any],
) -> None:
    responses = _responses(openapi, "get", "/my-bookings")
    assert _rules(responses["401"]) == ["session_expired"]
    assert responses["409"]["description"].startswith("Hand-written words.")
    assert responses["409"]["content"] == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_a_page_answers_its_own_not_found_as_a_page_beside_the_problem(tmp_path: Path) -> None:
    pages = APIRouter()

    @pages.get(
        "/pages/{key}",
        response_class=HTMLResponse,
        responses={
            200: {"content": {"text/html": {}}},
            404: {"description": "No such page.", "content": {"text/html": {}}},
            409: {"description": "Hand-written words."},
        },
    )
    async def page(key: str) -> HTMLResponse:
        return HTMLResponse("<p>page</p>")

    app = create_http_app(settings=ServiceSettings(data_dir=tmp_path), title="Pages", routers=[pages])
    responses = app.openapi()["paths"]["/pages/{key}"]["get"]["responses"]
    assert set(responses["404"]["content"]) == {PROBLEM, "text/html"}
    assert responses["404"]["description"].startswith("No such page.")
    assert "No resource lives at this path" in responses["404"]["description"]
    # Only a page's own HTML stays: any other hand-written body at an error status is a problem.
    assert list(responses["409"]["content"]) == [PROBLEM]
    assert list(responses["422"]["content"]) == [PROBLEM]


def test_routes_added_later_are_documented_too(tmp_path: Path) -> None:
    app = create_http_app(settings=ServiceSettings(data_dir=tmp_path), title="Later", routers=[router])
    assert "/late" not in app.openapi()["paths"]
    late = APIRouter()

    @late.get("/late/{key}", responses=refusals(BOOKING_NOT_FOUND))
    async def late_route(key: str) -> None:
        return None

    app.include_router(late)
    responses = app.openapi()["paths"]["/late/{key}"]["get"]["responses"]
    assert set(responses) == {"200", "404", "422", "500"}
    assert "HTTPValidationError" not in json.dumps(app.openapi())


def test_refusals_checks_its_rules() -> None:
    with pytest.raises(ValueError, match="at least one"):
        refusals()
    with pytest.raises(ValueError, match="two rules"):
        refusals(SLOT_TAKEN, Rule("slot_taken", 409, "Another sentence."))
    responses = refusals(SLOT_TAKEN, BOOKING_NOT_FOUND, CLOSURE_DAY)
    assert sorted(responses) == [404, 409, 422]


class Problem(BaseModel):
    """A service's own model that happens to share the name of the kit's schema."""

    mine: int


def test_a_service_schema_named_like_a_problem_schema_is_refused(tmp_path: Path) -> None:
    clash = APIRouter()

    @clash.post("/clash")
    async def clash_route(problem: Problem) -> None:
        return None

    app: FastAPI = create_http_app(
        settings=ServiceSettings(data_dir=tmp_path), title="Clash", routers=[clash]
    )
    with pytest.raises(RuntimeError, match="schema named Problem"):
        app.openapi()
    # Error answers do not depend on the document: without it, every location is masked.
    with TestClient(app) as c:
        response = c.post("/clash", json={"mine": "yamada_taro"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": "body.*", "type": "int_parsing"}]


def test_bounds_over_validated_numbers_keep_their_json_schema_names(openapi: dict[str, Any]) -> None:
    properties = openapi["components"]["schemas"]["Bounded"]["properties"]
    assert {k: properties["seats"][k] for k in ("minimum", "maximum", "multipleOf")} == {
        "minimum": 1,
        "maximum": 40,
        "multipleOf": 2,
    }
    integer = next(b for b in properties["spare"]["anyOf"] if b.get("type") == "integer")
    assert (integer["exclusiveMinimum"], integer["exclusiveMaximum"]) == (0, 10)
    assert not {"ge", "le", "gt", "lt", "multiple_of"} & set(json.dumps(openapi).replace('"', " ").split())
