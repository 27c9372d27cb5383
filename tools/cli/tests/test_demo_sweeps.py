"""The demo's daily sweeps act on what scheduling lists, in the plan's order: whatever order a listing
comes in (the service's, which may follow random ids), the same step of the same seed does the same
thing to each visit and each review. Scheduling is a fake here (``httpx.MockTransport``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from tsunagu_cli.demo.actions import Demo, in_planned_order, planned_order
from tsunagu_cli.demo.execute import perform
from tsunagu_cli.demo.plan import Step

NOW = datetime(2025, 6, 2, 0, 30, tzinfo=UTC)  # Monday 2 June, 09:30 in Tokyo: a sweep's instant
PAST = "2025-05-30T02:30:00+00:00"
STAFF = [f"staff-{n}" for n in range(5, 9)]

REFS: dict[str, dict[str, Any]] = {
    # the plan asked for request "r-b" before "r-a", and escalated "x-2" before "x-1"
    "h1": {"request_id": "r-b", "person_id": "p-1", "municipality_code": "131041"},
    "h2": {"request_id": "r-a", "person_id": "p-2", "municipality_code": "131016"},
    "h10": {"request_id": "r-c", "person_id": "p-3", "municipality_code": "131024"},
    "e1": {"escalation_id": "x-2"},
    "e2": {"escalation_id": "x-1"},
    "c1": {"case_id": "k-1", "person_id": "p-1"},
}


def visit(vid: str, request: str, number: int, status: str, appointment: str | None = None) -> dict[str, Any]:
    return {
        "id": vid,
        "request_id": request,
        "visit_number": number,
        "status": status,
        "appointment_id": appointment,
    }


VISITS = [
    visit("v1", "r-a", 1, "scheduled", "ap-1"),
    visit("v2", "r-a", 2, "to_schedule"),
    visit("v3", "r-b", 1, "scheduled", "ap-3"),
    visit("v4", "r-b", 2, "to_schedule"),
    visit("v5", "r-b", 3, "to_schedule"),
    visit("v6", "r-c", 1, "to_schedule"),
]
REVIEWS = [
    {"id": "rv1", "escalation_id": "x-1", "meeting_id": "m-1", "escalated_at": "2025-05-01T01:00:00Z"},
    {"id": "rv2", "escalation_id": "x-2", "meeting_id": "m-1", "escalated_at": "2025-05-02T01:00:00Z"},
    {"id": "rv3", "escalation_id": "x-auto", "meeting_id": "m-1", "escalated_at": "2025-04-30T01:00:00Z"},
]


def scheduling(
    listed: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], sent: list[tuple[str, Any]]
) -> httpx.MockTransport:
    """Scheduling's API as the sweeps use it, each listing in the order ``listed`` gives."""

    def handle(request: httpx.Request) -> httpx.Response:
        path, status = request.url.path, request.url.params.get("status")
        if request.method == "POST":
            sent.append((path, json.loads(request.content or b"null")))
            return httpx.Response(200, json={})
        if path == "/home-visits":
            return httpx.Response(200, json=listed([v for v in VISITS if v["status"] == status]))
        if path.startswith("/appointments/"):
            return httpx.Response(200, json={"ends_at": PAST})
        if path == "/case-reviews":
            return httpx.Response(200, json=listed(REVIEWS))
        if path.startswith("/meetings/"):
            return httpx.Response(200, json={"starts_at": PAST})
        return httpx.Response(404, json={})

    return httpx.MockTransport(handle)


def sweep(kind: str, listed: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> list[tuple[str, Any]]:
    """What one sweep step (index 40 of seed 1) sends, with listings in the order ``listed`` gives."""
    sent: list[tuple[str, Any]] = []
    demo = Demo(
        urls={"scheduling": "http://scheduling.test"},
        http=httpx.Client(transport=scheduling(listed, sent)),
        tokens=lambda *_, **__: {},
    )
    args = {"staff": STAFF} if kind == "sweep_home_visits" else {}
    entry = perform(demo, Step(NOW, kind, args), 40, REFS, 1)
    assert "ok" in entry, entry
    return sent


def by_id(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: i["id"])


def by_id_reversed(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: i["id"], reverse=True)


def test_the_home_visit_sweep_does_the_same_to_each_visit_whatever_the_listing_order() -> None:
    one, other = sweep("sweep_home_visits", by_id), sweep("sweep_home_visits", by_id_reversed)
    assert one == other
    # Request by request in the plan's order (h1, h2, h10), each visit by number.
    assert [path for path, _ in one] == [
        "/home-visits/v3/complete",
        "/home-visits/v1/complete",
        "/home-visits/v4/schedule",
        "/home-visits/v5/schedule",
        "/home-visits/v2/schedule",
        "/home-visits/v6/schedule",
    ]


def test_the_review_sweep_concludes_in_the_order_of_the_plans_escalations() -> None:
    one, other = sweep("sweep_reviews", by_id), sweep("sweep_reviews", by_id_reversed)
    assert one == other
    # e1 (x-2), e2 (x-1), then one the plan did not make (intake escalated it by itself).
    assert [path for path, _ in one] == [
        "/case-reviews/rv2/conclusion",
        "/case-reviews/rv1/conclusion",
        "/case-reviews/rv3/conclusion",
    ]


def test_planned_order_names_each_id_by_its_earliest_ref() -> None:
    refs = {"c12": {"case_id": "k"}, "c3": {"case_id": "k"}, "w1": {"user_number": "u"}}
    assert planned_order(refs, "case_id") == {"k": ("c", 3)}
    items = [{"case_id": "z"}, {"case_id": "k"}]
    assert in_planned_order(items, planned_order(refs, "case_id"), "case_id") == [
        {"case_id": "k"},
        {"case_id": "z"},
    ]
