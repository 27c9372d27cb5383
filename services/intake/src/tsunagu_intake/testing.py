"""Test support of the intake service: its settings for a test, tokens, the service under test,
request bodies, and reading the database as an attacker with a dump would.

Imported by tests only (it needs the test dependencies); the settable clock and the service-under-test
machinery come from the kit (:mod:`tsunagu_servicekit.testing`), the same way.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tsunagu_contracts import CloudEvent, new_event, new_event_id
from tsunagu_contracts.events.scheduling import (
    AppointmentAttended,
    AppointmentKind,
    AppointmentMissed,
    CancellationReason,
    CaseReviewScheduled,
    HomeVisitCancelled,
    HomeVisitCapReached,
    HomeVisitCompleted,
    HomeVisitOutcome,
    HomeVisitScheduled,
    ReviewPlacement,
    ReviewUrgency,
)
from tsunagu_servicekit.eventlog import ExportedMessage
from tsunagu_servicekit.testing import (
    ServiceRecipe,
    ServiceUnderTest,
    export_streams,
    local_bearer,
    role_headers,
)

from .app import build_runtime
from .handlers.context import IntakeContext
from .settings import IntakeSettings

JWT_SECRET = "intake-test-secret-" + "s" * 40
MASTER_KEY_BYTES = bytes(range(32))
MASTER_KEY = base64.b64encode(MASTER_KEY_BYTES).decode()
SHINJUKU = "131041"
NERIMA = "131202"
CHIYODA = "131016"


bearer = local_bearer(JWT_SECRET)
STAFF = role_headers(JWT_SECRET)
COUNSELLOR = STAFF["counsellor"]
SUPERVISOR = STAFF["supervisor"]
EXPERT = STAFF["expert"]


def municipality_staff(code: str, subject: str = "muni-staff-1") -> dict[str, str]:
    return bearer("municipality_staff", subject=subject, municipality=code)


class IntakeService(ServiceUnderTest[IntakeContext]):
    """The intake service built by its composition root, with an HTTP client on its app."""

    def types(self, events: list[CloudEvent[Any]]) -> list[str]:
        return [e.type for e in events]

    def outbox_pending(self) -> int:
        """Events in the outbox the relay has not published yet."""
        return self.runtime.infra.relay.pending_count()


RECIPE = ServiceRecipe(
    IntakeService,
    IntakeSettings,
    build_runtime,
    # The test's secret and master key, and a deadline scan slow enough never to run by itself.
    defaults={"jwt_secret": JWT_SECRET, "vault_master_key": MASTER_KEY, "sla_scan_interval": 3600.0},
)
make_settings, service_without_broker, running_service = RECIPE.parts


def new_person_consultation(**overrides: Any) -> dict[str, Any]:
    """The body of a phone consultation about a new person (a family member calls)."""
    body: dict[str, Any] = {
        "channel": "phone",
        "consulter": "family",
        "person": {"nickname": "たろう", "age_band": "20_29", "residence_code": SHINJUKU},
        "topics": ["withdrawal"],
        "notes": "息子が部屋から出てこない",
    }
    body.update(overrides)
    return body


def home_visit_request(municipality: str = SHINJUKU, **overrides: Any) -> dict[str, Any]:
    """The body of a home-visit request by ``municipality`` for a new person."""
    body: dict[str, Any] = {
        "municipality_code": municipality,
        "person": {"nickname": "はなこ", "name": "山田花子", "address": "新宿区西新宿2-8-1"},
        "residence_code": municipality,
        "age_years": 24,
        "visits_requested": 2,
        "consulter": "family",
        "notes": "母親から区の窓口に相談",
    }
    body.update(overrides)
    return body


# -- the scheduling service's events, as scheduling would publish them ---------------------------


def visit_id(request: dict[str, Any], number: int) -> str:
    """The id of the ``number``-th visit of a request (scheduling derives them from the request)."""
    return str(uuid.uuid5(uuid.UUID(request["request_id"]), f"visit-{number}"))


def _visit(request: dict[str, Any], number: int) -> dict[str, Any]:
    """What every home-visit event says of the ``number``-th visit of ``request`` (a request as
    intake's API answers it)."""
    return {
        "visit_id": visit_id(request, number),
        "request_id": request["request_id"],
        "person_id": request["person_id"],
        "case_id": request["case_id"],
        "municipality_code": request["municipality_code"],
        "fiscal_year": request["fiscal_year"],
        "visit_number": number,
    }


def home_visit_scheduled(
    request: dict[str, Any], number: int, *, starts_at: datetime, sequence: int = 0
) -> CloudEvent[Any]:
    return new_event(
        HomeVisitScheduled(
            **_visit(request, number),
            appointment_id=str(uuid.uuid5(uuid.UUID(visit_id(request, number)), "appointment")),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=90),
            staff_ids=[new_event_id(), new_event_id()],
            sequence=sequence,
        )
    )


def home_visit_completed(
    request: dict[str, Any], number: int, *, visited_at: datetime, outcome: str = "met_family"
) -> CloudEvent[Any]:
    return new_event(
        HomeVisitCompleted(
            **_visit(request, number),
            outcome=HomeVisitOutcome(outcome),
            visited_at=visited_at,
            staff_count=2,
        )
    )


