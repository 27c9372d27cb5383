"""The agreement lifecycle, terms, numbers, templates and renewal dates on the programme calendar,
without I/O."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tsunagu_calendar import ServiceCalendar
from tsunagu_contracts.events.intake import AgeBand
from tsunagu_contracts.events.partners import SupportKind
from tsunagu_partners.adapters.agreement_templates import agreement_templates
from tsunagu_partners.domain import rules
from tsunagu_partners.domain.agreements import (
    REFUSAL_OF,
    TRANSITIONS,
    AgreementTemplate,
    AgreementTemplates,
    AssessmentLevel,
    KindAssessment,
    PartnerAction,
    agreement_number,
    agreement_term,
    check_self_assessment,
    load_agreement_templates,
    next_state,
    renewal_due_on,
    term_end,
)
from tsunagu_partners.domain.partners import PartnerState
from tsunagu_partners.handlers.commands import OfferedAgeBand
from tsunagu_servicekit.errors import Refusal, Rule

CAL = ServiceCalendar()
S, A = PartnerState, PartnerAction


# -- the lifecycle ---------------------------------------------------------------------------------


def test_the_happy_path_and_its_branches() -> None:
    assert next_state(S.CANDIDATE, A.APPLY) == S.APPLIED
    assert next_state(S.APPLIED, A.REFUSE) == S.CANDIDATE
    assert next_state(S.APPLIED, A.SIGN) == S.ACTIVE
    assert next_state(S.APPLIED, A.SIGN_AHEAD) == S.APPLIED
    assert next_state(S.APPLIED, A.TAKE_EFFECT) == S.ACTIVE
    assert next_state(S.ACTIVE, A.RENEW) == S.ACTIVE
    assert next_state(S.ACTIVE, A.SUSPEND) == S.SUSPENDED
    assert next_state(S.SUSPENDED, A.RESUME) == S.ACTIVE
    assert next_state(S.SUSPENDED, A.END) == S.ENDED
    assert next_state(S.ACTIVE, A.EXPIRE) == S.EXPIRED
    assert next_state(S.EXPIRED, A.APPLY) == S.APPLIED


@pytest.mark.parametrize(
    ("state", "action", "rule"),
    [
        (S.CANDIDATE, A.SIGN, rules.APPLICATION_NOT_OPEN),
        (S.ACTIVE, A.APPLY, rules.PARTNER_CANNOT_APPLY),
        (S.APPLIED, A.APPLY, rules.PARTNER_CANNOT_APPLY),
        (S.SUSPENDED, A.SUSPEND, rules.PARTNER_NOT_ACTIVE),
        (S.SUSPENDED, A.RENEW, rules.PARTNER_NOT_ACTIVE),
        (S.ACTIVE, A.RESUME, rules.PARTNER_NOT_SUSPENDED),
        (S.CANDIDATE, A.END, rules.PARTNER_NOT_IN_AGREEMENT),
        (S.ENDED, A.END, rules.PARTNER_NOT_IN_AGREEMENT),
        (S.EXPIRED, A.RESUME, rules.PARTNER_NOT_SUSPENDED),
    ],
)
def test_illegal_steps_are_refused_by_their_rule(
    state: PartnerState, action: PartnerAction, rule: Rule
) -> None:
    with pytest.raises(Refusal) as refused:
        next_state(state, action)
    assert refused.value.rule == rule
    assert rule.status == 409


def test_every_action_has_a_refusal_rule() -> None:
    assert set(REFUSAL_OF) == set(TRANSITIONS) == set(PartnerAction)


@given(st.lists(st.sampled_from(PartnerAction), max_size=40))
def test_no_sequence_of_steps_skips_the_application_and_the_signing(actions: list[PartnerAction]) -> None:
    """Whatever is tried, an organisation is a partner (active or suspended) only after it applied
    and an agreement was signed since, and a refused step changes nothing. (Taking effect is no
    request: the timer takes it for an agreement signed ahead, so it is tried only then.)"""
    state, applied, signed = S.CANDIDATE, False, False
    for action in actions:
        if action is A.TAKE_EFFECT and not signed:
            continue
        if state not in TRANSITIONS[action]:
            with pytest.raises(Refusal) as refused:
                next_state(state, action)
            assert refused.value.rule == REFUSAL_OF[action]
            continue
        after = next_state(state, action)
        if action is A.APPLY:
            applied, signed = True, False
        if action in (A.SIGN, A.SIGN_AHEAD):
            assert applied
            signed = True
        if after in (S.ACTIVE, S.SUSPENDED):
            assert applied
            assert signed
        if after in (S.CANDIDATE, S.ENDED, S.EXPIRED):
            applied, signed = False, False
        state = after


# -- the self-assessment ---------------------------------------------------------------------------


def assess(**provided: AssessmentLevel | None) -> list[KindAssessment]:
    return [KindAssessment(kind, kind.value in provided, provided.get(kind.value)) for kind in SupportKind]


def test_the_self_assessment_gives_the_kinds_provided_in_the_guidelines_order() -> None:
    entries = list(
        reversed(assess(social_participation=AssessmentLevel.PARTLY, consultation=AssessmentLevel.MEETS))
    )
    assert check_self_assessment(entries) == (SupportKind.CONSULTATION, SupportKind.SOCIAL_PARTICIPATION)


@pytest.mark.parametrize(
    ("entries", "rule"),
    [
        (assess(), rules.SELF_ASSESSMENT_PROVIDES_NOTHING),
        (assess(consultation=AssessmentLevel.MEETS)[:2], rules.SELF_ASSESSMENT_INCOMPLETE),
        (
            [
                *assess(consultation=AssessmentLevel.MEETS)[:2],
                KindAssessment(SupportKind.CONSULTATION, False),
            ],
            rules.SELF_ASSESSMENT_INCOMPLETE,
        ),
        ([KindAssessment(k, True) for k in SupportKind], rules.SELF_ASSESSMENT_LEVEL_MISMATCH),
        (
            [KindAssessment(k, k is SupportKind.CONSULTATION, AssessmentLevel.MEETS) for k in SupportKind],
            rules.SELF_ASSESSMENT_LEVEL_MISMATCH,
        ),
    ],
)
def test_a_self_assessment_that_does_not_hold_is_refused(entries: list[KindAssessment], rule: Rule) -> None:
    with pytest.raises(Refusal) as refused:
        check_self_assessment(entries)
    assert refused.value.rule == rule


# -- terms and numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2025, 4, 1), 12, date(2026, 3, 31)),
        (date(2025, 4, 1), 24, date(2027, 3, 31)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 15), 1, date(2025, 2, 14)),
        (date(2025, 3, 1), 1, date(2025, 3, 31)),
        (date(2025, 12, 10), 3, date(2026, 3, 9)),
    ],
)
def test_terms_in_months_end_as_the_civil_code_counts(start: date, months: int, end: date) -> None:
    assert term_end(start, months) == end


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(1, 120),
    st.integers(1, 120),
)
def test_terms_are_never_empty_grow_with_months_and_chain_without_gaps(
    start: date, months: int, more: int
) -> None:
    end = term_end(start, months)
    assert start <= end < start + timedelta(days=31 * months + 1)
    assert term_end(start, months + more) > end
    # A renewal starts the day after; a full year always comes back to the same day of the year.
    if start.day == 1:
        follow = end + timedelta(days=1)
        assert follow.day == 1
        assert term_end(follow, more) == term_end(start, months + more)


def test_a_term_ending_before_it_starts_or_given_twice_is_refused() -> None:
    with pytest.raises(Refusal) as refused:
        agreement_term(date(2025, 4, 1), months=None, ends_on=date(2025, 3, 31), default_months=12)
    assert (refused.value.rule, refused.value.rule.status) == (rules.AGREEMENT_TERM_ENDS_BEFORE_START, 422)
    with pytest.raises(Refusal) as refused:
        agreement_term(date(2025, 4, 1), months=12, ends_on=date(2026, 3, 31), default_months=12)
    assert refused.value.rule == rules.AGREEMENT_TERM_GIVEN_TWICE
    assert agreement_term(date(2025, 4, 1), months=None, ends_on=date(2025, 4, 1), default_months=12) == date(
        2025, 4, 1
    )
    assert agreement_term(date(2025, 4, 1), months=None, ends_on=None, default_months=24) == date(2027, 3, 31)


def test_agreement_numbers() -> None:
    assert agreement_number(2025, 7) == "PA-2025-0007"
    assert agreement_number(2026, 12345) == "PA-2026-12345"


# -- renewal due on the programme calendar --------------------------------------------------------


@pytest.mark.parametrize(
    ("ends_on", "lead", "due_on", "why"),
    [
        (date(2025, 5, 7), 3, date(2025, 4, 30), "Golden Week: 5/3-5/6 off, 5/6 振替休日"),
        (date(2025, 5, 7), 1, date(2025, 5, 2), "the last business day before Golden Week"),
        (date(2025, 4, 30), 1, date(2025, 4, 28), "4/29 昭和の日"),
        (date(2026, 1, 5), 2, date(2025, 12, 25), "the 12/29-1/3 closure and a weekend"),
        (date(2026, 1, 5), 1, date(2025, 12, 26), "the last business day of the year"),
        (date(2026, 3, 31), 20, date(2026, 3, 2), "20 business days, 3/20 春分の日 skipped"),
        (date(2025, 11, 25), 1, date(2025, 11, 21), "Mon 11/24 振替休日 and a weekend"),
        (
            date(2026, 9, 24),
            1,
            date(2026, 9, 18),
            "Silver Week 2026: 9/21 敬老の日, 9/22 国民の休日, 9/23 秋分の日",
        ),
    ],
)
def test_renewal_is_due_on_business_days_before_the_end(
    ends_on: date, lead: int, due_on: date, why: str
) -> None:
    assert renewal_due_on(CAL, ends_on, lead) == due_on, why


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), st.integers(1, 60))
def test_renewal_due_is_a_business_day_with_the_lead_between_it_and_the_end(ends_on: date, lead: int) -> None:
    due = renewal_due_on(CAL, ends_on, lead)
    assert due < ends_on
    assert CAL.is_business_day(due)
    # Business days d with due <= d < ends_on: exactly the lead.
    assert CAL.business_days_between(due - timedelta(days=1), ends_on - timedelta(days=1)) == lead


# -- templates -------------------------------------------------------------------------------------


def template(version: str, start: date, end: date | None, months: int = 12) -> AgreementTemplate:
    return AgreementTemplate(version, start, end, "協定書", months)


def test_the_template_in_force_on_the_effective_date_unless_one_is_named() -> None:
    book = AgreementTemplates(
        [template("2", date(2026, 4, 1), None, 24), template("1", date(2024, 4, 1), date(2026, 3, 31))]
    )
    assert book.for_agreement(date(2026, 3, 31), None).version == "1"
    assert book.for_agreement(date(2026, 4, 1), None).version == "2"
    assert book.for_agreement(date(2026, 4, 1), "1").version == "1"
    with pytest.raises(Refusal) as refused:
        book.for_agreement(date(2024, 3, 31), None)
    assert refused.value.rule == rules.AGREEMENT_TEMPLATE_NOT_IN_FORCE
    with pytest.raises(Refusal) as refused:
        book.for_agreement(date(2026, 4, 1), "3")
    assert refused.value.rule == rules.AGREEMENT_TEMPLATE_UNKNOWN


def test_overlapping_or_malformed_templates_do_not_load() -> None:
    with pytest.raises(ValueError, match="overlap"):
        AgreementTemplates([template("1", date(2024, 4, 1), None), template("2", date(2026, 4, 1), None)])
    with pytest.raises(ValueError, match="twice"):
        AgreementTemplates(
            [template("1", date(2024, 4, 1), date(2025, 3, 31)), template("1", date(2026, 4, 1), None)]
        )
    good = {
        "version": "1",
        "effective_from": "2024-04-01",
        "effective_to": None,
        "title": "t",
        "default_term_months": 12,
    }
    assert load_agreement_templates([good]).all[0].version == "1"
    with pytest.raises(ValueError, match="keys"):
        load_agreement_templates([{**good, "extra": 1}])
    with pytest.raises(ValueError, match="version"):
        load_agreement_templates([{**good, "version": "v 1"}])
    with pytest.raises(ValueError, match="default_term_months"):
        load_agreement_templates([{**good, "default_term_months": "12"}])


def test_the_shipped_templates_cover_every_day_from_their_first() -> None:
    book = agreement_templates()
    first = book.all[0].effective_from
    for offset in range(0, 3650, 7):
        book.for_agreement(first + timedelta(days=offset), None)


def test_offered_age_bands_are_intakes_less_unknown() -> None:
    assert set(get_args(OfferedAgeBand)) == {band.value for band in AgeBand} - {"unknown"}


def test_a_templates_file_named_in_the_settings_replaces_the_shipped_ones(tmp_path: Path) -> None:
    path = tmp_path / "templates.json"
    own = {
        "version": "X-1",
        "effective_from": "2020-01-01",
        "effective_to": None,
        "title": "t",
        "default_term_months": 6,
    }
    path.write_text(json.dumps([own]), encoding="utf-8")
    book = agreement_templates(path)
    assert [t.version for t in book.all] == ["X-1"]
    assert book.for_agreement(date(2030, 1, 1), None).default_term_months == 6
