"""The brief of an escalation a rule started: built from codes, bands and counts only, never from
what anyone typed; and when a brief may still be written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tsunagu_intake.domain import rules
from tsunagu_intake.domain.briefs import automatic_brief, summary_of
from tsunagu_intake.domain.codes import (
    AgeBand,
    CaseFlag,
    Consulter,
    EscalationReason,
    EscalationStatus,
    RiskLevel,
    Topic,
    Triage,
    Urgency,
)
from tsunagu_intake.domain.escalation import brief_change_refusal

CANARY = "カナリア-7f3a"
NOW = datetime(2025, 6, 1, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo, 1 June


@dataclass
class Consultation:
    """A consultation record as the database holds it: codes, and the texts that must stay out."""

    consulter: str
    received_at: datetime
    topics: list[str] = field(default_factory=list)
    triage: str = "none"
    notes: str = f"{CANARY} 息子が部屋から出てこない"
    body: str = f"{CANARY} 本文"
    consulter_name: str = f"山田花子{CANARY}"
    consulter_contact: str = f"090-0000-0000 {CANARY}"
    address: str = f"東京都新宿区西新宿2-8-1 {CANARY}"


@dataclass
class Contact:
    modality: str
    occurred_at: datetime
    note: str = f"{CANARY} 面接メモ"


def brief(**overrides: object):
    values: dict[str, object] = {
        "age_band": "20_29",
        "consultations": [
            Consultation("family", datetime(2025, 4, 20, 15, 30, tzinfo=UTC), ["withdrawal", "violence"]),
            Consultation("person", datetime(2025, 5, 10, 1, 0, tzinfo=UTC), ["mental_health"], "emergency"),
            Consultation("family", datetime(2025, 5, 20, 1, 0, tzinfo=UTC), ["withdrawal"]),
        ],
        "contacts": [Contact("interview", datetime(2025, 5, 15, 5, 0, tzinfo=UTC))],
        "case_opened_at": datetime(2025, 4, 20, 15, 30, tzinfo=UTC),
        "flags": [CaseFlag.SUICIDE_RISK, CaseFlag.FAMILY_CRISIS],
        "risk_level": RiskLevel.HIGH,
        "previous_risk_level": RiskLevel.MEDIUM,
        "reason_codes": [EscalationReason.SUICIDE_RISK],
        "urgency": Urgency.IMMEDIATE,
        "municipality_code": "131041",
        "now": NOW,
    }
    values.update(overrides)
    return automatic_brief(**values)  # type: ignore[arg-type]


def test_the_brief_holds_the_case_s_codes_bands_and_counts() -> None:
    facts = brief()
    assert facts.age_band is AgeBand.AGE_20_29
    assert facts.consulters == (Consulter.PERSON, Consulter.FAMILY)  # distinct, in the code list's order
    assert facts.topics == (Topic.WITHDRAWAL, Topic.MENTAL_HEALTH, Topic.VIOLENCE)
    assert facts.triage == (Triage.EMERGENCY,)  # "none" is no triage
    assert facts.flags == (CaseFlag.SUICIDE_RISK, CaseFlag.FAMILY_CRISIS)
    assert (facts.risk_level, facts.previous_risk_level) == (RiskLevel.HIGH, RiskLevel.MEDIUM)
    assert facts.reason_codes == (EscalationReason.SUICIDE_RISK,)
    assert facts.urgency is Urgency.IMMEDIATE
    assert (facts.consultations, facts.other_contacts) == (3, 1)
    assert facts.municipality_code == "131041"


def test_days_since_first_contact_count_tokyo_dates() -> None:
    # 20 April 15:30 UTC is 21 April 00:30 in Tokyo: 41 Tokyo days to 1 June.
    assert brief().days_since_first_contact == 41
    # A contact before the case's first consultation counts from the contact.
    early = [Contact("home_visit", datetime(2025, 4, 1, 0, 0, tzinfo=UTC))]
    assert brief(contacts=early).days_since_first_contact == 61
    # No consultation at all: from the opening of the case; never negative.
    assert brief(consultations=[], contacts=[], case_opened_at=NOW).days_since_first_contact == 0


def test_values_that_are_no_codes_never_reach_the_brief() -> None:
    odd = [Consultation("neighbour " + CANARY, NOW, [CANARY, "school"], CANARY)]
    facts = brief(consultations=odd, age_band=CANARY)
    assert facts.consulters == ()
    assert facts.topics == (Topic.SCHOOL,)
    assert facts.triage == ()
    assert facts.age_band is AgeBand.UNKNOWN
    assert CANARY not in json.dumps(facts.as_json(), ensure_ascii=False)


def test_canary_no_free_text_of_the_case_appears_in_the_brief() -> None:
    facts = brief()
    text = json.dumps(facts.as_json(), ensure_ascii=False) + summary_of(facts)
    assert CANARY not in text
    for fragment in ("山田", "090", "新宿区西新宿", "息子", "本文", "面接メモ"):
        assert fragment not in text
    assert set(facts.as_json()) == {
        "age_band",
        "consulters",
        "topics",
        "triage",
        "flags",
        "risk_level",
        "previous_risk_level",
        "reason_codes",
        "urgency",
        "days_since_first_contact",
        "consultations",
        "other_contacts",
        "municipality_code",
    }


def test_the_summary_is_made_of_the_facts_in_japanese() -> None:
    assert summary_of(brief()) == (
        "自動登録: 20代、相談者 本人・家族、リスク 高、初回接触から41日、相談3件・面接等1件"
    )
    assert "相談者 不明" in summary_of(brief(consultations=[]))


def test_a_brief_may_be_written_only_while_the_escalation_waits() -> None:
    assert brief_change_refusal(EscalationStatus.PENDING) is None
    assert brief_change_refusal(EscalationStatus.REVIEWED) is rules.ESCALATION_NOT_PENDING
