"""Sample events for the contracts' own tests, registered in private registries only.

The global ``REGISTRY`` holds the real events (filled as services add theirs); these samples never
enter it, so the tests here keep working whatever the catalogue holds. Test modules reach them
through the ``samples`` fixture (test modules cannot import this file).
"""

from __future__ import annotations

import enum
from datetime import date
from types import SimpleNamespace
from typing import Annotated, Literal
from uuid import UUID

import pytest
from pydantic import BaseModel, Field
from tsunagu_contracts import ID_PATTERN, EventData, EventType, Registry

MUNICIPALITY_CODE = r"^[0-9]{6}$"


class Channel(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    VISIT = "visit"


class Referral(BaseModel):
    """A nested model: codes only."""

    partner_id: Annotated[str, Field(pattern=ID_PATTERN)]
    topic_codes: list[Annotated[str, Field(pattern=r"^[A-Z][0-9]{2}$")]] = Field(default_factory=list)


class SampleHappened(EventData):
    """A sample consultation was received.

    Carries a pseudonymous case id, codes, a band and flags: the shape every real event has.
    """

    case_id: Annotated[str, Field(pattern=ID_PATTERN)]
    person_id: UUID
    channel: Channel
    municipality_code: Annotated[str, Field(pattern=MUNICIPALITY_CODE)]
    age_band: Literal["under_15", "15_19", "20_29", "30_39", "40_49", "50_59", "60_plus", "unknown"]
    family_consultation: bool = False
    received_on: date
    referral: Referral | None = None
    counts: dict[Annotated[str, Field(pattern=r"^[a-z]{1,16}$")], int] = Field(default_factory=dict)


class SampleClosed(EventData):
    """A sample case was closed."""

    case_id: Annotated[str, Field(pattern=ID_PATTERN)]
    reason_code: Literal["resolved", "moved", "no_contact"]


SAMPLE_HAPPENED = EventType("selftest", "sample", "happened", 1)
SAMPLE_CLOSED = EventType("selftest", "sample", "closed", 1)


def sample_data(**overrides: object) -> SampleHappened:
    values: dict[str, object] = {
        "case_id": "0190f5a4-7b1c-7cde-8f00-0123456789ab",
        "person_id": UUID("0190f5a4-7b1c-7cde-8f00-0123456789ac"),
        "channel": Channel.PHONE,
        "municipality_code": "131016",
        "age_band": "20_29",
        "received_on": date(2025, 4, 1),
    }
    values.update(overrides)
    return SampleHappened.model_validate(values)


@pytest.fixture
def registry() -> Registry:
    reg = Registry()
    reg.register(SampleHappened, SAMPLE_HAPPENED)
    reg.register(SampleClosed, SAMPLE_CLOSED)
    return reg


@pytest.fixture
def data(registry: Registry) -> SampleHappened:
    """A sample event's data (its class registered, so ``new_event`` knows its type)."""
    return sample_data()


@pytest.fixture
def samples(registry: Registry) -> SimpleNamespace:
    return SimpleNamespace(
        Channel=Channel,
        Referral=Referral,
        SampleHappened=SampleHappened,
        SampleClosed=SampleClosed,
        SAMPLE_HAPPENED=SAMPLE_HAPPENED,
        SAMPLE_CLOSED=SAMPLE_CLOSED,
        sample_data=sample_data,
    )
