"""The kit's conventions of a service's shape: a runtime assembled from a package, test tokens per
role, the AsyncAPI document of a service."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from tsunagu_servicekit.asyncapi import document_path, main, service_document
from tsunagu_servicekit.http import ROLES, Authenticator
from tsunagu_servicekit.runtime import Infrastructure, ServiceRuntime
from tsunagu_servicekit.settings import ServiceSettings
from tsunagu_servicekit.testing import LOCAL_AUDIENCE, LOCAL_ISSUER, role_headers

PACKAGE = "tsunagu_kitshape"


@pytest.fixture
def package(tmp_path: Path) -> Iterator[Path]:
    """A service package of the kit's shape, where a source tree keeps it, importable for the test."""
    root = tmp_path / "services" / "kitshape" / "src" / PACKAGE
    files = {
        "__init__.py": "",
        "consumers/__init__.py": "SUBSCRIPTIONS = []\n",
        "api/__init__.py": """
            from fastapi import APIRouter

            router = APIRouter()

            @router.get("/ping")
            def ping() -> dict[str, str]:
                return {"pong": "yes"}

            ROUTERS = (router,)
        """,
        "timers/__init__.py": """
            from tsunagu_servicekit.timers import PeriodicScan

            def timers(settings):
                return [PeriodicScan("sweep", settings.relay_poll_interval, lambda ctx: 0)]
        """,
        "adapters/__init__.py": "",
        "adapters/migrations/versions/.keep": "",
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    sys.path.insert(0, str(root.parent))
    try:
        yield root
    finally:
        sys.path.remove(str(root.parent))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_a_runtime_is_assembled_from_the_parts_of_its_package(package: Path, tmp_path: Path) -> None:
    settings = ServiceSettings(
        service_name="kitshape", environment="test", data_dir=tmp_path, relay_poll_interval=7.0
    )
    context = object()
    runtime = ServiceRuntime.of_package(PACKAGE, Infrastructure(settings), context)
    try:
        assert runtime.context is context
        assert runtime.title == "Tsunagu kitshape"
        assert runtime.migrations == package / "adapters" / "migrations" / "versions"
        assert runtime.subscriptions == ()
        assert [r.routes[0].path for r in runtime.routers] == ["/ping"]  # type: ignore[attr-defined]
        assert [(t.name, t.interval) for t in runtime.timers] == [("sweep", 7.0)]
    finally:
        runtime.engine.dispose()


def test_a_package_without_the_shape_is_refused(tmp_path: Path) -> None:
    settings = ServiceSettings(service_name="kitshape", environment="test", data_dir=tmp_path)
    with pytest.raises(ModuleNotFoundError):
        ServiceRuntime.of_package("kitshape_nothing_here", Infrastructure(settings), None)


def test_role_headers_hold_one_local_token_per_role() -> None:
    secret = "kit-shape-secret-" + "s" * 40
    headers = role_headers(secret, municipality="131041")
    assert set(headers) == set(ROLES)
    verifier = Authenticator(secret=secret, issuer=LOCAL_ISSUER, audience=LOCAL_AUDIENCE)
    for role, header in headers.items():
        principal = verifier.verify(header["Authorization"].removeprefix("Bearer "))
        assert principal.roles == frozenset({role})
        assert principal.subject == f"{role}-1"
        assert principal.municipality == ("131041" if role == "municipality_staff" else None)
        assert (principal.partner is not None) == (role == "partner_staff")


def test_a_service_document_lists_what_it_publishes_and_consumes(tmp_path: Path) -> None:
    from tsunagu_contracts.events.intake import CaseEscalated
    from tsunagu_servicekit.messaging.consumer import subscribe

    def handle(_ctx: None, _uow: object, _event: object) -> None:
        """Never runs: only the subscription's type matters here."""

    document = service_document("scheduling", [subscribe(CaseEscalated, handle)], "Time.")
    assert document["info"]["description"] == "Time."
    channels = json.dumps(document["channels"])
    assert "tsunagu.intake.case.escalated.v1" in channels
    assert "tsunagu.scheduling.appointment.booked.v1" in channels


def test_a_package_s_document_is_written_where_the_source_tree_keeps_it(
    package: Path, tmp_path: Path
) -> None:
    assert document_path("kitshape") == tmp_path / "docs" / "asyncapi" / "kitshape.json"
    written = main(["kitshape"])
    assert written == tmp_path / "docs" / "asyncapi" / "kitshape.json"
    document = json.loads(written.read_text())
    assert document["operations"] == {}  # it publishes and consumes nothing yet
    elsewhere = main(["kitshape", str(tmp_path / "out.json")])
    assert json.loads(elsewhere.read_text()) == document
    with pytest.raises(SystemExit):
        main([])


def test_events_a_timer_raises_carry_the_trace_of_their_scan(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from opentelemetry import trace
    from tsunagu_contracts import new_event_id
    from tsunagu_contracts.events.intake import CaseClosed, CloseReason
    from tsunagu_servicekit.messaging.tables import outbox
    from tsunagu_servicekit.timers import PeriodicScan

    settings = ServiceSettings(
        service_name="kittimer",
        environment="test",
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/t.db",
    )
    infra = Infrastructure(settings)
    runtime = ServiceRuntime(infra, infra.units, title="timer test")
    runtime.migrate()
    outer = trace.get_tracer("test").start_span("a request that happens to be running")

    def scan(units: object) -> int:
        assert units is infra.units
        with infra.units() as uow:
            closed = CaseClosed(
                case_id=new_event_id(),
                person_id=new_event_id(),
                closed_at=datetime.now(UTC),
                reason=next(iter(CloseReason)),
            )
            uow.emit(closed)
            uow.commit()
        return 1

    timer = PeriodicScan("closing", 60.0, scan)
    try:
        with trace.use_span(outer):
            timer.scan_once(infra.units)
            timer.scan_once(infra.units)
        with infra.engine.connect() as conn:
            headers = [row.headers for row in conn.execute(outbox.select().order_by(outbox.c.seq))]
    finally:
        outer.end()
        infra.engine.dispose()
    trace_ids = [h["traceparent"].split("-")[1] for h in headers]
    assert len(trace_ids) == 2
    assert trace_ids[0] != trace_ids[1]  # each scan is a root of its own
    assert format(outer.get_span_context().trace_id, "032x") not in trace_ids