def home_visit_cancelled(
    request: dict[str, Any], number: int, *, cancelled_at: datetime, reason: str = "family_request"
) -> CloudEvent[Any]:
    return new_event(
        HomeVisitCancelled(
            **_visit(request, number), reason=CancellationReason(reason), cancelled_at=cancelled_at
        )
    )


def home_visit_cap_reached(request: dict[str, Any], *, granted: int, cap: int = 5) -> CloudEvent[Any]:
    return new_event(
        HomeVisitCapReached(
            request_id=request["request_id"],
            person_id=request["person_id"],
            case_id=request["case_id"],
            municipality_code=request["municipality_code"],
            fiscal_year=request["fiscal_year"],
            cap=cap,
            visits_requested=request["visits_requested"],
            visits_granted=granted,
        )
    )


def case_review_scheduled(
    case: dict[str, Any], escalation_id: str, *, meeting_date: date, review_id: str | None = None
) -> CloudEvent[Any]:
    """Scheduling placed the escalation of ``case`` (a case as intake's API answers it) on the
    agenda of the meeting on ``meeting_date``."""
    return new_event(
        CaseReviewScheduled(
            review_id=review_id or new_event_id(),
            case_id=case["case_id"],
            person_id=case["person_id"],
            escalation_id=escalation_id,
            meeting_id=new_event_id(),
            meeting_date=meeting_date,
            meeting_starts_at=datetime(
                meeting_date.year, meeting_date.month, meeting_date.day, 5, tzinfo=UTC
            ),
            urgency=ReviewUrgency.ROUTINE,
            placement=ReviewPlacement.REGULAR,
            agenda_position=1,
        )
    )


def appointment_attended(
    person_id: str,
    case_id: str | None,
    *,
    starts_at: datetime,
    kind: str = "in_person",
    appointment_id: str | None = None,
) -> CloudEvent[Any]:
    return new_event(
        AppointmentAttended(
            appointment_id=appointment_id or new_event_id(),
            kind=AppointmentKind(kind),
            person_id=person_id,
            case_id=case_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            recorded_at=starts_at + timedelta(hours=1),
        )
    )


def appointment_missed(person_id: str, case_id: str | None, *, starts_at: datetime) -> CloudEvent[Any]:
    return new_event(
        AppointmentMissed(
            appointment_id=new_event_id(),
            kind=AppointmentKind.ONLINE,
            person_id=person_id,
            case_id=case_id,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            recorded_at=starts_at + timedelta(hours=1),
        )
    )


async def stream_export(
    nats_url: str, streams: tuple[str, ...] = ("TSUNAGU_INTAKE", "TSUNAGU_SCHEDULING")
) -> list[ExportedMessage]:
    """Every message of the streams as exported event-log lines (what ``tsunagu events export`` writes)."""
    return await export_streams(nats_url, streams)


# -- the database raw --------------------------------------------------------------------------


def raw_database_text(engine: sa.Engine) -> str:
    """Every value of every table as text (bytes decoded leniently), plus the SQLite files' bytes."""
    parts: list[str] = []
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value).decode("utf-8", errors="replace"))
                    else:
                        parts.append(str(value))
    if engine.dialect.name == "sqlite" and engine.url.database:
        for suffix in ("", "-wal"):
            path = Path(engine.url.database + suffix)
            if path.exists():
                parts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts)


def sealed_values_of(engine: sa.Engine, person_id: str) -> dict[tuple[str, str, str], bytes]:
    """(table, column, row id) -> ciphertext, for every sealed column of one person's rows."""
    found: dict[tuple[str, str, str], bytes] = {}
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        for table in inspector.get_table_names():
            if not table.startswith("intake_"):
                continue
            columns = [c["name"] for c in inspector.get_columns(table)]
            sealed = [c for c in columns if c.endswith("_ct")]
            if not sealed:
                continue
            key = "id" if table == "intake_person" else "person_id"
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}" WHERE "{key}" = :p'), {"p": person_id}):
                mapping = row._mapping
                for column in sealed:
                    if mapping[column] is not None:
                        found[(table, column, mapping["id"])] = bytes(mapping[column])
    return found


async def conclusion_effect(
    service: IntakeService, case_id: str, review: CloudEvent[Any], escalations: list[str]
) -> dict[str, Any]:
    """What an expert team's conclusion did to a case: its two escalations' states and its advice
    entry, with the case's own ids replaced by their roles (``first``, ``second``, ``review``), so
    that what two cases went through compares."""
    roles = {
        case_id: "case",
        review.data.review_id: "review",
        escalations[0]: "first",
        escalations[1]: "second",
    }
    listed = (await service.client.get("/escalations", headers=EXPERT)).json()
    states = {
        roles[e["escalation_id"]]: (e["status"], roles.get(e["review_id"]))
        for e in listed
        if e["case_id"] == case_id
    }
    timeline = (
        await service.client.get(f"/cases/{case_id}/timeline?purpose=case_work", headers=COUNSELLOR)
    ).json()
    [advice] = [t["codes"] for t in timeline if t["kind"] == "advice"]
    advice = {**advice, "review_id": roles[advice["review_id"]]}
    advice["escalation_ids"] = [roles[e] for e in advice["escalation_ids"]]
    return {"escalations": states, "advice": advice}
