"""The de-identified brief of an escalation a rule started, built from structured fields only.

A counsellor who escalates by hand writes the brief. When a rule escalates (a high-risk flag, critical
risk), nobody has written anything, and the expert team would otherwise get the case with no brief
at all. The brief built here holds only what intake keeps as codes, bands and counts:

- the person's age band and who consulted (the person, family, someone else);
- the topics and the web form's triage of the case's consultations, the flags in force;
- the risk level (and the one before the assessment), the reason codes and the urgency;
- how long since the first contact (days, Tokyo dates) and how many contacts there were;
- the municipality code of the case, which ``CaseEscalated`` already carries to the team.

Never a name, contact detail, address, birth date, nor a word anyone typed: the inputs are read
through narrow protocols that name only structured attributes, so a note on a record cannot reach
the brief even when the record carries one. Staff complete the brief afterwards with the narrative
(summary, background, question), which is sealed with the person's key like a brief written by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from tsunagu_calendar import TOKYO

from .codes import AgeBand, CaseFlag, Consulter, EscalationReason, RiskLevel, Topic, Triage, Urgency


class ConsultationFacts(Protocol):
    """What the brief reads of a consultation of the case: codes and the time it came."""

    @property
    def consulter(self) -> str: ...
    @property
    def received_at(self) -> datetime: ...
    @property
    def topics(self) -> list[str]: ...
    @property
    def triage(self) -> str: ...


class ContactFacts(Protocol):
    """What the brief reads of a contact scheduling recorded (an interview, a home visit)."""

    @property
    def modality(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class BriefFacts:
    """The structured part of a brief: codes, bands, counts, a municipality code. JSON-ready."""

    age_band: AgeBand
    consulters: tuple[Consulter, ...]
    topics: tuple[Topic, ...]
    triage: tuple[Triage, ...]
    """The web form's triage of the case's consultations, other than ``none``."""
    flags: tuple[CaseFlag, ...]
    risk_level: RiskLevel
    previous_risk_level: RiskLevel | None
    reason_codes: tuple[EscalationReason, ...]
    urgency: Urgency
    days_since_first_contact: int
    consultations: int
    other_contacts: int
    """Interviews people came to and home visits that took place (scheduling's events)."""
    municipality_code: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "age_band": self.age_band.value,
            "consulters": [c.value for c in self.consulters],
            "topics": [t.value for t in self.topics],
            "triage": [t.value for t in self.triage],
            "flags": [f.value for f in self.flags],
            "risk_level": self.risk_level.value,
            "previous_risk_level": self.previous_risk_level.value if self.previous_risk_level else None,
            "reason_codes": [r.value for r in self.reason_codes],
            "urgency": self.urgency.value,
            "days_since_first_contact": self.days_since_first_contact,
            "consultations": self.consultations,
            "other_contacts": self.other_contacts,
            "municipality_code": self.municipality_code,
        }


_Code = TypeVar("_Code", AgeBand, Consulter, Topic, Triage)


def _known(kind: type[_Code], values: Iterable[str]) -> tuple[_Code, ...]:
    """The distinct codes among ``values`` in the order of the code list; anything else is left out
    (a stored value that is no code never reaches the brief)."""
    present = set(values)
    return tuple(code for code in kind if code.value in present)


def automatic_brief(
    *,
    age_band: str,
    consultations: Sequence[ConsultationFacts],
    contacts: Sequence[ContactFacts],
    case_opened_at: datetime,
    flags: Iterable[CaseFlag],
    risk_level: RiskLevel,
    previous_risk_level: RiskLevel | None,
    reason_codes: Iterable[EscalationReason],
    urgency: Urgency,
    municipality_code: str | None,
    now: datetime,
) -> BriefFacts:
    """The brief of an escalation a rule started, from the case's structured fields."""
    first = min([case_opened_at, *(c.received_at for c in consultations), *(c.occurred_at for c in contacts)])
    days = (now.astimezone(TOKYO).date() - first.astimezone(TOKYO).date()).days
    band = next(iter(_known(AgeBand, [age_band])), AgeBand.UNKNOWN)
    return BriefFacts(
        age_band=band,
        consulters=_known(Consulter, (c.consulter for c in consultations)),
        topics=_known(Topic, (t for c in consultations for t in c.topics)),
        triage=tuple(t for t in _known(Triage, (c.triage for c in consultations)) if t is not Triage.NONE),
        flags=tuple(f for f in CaseFlag if f in set(flags)),
        risk_level=risk_level,
        previous_risk_level=previous_risk_level,
        reason_codes=tuple(dict.fromkeys(reason_codes)),
        urgency=urgency,
        days_since_first_contact=max(days, 0),
        consultations=len(consultations),
        other_contacts=len(contacts),
        municipality_code=municipality_code,
    )


_AGE_LABELS = {
    AgeBand.UNDER_15: "15歳未満",
    AgeBand.AGE_15_19: "10代後半",
    AgeBand.AGE_20_29: "20代",
    AgeBand.AGE_30_39: "30代",
    AgeBand.AGE_40_49: "40代",
    AgeBand.AGE_50_59: "50代",
    AgeBand.AGE_60_69: "60代",
    AgeBand.AGE_70_PLUS: "70歳以上",
    AgeBand.UNKNOWN: "年齢不詳",
}
_CONSULTER_LABELS = {Consulter.PERSON: "本人", Consulter.FAMILY: "家族", Consulter.OTHER: "その他"}
RISK_LABELS = {RiskLevel.LOW: "低", RiskLevel.MEDIUM: "中", RiskLevel.HIGH: "高", RiskLevel.CRITICAL: "緊急"}
"""Risk levels as staff read them."""


def summary_of(facts: BriefFacts) -> str:
    """One line in Japanese for the team's first look, made of the facts alone."""
    consulters = "・".join(_CONSULTER_LABELS[c] for c in facts.consulters) or "不明"
    return (
        f"自動登録: {_AGE_LABELS[facts.age_band]}、相談者 {consulters}、"
        f"リスク {RISK_LABELS[facts.risk_level]}、初回接触から{facts.days_since_first_contact}日、"
        f"相談{facts.consultations}件・面接等{facts.other_contacts}件"
    )
