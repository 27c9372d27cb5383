"""The events intake publishes and consumes: subjects, no personal data, docstrings."""

from __future__ import annotations

from tsunagu_contracts import REGISTRY
from tsunagu_contracts.pii import event_personal_data_findings
from tsunagu_intake.consumers import SUBSCRIPTIONS

PUBLISHED = {
    "tsunagu.intake.consultation.received.v1",
    "tsunagu.intake.case.opened.v1",
    "tsunagu.intake.case.risk_assessed.v1",
    "tsunagu.intake.case.escalated.v1",
    "tsunagu.intake.case.closed.v1",
    "tsunagu.intake.email_reply.due_soon.v1",
    "tsunagu.intake.email_reply.overdue.v1",
    "tsunagu.intake.email_reply.deadline_extended.v1",
    "tsunagu.intake.email.replied.v1",
    "tsunagu.intake.home_visit.requested.v1",
    "tsunagu.intake.person.erased.v1",
    "tsunagu.intake.disclosure.recorded.v1",
    "tsunagu.intake.disclosure.redeemed.v1",
    "tsunagu.intake.disclosure.withdrawn.v1",
    "tsunagu.intake.session_signup.requested.v1",
}


def test_intake_publishes_these_subjects() -> None:
    assert set(REGISTRY.subjects_of("intake")) == PUBLISHED


CONSUMED = [s.event_type for s in SUBSCRIPTIONS]
CASE_REVIEW_CONCLUDED = "tsunagu.scheduling.case_review.concluded.v2"
REFERRAL_STEPS = [
    f"tsunagu.partners.referral.{step}.v1"
    for step in ("offered", "accepted", "declined", "withdrawn", "outcome_reported")
]
SCHEDULING_LOOPS = [
    "tsunagu.scheduling.case_review.scheduled.v1",
    *(
        f"tsunagu.scheduling.home_visit.{step}.v1"
        for step in ("scheduled", "completed", "cancelled", "cap_reached")
    ),
    "tsunagu.scheduling.appointment.attended.v1",
    "tsunagu.scheduling.appointment.missed.v1",
]
SESSION_ANSWERS = [
    f"tsunagu.scheduling.session.{step}.v1"
    for step in (
        "scheduled",
        "registered",
        "waitlisted",
        "waitlist_promoted",
        "registration_cancelled",
        "signup_refused",
    )
]


def test_intake_consumes_the_expert_teams_work_the_visits_attendance_and_the_referrals() -> None:
    assert [CASE_REVIEW_CONCLUDED, *SCHEDULING_LOOPS, *REFERRAL_STEPS, *SESSION_ANSWERS] == CONSUMED
    assert all(name in REGISTRY for name in CONSUMED)


def test_the_conclusion_is_read_in_v2_and_from_stored_v1() -> None:
    assert REGISTRY.readable_as(CASE_REVIEW_CONCLUDED) == (
        "tsunagu.scheduling.case_review.concluded.v1",
        CASE_REVIEW_CONCLUDED,
    )


def test_no_event_of_intake_can_carry_personal_data() -> None:
    for name in [*sorted(PUBLISHED), *CONSUMED, "tsunagu.scheduling.case_review.concluded.v1"]:
        assert event_personal_data_findings(REGISTRY.get(name)) == [], name


def test_every_event_is_documented() -> None:
    for name in [*PUBLISHED, *CONSUMED]:
        assert (REGISTRY.get(name).__doc__ or "").strip(), name
