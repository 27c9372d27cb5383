"""The rules intake refuses with: declared once, named as the API has always named them."""

from __future__ import annotations

from tsunagu_intake.domain import eligibility, rules
from tsunagu_intake.domain.cases import change_refusal, close_refusal, delivery_refusal, reply_refusal
from tsunagu_intake.domain.codes import CaseStatus, Channel


def test_each_eligibility_rule_of_the_data_has_its_refusal_under_the_same_name() -> None:
    assert set(rules.ELIGIBILITY) == set(eligibility.RULE_NAMES)
    assert {r.status for r in rules.ELIGIBILITY.values()} == {422}
    assert all(name in rules.RULES for name in eligibility.RULE_NAMES)


def test_the_rule_book_holds_the_names_and_statuses_callers_rely_on() -> None:
    expected = {
        "own_municipality_only": 403,
        "received_in_future": 422,
        "received_before_records": 422,
        "case_of_another_person": 422,
        "case_closed": 422,
        "case_already_closed": 422,
        "flag_expiry_in_past": 422,
        "not_email_consultation": 422,
        "already_replied": 422,
        "no_rules_in_force": 422,
        "erased": 410,
        "already_erased": 409,
        "login_failed": 401,
        "login_locked": 429,
        "web_login_required": 401,
        "web_login_invalid": 401,
        "web_login_expired": 401,
        "escalation_not_pending": 409,
        "task_already_completed": 409,
        "task_of_another_counsellor": 403,
        "reply_not_readable": 409,
        "already_signed_up": 409,
        "password_reset_failed": 401,
    }
    assert {name: rules.RULES[name].status for name in expected} == expected
    assert {r.name for r in rules.RULES.with_status(404)} == {
        "case_not_found",
        "person_not_found",
        "consultation_not_found",
        "escalation_not_found",
        "home_visit_request_not_found",
        "disclosure_not_found",
        "task_not_found",
        "signup_session_not_open",
    }


def test_what_may_happen_to_a_case() -> None:
    assert change_refusal(CaseStatus.OPEN) is None
    assert change_refusal(CaseStatus.CLOSED) is rules.CASE_CLOSED
    assert close_refusal(CaseStatus.CLOSED) is rules.CASE_ALREADY_CLOSED
    assert close_refusal(CaseStatus.OPEN) is None
    ok = {"channel": Channel.EMAIL, "case_status": CaseStatus.OPEN, "replied": False}
    assert reply_refusal(**ok) is None
    assert reply_refusal(**{**ok, "channel": Channel.PHONE}) is rules.NOT_EMAIL_CONSULTATION
    assert reply_refusal(**{**ok, "case_status": CaseStatus.CLOSED}) is rules.CASE_CLOSED
    assert reply_refusal(**{**ok, "replied": True}) is rules.ALREADY_REPLIED


def test_a_reply_nobody_could_read_must_have_been_sent_outside() -> None:
    assert delivery_refusal(has_web_login=True, sent_outside=False) is None
    assert delivery_refusal(has_web_login=True, sent_outside=True) is None
    assert delivery_refusal(has_web_login=False, sent_outside=True) is None
    assert delivery_refusal(has_web_login=False, sent_outside=False) is rules.REPLY_NOT_READABLE
