"""The rules a request can break: each named once, with the status the API has always answered."""

from __future__ import annotations

from tsunagu_scheduling.domain import rules
from tsunagu_servicekit.errors import Rule, RuleBook

MISSING = {
    "appointment_not_found",
    "case_not_known",
    "meeting_not_found",
    "minutes_not_found",
    "person_not_known",
    "registration_not_found",
    "review_not_found",
    "room_not_found",
    "session_not_found",
    "staff_member_not_found",
    "staff_not_found",
    "visit_not_found",
}
CONFLICTS = {
    "already_registered",
    "attendance_already_recorded",
    "appointment_not_active",
    "case_closed",
    "meeting_already_exists",
    "minutes_approved",
    "minutes_changed",
    "person_double_booked",
    "person_erased",
    "registration_not_active",
    "registration_not_seated",
    "review_already_concluded",
    "review_withdrawn",
    "room_double_booked",
    "session_full",
    "slot_taken",
    "staff_double_booked",
    "visit_not_schedulable",
    "visit_not_scheduled",
}


def test_every_rule_is_named_once_with_its_status() -> None:
    declared = [value for value in vars(rules).values() if isinstance(value, Rule)]
    book = RuleBook.of_module(vars(rules))
    assert len(book) == len(declared) == 67
    assert {r.name for r in book.with_status(404)} == MISSING
    assert {r.name for r in book.with_status(409)} == CONFLICTS
    assert {r.name for r in book.with_status(403)} == {"own_municipality_only"}
    assert len(book.with_status(422)) == len(book) - len(MISSING) - len(CONFLICTS) - 1


def test_messages_are_fixed_sentences() -> None:
    for rule in RuleBook.of_module(vars(rules)):
        assert rule.message.endswith("."), rule.name
        assert "{" not in rule.message, rule.name
