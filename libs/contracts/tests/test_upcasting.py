"""Upcasters: stored events of an earlier major version read as the later one (ADR 0015).

The real upgrade first (``tsunagu.scheduling.case_review.concluded`` v1 → v2), then the
registry's rules on a private registry with events of its own.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import Field
from tsunagu_contracts import (
    REGISTRY,
    CloudEvent,
    EventData,
    EventParseError,
    EventType,
    InvalidEnvelopeError,
    NotUpcastableError,
    Registry,
    UnknownEventVersionError,
    envelope_schema_uri,
    new_event,
)
from tsunagu_contracts.events.intake import CaseEscalated
from tsunagu_contracts.events.scheduling import (
    AdviceCode,
    CaseReviewConcluded,
    CaseReviewConcludedV2,
    Discipline,
    DisciplineAdvice,
    RecommendedRisk,
)

V1 = "tsunagu.scheduling.case_review.concluded.v1"
V2 = "tsunagu.scheduling.case_review.concluded.v2"
CASE = "0190f5a4-7b1c-7cde-8f00-0123456789ab"
REVIEW = "0190f5a4-7b1c-7cde-8f00-00000000000a"
ESCALATION = "0190f5a4-7b1c-7cde-8f00-00000000000b"
OTHER_ESCALATION = "0190f5a4-7b1c-7cde-8f00-00000000000c"
REFERENCE = "0190f5a4-7b1c-7cde-8f00-00000000000d"
CAUSE = "0190f5a4-7b1c-7cde-8f00-00000000000e"
ADVICE = [
    DisciplineAdvice(discipline=Discipline.MEDICINE, advice_codes=[AdviceCode.MEDICAL_ASSESSMENT]),
    DisciplineAdvice(
        discipline=Discipline.WELFARE, advice_codes=[AdviceCode.WELFARE_BENEFITS, AdviceCode.MONITOR]
    ),
]


def stored_v1(escalation_ids: list[str], **data: Any) -> CloudEvent[CaseReviewConcluded]:
    """A v1 event as scheduling wrote it before v2 (caused by the escalation it answers)."""
    return new_event(
        CaseReviewConcluded(
            review_id=REVIEW,
            case_id=CASE,
            meeting_date=date(2026, 4, 14),
            advice=ADVICE,
            advice_reference_id=REFERENCE,
            escalation_ids=escalation_ids,
            **data,
        ),
        subject=CASE,
        correlation_id=CAUSE,
        causation_id=CAUSE,
        time=datetime(2026, 4, 14, 6, 0, tzinfo=UTC),
    )


# -- the real upgrade -------------------------------------------------------------------------


def test_the_case_review_conclusion_reads_as_v2_from_v1() -> None:
    assert REGISTRY.upcasts_to(V1) == V2
    assert REGISTRY.upcasts_to(V2) is None
    assert REGISTRY.readable_as(V2) == (V1, V2)
    assert REGISTRY.readable_as(V1) == (V1,)
    assert V1 not in REGISTRY.emitted_by("scheduling")
    assert V2 in REGISTRY.emitted_by("scheduling")
    assert V1 in REGISTRY.subjects_of("scheduling")  # still registered: stored events keep their type


def test_a_stored_v1_upcast_is_the_v2_scheduling_emits_now_with_its_envelope_kept() -> None:
    old = stored_v1([ESCALATION], recommended_risk_level=RecommendedRisk.HIGH)
    new = REGISTRY.upcast(old, V2)
    assert isinstance(new.data, CaseReviewConcludedV2)
    assert new.data == CaseReviewConcludedV2(
        review_id=REVIEW,
        case_id=CASE,
        escalation_id=ESCALATION,
        meeting_date=date(2026, 4, 14),
        advice=ADVICE,
        advice_reference_id=REFERENCE,
        recommended_risk_level=RecommendedRisk.HIGH,
    )
    assert new.type == V2
    assert new.dataschema == f"urn:tsunagu:dataschema:{V2}"
    kept = (
        "id",
        "specversion",
        "source",
        "subject",
        "time",
        "correlationid",
        "causationid",
        "datacontenttype",
    )
    assert {k: getattr(new, k) for k in kept} == {k: getattr(old, k) for k in kept}
    # a valid v2 on the wire: it parses back to itself
    assert REGISTRY.parse(new.to_json_bytes()) == new


def test_parse_as_reads_stored_v1_bytes_and_v2_bytes_alike() -> None:
    old = stored_v1([ESCALATION])
    from_v1 = REGISTRY.parse_as(old.to_json_bytes(), CaseReviewConcludedV2)
    assert from_v1.type == V2
    assert from_v1.data.escalation_id == ESCALATION
    from_v2 = REGISTRY.parse_as(from_v1.to_json_bytes(), CaseReviewConcludedV2)
    assert from_v2 == from_v1
    # a v1 reader still gets v1 as it is
    assert REGISTRY.parse_as(old.to_json_bytes(), CaseReviewConcluded) == old


def test_a_v1_written_with_the_envelope_schema_uri_upcasts_too() -> None:
    """Events stored before ``dataschema`` named the data schema carry the envelope's URI (ADR 0002)."""
    doc = json.loads(stored_v1([ESCALATION]).to_json_bytes())
    doc["dataschema"] = envelope_schema_uri(V1)
    new = REGISTRY.parse_as(json.dumps(doc), CaseReviewConcludedV2)
    assert new.dataschema == f"urn:tsunagu:dataschema:{V2}"
    assert new.data.escalation_id == ESCALATION


