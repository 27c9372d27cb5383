"""Triage of web consultations: emergencies and requests for diagnosis get an immediate answer.

E-mail consultation cannot help in an emergency and cannot diagnose. When the person says so in the
form, or the text holds one of the configured words (data, matched after folding width, case and
kana, so ``ｼﾆﾀｲ``, ``シニタイ`` and ``しにたい`` match alike), the service answers at once with a fixed
message pointing to emergency services or medical care, and flags the case to staff.
Emergency wins over a diagnosis request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .codes import CaseFlag, Triage
from .text import fold


@dataclass(frozen=True, slots=True)
class TriageWords:
    version: str
    emergency: tuple[str, ...]
    diagnosis_request: tuple[str, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TriageWords:
        def words(key: str) -> tuple[str, ...]:
            values = data.get(key) or []
            if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
                raise ValueError(f"triage words: {key} must be a list of non-empty strings")
            return tuple(fold(v) for v in values)

        return cls(
            version=str(data.get("version", "")),
            emergency=words("emergency"),
            diagnosis_request=words("diagnosis_request"),
        )


def _contains_any(folded: str, words: Iterable[str]) -> bool:
    return any(word in folded for word in words)


def triage(declared: Triage, text: str, words: TriageWords) -> Triage:
    """The triage of a web consultation from the person's choice and the text."""
    folded = fold(text)
    if declared is Triage.EMERGENCY or _contains_any(folded, words.emergency):
        return Triage.EMERGENCY
    if declared is Triage.DIAGNOSIS_REQUEST or _contains_any(folded, words.diagnosis_request):
        return Triage.DIAGNOSIS_REQUEST
    return Triage.NONE


@dataclass(frozen=True, slots=True)
class ImmediateAnswer:
    code: str
    message: str


IMMEDIATE_ANSWERS: dict[Triage, ImmediateAnswer] = {
    Triage.EMERGENCY: ImmediateAnswer(
        code="emergency_services",
        message=(
            "命に関わる危険があるときや、今まさに危ない状況にあるときは、すぐに119番（救急）または"
            "110番（警察）に電話してください。急な病気やけがで救急車を呼ぶか迷うときは、"
            "東京消防庁救急相談センター（#7119）に相談できます。"
            "このメール相談は返信までに時間がかかるため、緊急の対応はできません。"
            "いただいた相談は担当者が確認し、返信します。"
        ),
    ),
    Triage.DIAGNOSIS_REQUEST: ImmediateAnswer(
        code="medical_care",
        message=(
            "このメール相談では、病気や障害の診断、薬や治療についての判断はできません。"
            "医療機関（かかりつけ医、精神科・心療内科など）にご相談ください。"
            "急な体調の変化で受診を迷うときは、東京消防庁救急相談センター（#7119）に相談できます。"
            "いただいた相談は担当者が確認し、返信します。"
        ),
    ),
}


def immediate_answer(result: Triage) -> ImmediateAnswer | None:
    return IMMEDIATE_ANSWERS.get(result)


def triage_flag(result: Triage) -> CaseFlag | None:
    """The flag a triaged consultation puts on its case, so staff see it first."""
    return {
        Triage.EMERGENCY: CaseFlag.EMERGENCY_CONTACT,
        Triage.DIAGNOSIS_REQUEST: CaseFlag.DIAGNOSIS_REQUEST,
    }.get(result)
