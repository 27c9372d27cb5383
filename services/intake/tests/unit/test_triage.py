"""Triage of web consultations: emergencies and requests for diagnosis get an immediate answer."""

from __future__ import annotations

import pytest
from tsunagu_intake.adapters.reference_data import triage_words
from tsunagu_intake.domain.codes import CaseFlag, Triage
from tsunagu_intake.domain.triage import immediate_answer, triage, triage_flag

WORDS = triage_words()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("最近ずっと死にたいと思ってしまいます", Triage.EMERGENCY),
        ("ｼﾆﾀｲ", Triage.EMERGENCY),  # half-width katakana folds to the hiragana word
        ("もう 死に たい", Triage.EMERGENCY),  # spaces do not hide a word
        ("息子は何の病気なのか診断してほしい", Triage.DIAGNOSIS_REQUEST),
        ("処方された薬の量が心配です", Triage.DIAGNOSIS_REQUEST),
        ("息子が部屋から出てきません。どう接したらよいでしょうか", Triage.NONE),
        ("救急車を呼ぶべきか、診断してほしい", Triage.EMERGENCY),  # emergency wins
    ],
)
def test_words_in_the_text(text: str, expected: Triage) -> None:
    assert triage(Triage.NONE, text, WORDS) is expected


def test_full_width_and_half_width_spellings_match_alike() -> None:
    assert triage(Triage.NONE, "救急車", WORDS) is Triage.EMERGENCY
    words = WORDS.__class__.from_data({"emergency": ["SOS"], "diagnosis_request": []})
    assert triage(Triage.NONE, "ＳＯＳです", words) is Triage.EMERGENCY
    assert triage(Triage.NONE, "sos", words) is Triage.EMERGENCY


def test_the_persons_own_choice_counts() -> None:
    assert triage(Triage.EMERGENCY, "相談です", WORDS) is Triage.EMERGENCY
    assert triage(Triage.DIAGNOSIS_REQUEST, "相談です", WORDS) is Triage.DIAGNOSIS_REQUEST


def test_immediate_answers_point_to_emergency_services_or_medical_care() -> None:
    emergency = immediate_answer(Triage.EMERGENCY)
    assert emergency is not None
    assert emergency.code == "emergency_services"
    assert "119" in emergency.message
    assert "110" in emergency.message
    diagnosis = immediate_answer(Triage.DIAGNOSIS_REQUEST)
    assert diagnosis is not None
    assert diagnosis.code == "medical_care"
    assert "医療機関" in diagnosis.message
    assert immediate_answer(Triage.NONE) is None


def test_triaged_consultations_flag_the_case() -> None:
    assert triage_flag(Triage.EMERGENCY) is CaseFlag.EMERGENCY_CONTACT
    assert triage_flag(Triage.DIAGNOSIS_REQUEST) is CaseFlag.DIAGNOSIS_REQUEST
    assert triage_flag(Triage.NONE) is None
