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
    "ContactModality",
    "ErasureBasis",
    "EscalationReason",
    "EscalationStatus",
    "EscalationTrigger",
    "HomeVisitStatus",
    "Purpose",
    "ReplyDeadlineChange",
    "RiskLevel",
    "TaskDeclineReason",
    "TaskKind",
    "TaskStatus",
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
    """Where a home-visit request stands, as the requesting municipality sees it: derived from what
    scheduling announces of its visits (``domain.home_visits.request_status``)."""

    REQUESTED = "requested"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ContactModality(StrEnum):
    """How the programme was in contact with a person, as the statistics count contacts."""

    HOME_VISIT = "home_visit"
    """訪問: a home visit that took place (scheduling's ``HomeVisitCompleted``)."""
    INTERVIEW = "interview"
    """面接: an in-person or online consultation the person came to (scheduling's
    ``AppointmentAttended``)."""
    PHONE = "phone"
    """電話: a phone consultation (intake's own record)."""


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
    REVIEW_SCHEDULED = "review_scheduled"
    HOME_VISIT_SCHEDULED = "home_visit_scheduled"
    HOME_VISIT_COMPLETED = "home_visit_completed"
    HOME_VISIT_CANCELLED = "home_visit_cancelled"
    HOME_VISIT_CAP_REACHED = "home_visit_cap_reached"
    APPOINTMENT_ATTENDED = "appointment_attended"
    APPOINTMENT_MISSED = "appointment_missed"
    BRIEF_COMPLETED = "brief_completed"
    TASK_CREATED = "task_created"
    TASK_COMPLETED = "task_completed"


class TaskKind(StrEnum):
    """What a task asks of the case's counsellor."""

    RISK_REVIEW = "risk_review"
    """The expert team recommended another risk level than the case's: accept it or decline."""


class TaskStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class TaskDeclineReason(StrEnum):
    """Why a counsellor declined what a task proposed."""

    ALREADY_REASSESSED = "already_reassessed"
    """The risk was assessed again since the review (the level in force is the newer judgement)."""
    NEW_INFORMATION = "new_information"
    """Something learnt after the meeting speaks against the recommendation."""
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    """The counsellor, who knows the case, judges otherwise (discussed with the supervisor)."""
    CASE_CLOSING = "case_closing"
    OTHER = "other"


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
