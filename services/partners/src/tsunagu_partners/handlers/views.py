"""Response bodies of the partners service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from tsunagu_contracts.events.partners import AgreementEndReason, SupportKind, SupportTarget

from ..domain.agreements import AgreementStatus, ApplicationStatus, AssessmentLevel
from ..domain.offerings import AccessibilityCode
from ..domain.partners import PartnerState


class PartnerView(BaseModel):
    """A partner organisation as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    municipality_code: str | None
    state: PartnerState
    resource_id: str | None
    registered_at: datetime


# -- agreements (協定) and what partners offer --------------------------------------------------


class KindAssessmentView(BaseModel):
    kind: SupportKind
    provides: bool
    level: AssessmentLevel | None


class TrainingView(BaseModel):
    """The recorded completion of the Support Guidelines training."""

    completed_on: date
    staff_count: int
    course_code: str
    recorded_at: datetime


class ApplicationView(BaseModel):
    """An application to become a partner, and where its review stands."""

    id: str
    partner_id: str
    status: ApplicationStatus
    self_assessment: list[KindAssessmentView]
    submitted_at: datetime
    training: TrainingView | None
    decided_at: datetime | None


class AgreementView(BaseModel):
    """An agreement (協定) with a partner."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    partner_id: str
    number: str
    template_version: str
    support_kinds: list[SupportKind]
    status: AgreementStatus
    effective_on: date
    ends_on: date
    term_months: int | None
    renewal_due_on: date
    renewal_announced_at: datetime | None
    predecessor_id: str | None
    successor_id: str | None
    signed_at: datetime
    suspended_at: datetime | None
    end_reason: AgreementEndReason | None
    ended_on: date | None


class PartnerAgreementView(BaseModel):
    """A partner with its current agreement: the one in force, else the one signed and waiting to
    take effect, else none."""

    partner: PartnerView
    current_agreement: AgreementView | None


class AgreementTemplateView(BaseModel):
    """A version of the agreement template."""

    model_config = ConfigDict(from_attributes=True)

    version: str
    effective_from: date
    effective_to: date | None
    title: str
    default_term_months: int


class OfferingView(BaseModel):
    """What a partner offers, as it published it."""

    partner_id: str
    support_kinds: list[SupportKind]
    targets: list[SupportTarget]
    age_bands: list[str]
    municipality_codes: list[str]
    fee_yen: int
    free: bool
    languages: list[str]
    accessibility: list[AccessibilityCode]
    capacity: int | None
    places_available: int | None
    updated_at: datetime
    places_updated_at: datetime | None
