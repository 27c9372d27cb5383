"""Codes of the intake domain: those that travel in events come from the contracts, the rest live here."""

from __future__ import annotations

from enum import StrEnum

from tsunagu_contracts.events.intake import (
    AgeBand,
    CaseFlag,
    Channel,
    CloseReason,
    Consulter,
    ErasureBasis,
    EscalationReason,
    EscalationTrigger,
    ReplyDeadlineChange,
    RiskLevel,
    Topic,
    Triage,
    Urgency,
)

__all__ = [
    "AgeBand",
    "CaseFlag",
    "CaseStatus",
    "Channel",
    "CloseReason",
    "Consulter",
    "ErasureBasis",
    "EscalationReason",
    "EscalationStatus",
    "EscalationTrigger",
    "HomeVisitStatus",
    "Purpose",
    "ReplyDeadlineChange",
    "RiskLevel",
    "TimelineKind",
    "Topic",
    "Triage",
    "Urgency",
]


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class EscalationStatus(StrEnum):
    PENDING = "pending"
    REVIEWED = "reviewed"


class HomeVisitStatus(StrEnum):
    """Where a home-visit request stands, as the requesting municipality sees it."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TimelineKind(StrEnum):
    """What a timeline entry of a case records."""

    CONSULTATION = "consultation"
    NOTE = "note"
    RISK_ASSESSED = "risk_assessed"
    ESCALATED = "escalated"
    ADVICE = "advice"
    EMAIL_REPLIED = "email_replied"
    REPLY_DEADLINE_CHANGED = "reply_deadline_changed"
    HOME_VISIT_REQUESTED = "home_visit_requested"
    CLOSED = "closed"
    PERSON_ERASED = "person_erased"
    REFERRAL_OFFERED = "referral_offered"
    REFERRAL_ACCEPTED = "referral_accepted"
    REFERRAL_DECLINED = "referral_declined"
    REFERRAL_WITHDRAWN = "referral_withdrawn"
    REFERRAL_OUTCOME = "referral_outcome"
    DISCLOSURE_RECORDED = "disclosure_recorded"
    DISCLOSURE_WITHDRAWN = "disclosure_withdrawn"


class Purpose(StrEnum):
    """Why personal data is read; every read is logged with one of these."""

    CASE_WORK = "case_work"
    EMAIL_REPLY = "email_reply"
    SUPERVISION = "supervision"
    EXPERT_REVIEW = "expert_review"
    HOME_VISIT_COORDINATION = "home_visit_coordination"
    SAFETY = "safety"
    SELF_ACCESS = "self_access"
    AUDIT = "audit"
