"""The disclosure rules, without I/O: the legal basis, expiry, readability after a decline, a
withdrawal or an erasure, the referral's state in any order of events, and the redaction profiles."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from tsunagu_intake.adapters.reference_data import redaction_profiles
from tsunagu_intake.domain import rules
from tsunagu_intake.domain.disclosures import (
    DISCLOSABLE_FIELDS,
    NoProfileInForce,
    ReferralState,
    parse_profiles,
    readability_refusal,
    recording_refusal,
    referral_state,
)
from tsunagu_intake.handlers.commands import RecordDisclosure

NOW = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)


def readable(**changes: object) -> object:
    args: dict[str, object] = {
        "person_erased": False,
        "withdrawn": False,
        "expires_at": LATER,
        "referral": ReferralState.ACCEPTED,
        "now": NOW,
    }
    return readability_refusal(**{**args, **changes})  # type: ignore[arg-type]


def test_a_disclosure_is_readable_while_nothing_closed_it() -> None:
    assert readable() is None
    assert readable(referral=ReferralState.OFFERED) is None


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"person_erased": True}, rules.ERASED),
        ({"withdrawn": True}, rules.DISCLOSURE_WITHDRAWN),
        ({"referral": ReferralState.DECLINED}, rules.REFERRAL_DECLINED),
        ({"referral": ReferralState.WITHDRAWN}, rules.REFERRAL_WITHDRAWN),
        ({"now": LATER}, rules.DISCLOSURE_EXPIRED),
    ],
)
def test_each_closing_fact_makes_it_unreadable_for_good(change: dict[str, object], rule: object) -> None:
    assert readable(**change) == rule
    assert rule.status == 410  # type: ignore[attr-defined]


def test_erasure_wins_over_every_other_reason() -> None:
    assert (
        readable(person_erased=True, withdrawn=True, referral=ReferralState.DECLINED, now=LATER)
        == rules.ERASED
    )


def test_recording_needs_a_known_open_referral_and_an_expiry_within_the_limit() -> None:
    def rec(state: ReferralState, expires_at: datetime = LATER) -> object:
        return recording_refusal(state, expires_at=expires_at, now=NOW, max_days=90)

    assert rec(ReferralState.OFFERED) is None
    assert rec(ReferralState.ACCEPTED) is None
    assert rec(ReferralState.UNKNOWN) == rules.REFERRAL_NOT_KNOWN
    assert rec(ReferralState.DECLINED) == rules.REFERRAL_ENDED
    assert rec(ReferralState.WITHDRAWN) == rules.REFERRAL_ENDED
    assert rec(ReferralState.OFFERED, NOW) == rules.DISCLOSURE_EXPIRY_IN_PAST
    assert rec(ReferralState.OFFERED, NOW + timedelta(days=90)) is None
    assert rec(ReferralState.OFFERED, NOW + timedelta(days=90, seconds=1)) == rules.DISCLOSURE_EXPIRY_TOO_FAR


def test_the_referrals_state_does_not_depend_on_the_order_events_arrive_in() -> None:
    history = [("offered", True), ("accepted", True), ("withdrawn", True)]
    seen: dict[str, bool] = {"offered": False, "accepted": False, "declined": False, "withdrawn": False}
    finals = set()
    for order in itertools.permutations(history):
        state = dict(seen)
        for name, value in order:
            state[name] = value
        finals.add(referral_state(**state))
    assert finals == {ReferralState.WITHDRAWN}
    assert (
        referral_state(offered=False, accepted=True, declined=False, withdrawn=False) is ReferralState.UNKNOWN
    )
    assert (
        referral_state(offered=True, accepted=False, declined=True, withdrawn=False) is ReferralState.DECLINED
    )


def test_a_body_without_a_legal_basis_names_the_rule() -> None:
    body = {
        "referral_id": "00000000-0000-4000-8000-000000000001",
        "purpose": "connect_support",
        "profile": "contact_minimal",
        "expires_at": LATER.isoformat(),
    }
    for missing in (body, {**body, "legal_basis": None}):
        with pytest.raises(ValidationError) as caught:
            RecordDisclosure.model_validate(missing)
        assert [e["type"] for e in caught.value.errors()] == [rules.LEGAL_BASIS_REQUIRED]
    ok = RecordDisclosure.model_validate({**body, "legal_basis": "support_meeting"})
    assert ok.legal_basis == "support_meeting"


def test_the_shipped_profiles_name_only_disclosable_fields() -> None:
    profiles = redaction_profiles()
    current = profiles.in_force(date(2025, 5, 1))
    assert current.profiles["contact_minimal"] == ("nickname", "phone")
    assert set(current.profiles["case_summary"]) == {
        "nickname",
        "age_band",
        "residence_code",
        "risk_level",
        "flags",
    }
    assert all(set(fields) <= DISCLOSABLE_FIELDS for fields in current.profiles.values())
    with pytest.raises(NoProfileInForce):
        profiles.in_force(date(2020, 1, 1))


def test_a_disclosure_keeps_the_fields_of_the_version_it_was_recorded_under() -> None:
    profiles = parse_profiles(
        {
            "versions": [
                {"version": "2025-04", "effective_from": "2025-04-01", "profiles": {"p": ["nickname"]}},
                {
                    "version": "2026-04",
                    "effective_from": "2026-04-01",
                    "profiles": {"p": ["nickname", "phone"]},
                },
            ]
        }
    )
    assert profiles.fields("2025-04", "p") == ("nickname",)
    assert profiles.fields("2026-04", "p") == ("nickname", "phone")
    assert profiles.in_force(date(2026, 5, 1)).version == "2026-04"
    assert profiles.fields("2024-01", "p") == ()  # a version no longer shipped shows nothing


@pytest.mark.parametrize(
    "versions",
    [
        [{"version": "v", "effective_from": "2025-04-01", "profiles": {"p": ["password"]}}],
        [{"version": "v", "effective_from": "2025-04-01", "profiles": {"p": []}}],
        [
            {"version": "v", "effective_from": "2025-04-01", "profiles": {"p": ["name"]}},
            {"version": "v", "effective_from": "2026-04-01", "profiles": {"p": ["name"]}},
        ],
        [
            {"version": "a", "effective_from": "2026-04-01", "profiles": {"p": ["name"]}},
            {"version": "b", "effective_from": "2025-04-01", "profiles": {"p": ["name"]}},
        ],
    ],
)
def test_profiles_with_unknown_fields_or_versions_out_of_order_are_refused_at_load(
    versions: list[object],
) -> None:
    with pytest.raises(ValueError, match="redaction profile"):
        parse_profiles({"versions": versions})
