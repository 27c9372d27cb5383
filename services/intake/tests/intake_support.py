"""Helpers of the intake tests: settings, tokens, the service under test, request bodies.

The settable clock and the service-under-test machinery come from the kit
(:mod:`tsunagu_servicekit.testing`)."""

from __future__ import annotations

import base64
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tsunagu_contracts import CloudEvent
from tsunagu_intake.app import build_runtime
from tsunagu_intake.runtime import IntakeRuntime
from tsunagu_intake.settings import IntakeSettings
from tsunagu_servicekit.http import Authenticator
from tsunagu_servicekit.testing import ServiceUnderTest, SettableClock, auth_headers, settings_for_tests

JWT_SECRET = "intake-test-secret-" + "s" * 40
MASTER_KEY_BYTES = bytes(range(32))
MASTER_KEY = base64.b64encode(MASTER_KEY_BYTES).decode()
SHINJUKU = "131041"
NERIMA = "131202"
CHIYODA = "131016"

# Thursday 1 May 2025, 10:00 in Tokyo: a business day, the phone line open, Golden Week ahead.
THU_2025_05_01_10_JST = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)


def make_settings(
    database_url: str, data_dir: Path, nats_url: str = "nats://127.0.0.1:4222", **extra: Any
) -> IntakeSettings:
    values = {"jwt_secret": JWT_SECRET, "vault_master_key": MASTER_KEY, "sla_scan_interval": 3600.0, **extra}
    return settings_for_tests(IntakeSettings, database_url, data_dir, nats_url=nats_url, **values)


AUTH = Authenticator(secret=JWT_SECRET, issuer="tsunagu-local", audience="tsunagu")
bearer = partial(auth_headers, AUTH)
"""``bearer("supervisor", subject=..., municipality=...)``: the Authorization header of such a token."""

COUNSELLOR = bearer("counsellor", subject="counsellor-1")
SUPERVISOR = bearer("supervisor", subject="supervisor-1")
EXPERT = bearer("expert", subject="expert-1")


def municipality_staff(code: str, subject: str = "muni-staff-1") -> dict[str, str]:
    return bearer("municipality_staff", subject=subject, municipality=code)


class Service(ServiceUnderTest[IntakeRuntime]):
    """The intake service built by its composition root, with an HTTP client on its app."""

    tables = (
        "intake_person",
        "intake_person_key",
        "intake_case",
        "intake_case_flag",
        "intake_consultation",
        "intake_email_reply",
        "intake_timeline",
        "intake_escalation",
        "intake_home_visit_request",
        "tsunagu_outbox",
    )

    def types(self, events: list[CloudEvent[Any]]) -> list[str]:
        return [e.type for e in events]


def service_without_broker(
    database_url: str, data_dir: Path, clock: SettableClock, **extra: Any
) -> AbstractAsyncContextManager[Service]:
    """The service with its database migrated and no broker: events stay in the outbox."""
    settings = make_settings(database_url, data_dir, **extra)
    return Service.without_broker(build_runtime(settings, clock=clock), clock)


def new_person_consultation(**overrides: Any) -> dict[str, Any]:
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


def running_service(
    database_url: str, data_dir: Path, clock: SettableClock, nats_url: str, **extra: Any
) -> AbstractAsyncContextManager[Service]:
    """The whole service in-process: migrations, broker, relay, consumer, timer, HTTP app."""
    settings = make_settings(database_url, data_dir, nats_url=nats_url, **extra)
    return Service.running(build_runtime(settings, clock=clock), clock)


async def stream_export(nats_url: str, streams: tuple[str, ...] = ("TSUNAGU_INTAKE", "TSUNAGU_SCHEDULING")):
    """Every message of the streams as exported event-log lines (what ``tsunagu events export`` writes)."""
    import nats
    from nats.js.errors import NotFoundError
    from tsunagu_servicekit.eventlog import ExportedMessage

    nc = await nats.connect(nats_url)
    out: list[ExportedMessage] = []
    try:
        js = nc.jetstream()
        for stream in streams:
            info = await js.stream_info(stream)
            if not info.state.messages:
                continue
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    msg = await js.get_msg(stream, seq)
                except NotFoundError:
                    continue
                out.append(ExportedMessage.from_stream_msg(msg))
    finally:
        await nc.close()
    return out
