"""Referrals as intake learns them from the partners service: each step on the case's timeline
(codes only), and the referral's recipient and state kept for the disclosures made for it.

Each event type has its own durable consumer, so an acceptance may arrive before its offer: the
record is built from whatever arrives, and its state does not depend on the order
(:func:`~tsunagu_intake.domain.disclosures.referral_state`). An event of a case intake does not
know fails the delivery, so it is retried and then dead-lettered rather than dropped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tsunagu_contracts import CloudEvent
from tsunagu_contracts.events.partners import (
    ReferralAccepted,
    ReferralDeclined,
    ReferralOffered,
    ReferralOutcomeReported,
    ReferralWithdrawn,
)
from tsunagu_servicekit.logging import get_logger
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import referrals as store
from ..adapters.cases import add_timeline_entry, find_case
from ..adapters.tables import ReferralRecord
from ..domain.codes import TimelineKind
from ..domain.disclosures import ReferralState, referral_state
from .context import IntakeContext
from .escalations import UnknownCaseError

log = get_logger(__name__)

AUTHOR = "partners"
"""The timeline's author of what the partners service reports."""


def state_of(row: ReferralRecord) -> ReferralState:
    return referral_state(
        offered=row.offered_at is not None,
        accepted=row.accepted_at is not None or row.outcome is not None,
        declined=row.declined_at is not None,
        withdrawn=row.withdrawn_at is not None,
    )


def _on_timeline(
    uow: UnitOfWork, case_id: str, kind: TimelineKind, at: datetime, codes: dict[str, Any]
) -> None:
    case = find_case(uow, case_id)
    if case is None:
        raise UnknownCaseError("the referred case is unknown")
    add_timeline_entry(uow, case, kind=kind, author=AUTHOR, at=at, codes=codes)


def on_referral_offered(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[ReferralOffered]) -> None:
    data = event.data
    row = store.referral_for_update(uow, data.referral_id, data.case_id)
    row.person_id = data.person_id
    row.partner_id = data.partner_id
    row.resource_id = data.resource_id
    row.municipality_code = data.municipality_code
    row.support_kind = data.support_kind.value
    row.offered_at = data.offered_at
    recipient: dict[str, str | None] = {"partner_id": data.partner_id} if data.partner_id else {}
    if data.resource_id:
        recipient = {"resource_id": data.resource_id, "municipality_code": data.municipality_code}
    _on_timeline(
        uow,
        data.case_id,
        TimelineKind.REFERRAL_OFFERED,
        data.offered_at,
        {"referral_id": data.referral_id, "support_kind": data.support_kind.value, **recipient},
    )


def on_referral_accepted(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[ReferralAccepted]) -> None:
    data = event.data
    row = store.referral_for_update(uow, data.referral_id, data.case_id)
    row.accepted_at = data.accepted_at
    _on_timeline(
        uow, data.case_id, TimelineKind.REFERRAL_ACCEPTED, data.accepted_at, {"referral_id": data.referral_id}
    )


def on_referral_declined(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[ReferralDeclined]) -> None:
    data = event.data
    row = store.referral_for_update(uow, data.referral_id, data.case_id)
    row.declined_at = data.declined_at
    row.decline_reason = data.reason.value
    _on_timeline(
        uow,
        data.case_id,
        TimelineKind.REFERRAL_DECLINED,
        data.declined_at,
        {"referral_id": data.referral_id, "reason": data.reason.value},
    )
    log.info("referral declined: its disclosures are closed", referral_id=data.referral_id)


def on_referral_withdrawn(ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[ReferralWithdrawn]) -> None:
    data = event.data
    row = store.referral_for_update(uow, data.referral_id, data.case_id)
    row.withdrawn_at = data.withdrawn_at
    _on_timeline(
        uow,
        data.case_id,
        TimelineKind.REFERRAL_WITHDRAWN,
        data.withdrawn_at,
        {"referral_id": data.referral_id},
    )


def on_referral_outcome(
    ctx: IntakeContext, uow: UnitOfWork, event: CloudEvent[ReferralOutcomeReported]
) -> None:
    data = event.data
    row = store.referral_for_update(uow, data.referral_id, data.case_id)
    # Several reports may come (ongoing, then final), in any order: the latest report stands.
    if row.outcome_reported_at is None or row.outcome_reported_at <= data.reported_at:
        row.outcome = data.outcome.value
        row.outcome_on = data.outcome_on
        row.outcome_reported_at = data.reported_at
    _on_timeline(
        uow,
        data.case_id,
        TimelineKind.REFERRAL_OUTCOME,
        data.reported_at,
        {
            "referral_id": data.referral_id,
            "outcome": data.outcome.value,
            "outcome_on": data.outcome_on.isoformat(),
        },
    )