@pytest.mark.parametrize("ids", [[], [ESCALATION, OTHER_ESCALATION]], ids=["none", "two"])
def test_a_v1_without_exactly_one_escalation_is_not_upcast_but_refused(ids: list[str]) -> None:
    """No guess: such an event is not readable as v2 (the consumer dead-letters it at once)."""
    raw = stored_v1(ids).to_json_bytes()
    with pytest.raises(NotUpcastableError) as caught:
        REGISTRY.parse_as(raw, CaseReviewConcludedV2)
    assert isinstance(caught.value, EventParseError)
    assert caught.value.code == "not_upcastable"
    assert "escalation_ids" in str(caught.value)
    assert ESCALATION not in str(caught.value)  # names the rule, never a value


def test_parse_as_refuses_another_event() -> None:
    escalated = new_event(
        CaseEscalated.model_validate(
            {
                "escalation_id": ESCALATION,
                "case_id": CASE,
                "person_id": CASE,
                "escalated_at": "2026-04-01T00:00:00Z",
                "trigger": "manual",
                "urgency": "urgent",
                "reason_codes": ["suicide_risk"],
                "risk_level": "high",
            }
        )
    )
    with pytest.raises(InvalidEnvelopeError):
        REGISTRY.parse_as(escalated.to_json_bytes(), CaseReviewConcludedV2)


# -- the registry's rules ---------------------------------------------------------------------


class PingedV1(EventData):
    """Test event, v1: a count as a string code."""

    count: str = Field(pattern=r"^[0-9]{1,3}$")


class PingedV2(EventData):
    """Test event, v2: the count as a number."""

    count: int = Field(ge=0)


class PingedV3(EventData):
    """Test event, v3: the count and whether it is large."""

    count: int = Field(ge=0)
    large: bool


class Other(EventData):
    """Another event."""

    n: int = 0


@pytest.fixture
def reg() -> Registry:
    registry = Registry()
    for cls, version in ((PingedV1, 1), (PingedV2, 2), (PingedV3, 3)):
        registry.register(cls, EventType("selftest", "thing", "pinged", version))
    registry.register(Other, EventType("selftest", "other", "happened", 1))
    return registry


def _v1_to_v2(old: PingedV1) -> PingedV2:
    return PingedV2(count=int(old.count))


def _v2_to_v3(old: PingedV2) -> PingedV3:
    return PingedV3(count=old.count, large=old.count >= 100)


def test_upcasters_chain_from_the_oldest_version(reg: Registry) -> None:
    reg.register_upcaster(PingedV1, PingedV2, _v1_to_v2)
    reg.register_upcaster(PingedV2, PingedV3, _v2_to_v3)
    v3 = "tsunagu.selftest.thing.pinged.v3"
    assert reg.readable_as(v3) == ("tsunagu.selftest.thing.pinged.v1", "tsunagu.selftest.thing.pinged.v2", v3)
    event = new_event(PingedV1(count="120"), time=datetime(2026, 4, 1, tzinfo=UTC))
    upcast = reg.upcast(event, v3)
    assert upcast.data == PingedV3(count=120, large=True)
    assert upcast.id == event.id
    assert reg.upcast(upcast, v3) is upcast  # already there
    with pytest.raises(UnknownEventVersionError, match="no upcaster leads"):
        reg.upcast(upcast, "tsunagu.selftest.thing.pinged.v1")  # never downwards


def test_an_upcaster_goes_up_one_family_once(reg: Registry) -> None:
    with pytest.raises(ValueError, match="later version of the same event"):
        reg.register_upcaster(PingedV2, PingedV1, lambda old: old)
    with pytest.raises(ValueError, match="later version of the same event"):
        reg.register_upcaster(PingedV1, Other, lambda old: Other())
    reg.register_upcaster(PingedV1, PingedV2, _v1_to_v2)
    with pytest.raises(ValueError, match="already has an upcaster"):
        reg.register_upcaster(PingedV1, PingedV3, lambda old: PingedV3(count=0, large=False))

    class Unregistered(EventData):
        """Not in this registry."""

    with pytest.raises(ValueError, match="not a registered event class"):
        reg.register_upcaster(Unregistered, PingedV2, lambda old: PingedV2(count=0))


def test_data_an_upcaster_cannot_build_is_not_upcastable(reg: Registry) -> None:
    """An upcaster whose result the later version refuses: named by field and rule, not value."""
    reg.register_upcaster(PingedV1, PingedV2, lambda old: PingedV2(count=-int(old.count)))
    event = new_event(PingedV1(count="7"))
    with pytest.raises(NotUpcastableError, match="count: greater_than_equal") as caught:
        reg.parse_as(event.to_json_bytes(), PingedV2)
    assert "-7" not in str(caught.value)


def test_without_an_upcaster_an_earlier_version_is_an_unknown_version_to_its_reader(reg: Registry) -> None:
    event = new_event(PingedV1(count="1"))
    assert reg.readable_as("tsunagu.selftest.thing.pinged.v2") == ("tsunagu.selftest.thing.pinged.v2",)
    with pytest.raises(UnknownEventVersionError):
        reg.parse_as(event.to_json_bytes(), PingedV2)


def test_unregistering_forgets_the_upcasters_from_and_to_a_type(reg: Registry) -> None:
    reg.register_upcaster(PingedV1, PingedV2, _v1_to_v2)
    reg.register_upcaster(PingedV2, PingedV3, _v2_to_v3)
    reg.unregister("tsunagu.selftest.thing.pinged.v2")
    assert reg.upcasts_to("tsunagu.selftest.thing.pinged.v1") is None
    assert reg.readable_as("tsunagu.selftest.thing.pinged.v3") == ("tsunagu.selftest.thing.pinged.v3",)
