"""Response bodies of the partners service."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict
from tsunagu_contracts.events.partners import ReferralDeclineReason, ReferralOutcome, SupportKind

from ..domain.partners import PartnerState
from ..domain.referrals import RecipientKind, ReferralState


class PartnerView(BaseModel):
    """A partner organisation as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    municipality_code: str | None
    state: PartnerState
    resource_id: str | None
    registered_at: datetime


class ReferralView(BaseModel):
    """A referral as the API shows it: ids, codes and dates. ``case_id`` and ``person_id`` are null
    once the person was erased (``person_erased``)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    case_id: str | None
    person_id: str | None
    recipient_kind: RecipientKind
    partner_id: str | None
    resource_id: str | None
    municipality_code: str | None
    support_kind: SupportKind
    state: ReferralState
    offered_at: datetime
    accepted_at: datetime | None
    declined_at: datetime | None
    decline_reason: ReferralDeclineReason | None
    withdrawn_at: datetime | None
    outcome: ReferralOutcome | None
    outcome_on: date | None
    outcome_reported_at: datetime | None
    person_erased: bool
