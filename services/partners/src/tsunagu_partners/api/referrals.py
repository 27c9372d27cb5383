"""Referrals over HTTP: counsellors offer and withdraw, recipients answer and report outcomes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from tsunagu_contracts import ID_PATTERN
from tsunagu_servicekit.http import Principal, require
from tsunagu_servicekit.http.openapi import refusals
from tsunagu_servicekit.http.paths import ID

from ..domain import rules
from ..domain.referrals import ReferralState
from ..handlers import referrals
from ..handlers.commands import DeclineReferral, OfferReferral, ReportOutcome
from ..handlers.views import ReferralView
from .deps import Ctx

router = APIRouter(prefix="/referrals", tags=["referrals"])

Referrer = Annotated[Principal, Depends(require("counsellor", "supervisor"))]
Recipient = Annotated[Principal, Depends(require("partner_staff", "municipality_staff", "supervisor"))]
"""The recipient's staff; the programme office records an answer a recipient gave by phone or letter."""
ReferralReader = Annotated[
    Principal, Depends(require("counsellor", "supervisor", "partner_staff", "municipality_staff"))
]
ReferralId = Annotated[str, Path(pattern=ID_PATTERN, description="Referral id")]

SCOPE = (rules.OWN_PARTNER_ONLY, rules.OWN_MUNICIPALITY_ONLY)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        rules.PARTNER_NOT_ACTIVE,
        rules.SUPPORT_NOT_OFFERED,
        rules.WINDOW_NOT_FOUND,
        rules.REFERRAL_PERSON_ERASED,
    ),
)
def offer(body: OfferReferral, ctx: Ctx, actor: Referrer) -> ReferralView:
    """Refer a case to a partner (409 ``partner_not_active`` unless it is active) or to a municipal
    window; announced as ReferralOffered (ids and codes only)."""
    return referrals.offer_referral(ctx, actor, body)


@router.get("", responses=refusals(*SCOPE))
def list_(
    ctx: Ctx,
    actor: ReferralReader,
    case_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    state: ReferralState | None = None,
) -> list[ReferralView]:
    """Referrals, newest first; partner staff see their own organisation's, municipality staff
    those to their own municipality's windows."""
    return referrals.list_referrals(ctx, actor, case_id=case_id, state=state)


@router.get(f"/{{referral_id:{ID}}}", responses=refusals(rules.REFERRAL_NOT_FOUND, *SCOPE))
def get(referral_id: ReferralId, ctx: Ctx, actor: ReferralReader) -> ReferralView:
    """One referral; partner and municipality staff get 403 for any that is not theirs."""
    return referrals.get_referral(ctx, actor, referral_id)


@router.post(
    f"/{{referral_id:{ID}}}/accept",
    responses=refusals(
        rules.REFERRAL_NOT_FOUND,
        *SCOPE,
        rules.STAFF_NOT_TRAINED,
        rules.REFERRAL_NOT_OFFERED,
        rules.PARTNER_NOT_ACTIVE,
        rules.REFERRAL_PERSON_ERASED,
    ),
)
def accept(referral_id: ReferralId, ctx: Ctx, actor: Recipient) -> ReferralView:
    """The recipient accepts the offer (ReferralAccepted). Partner staff need a valid completion of
    the Support Guidelines training (403 ``staff_not_trained``)."""
    return referrals.accept_referral(ctx, actor, referral_id)


@router.post(
    f"/{{referral_id:{ID}}}/decline",
    responses=refusals(
        rules.REFERRAL_NOT_FOUND, *SCOPE, rules.REFERRAL_NOT_OFFERED, rules.REFERRAL_PERSON_ERASED
    ),
)
def decline(referral_id: ReferralId, body: DeclineReferral, ctx: Ctx, actor: Recipient) -> ReferralView:
    """The recipient declines the offer with a reason code (ReferralDeclined); a disclosure made for
    it can no longer be read."""
    return referrals.decline_referral(ctx, actor, referral_id, body)


@router.post(
    f"/{{referral_id:{ID}}}/withdraw",
    responses=refusals(rules.REFERRAL_NOT_FOUND, rules.REFERRAL_CLOSED, rules.REFERRAL_PERSON_ERASED),
)
def withdraw(referral_id: ReferralId, ctx: Ctx, actor: Referrer) -> ReferralView:
    """The counsellor withdraws the referral (ReferralWithdrawn); a disclosure made for it can no
    longer be read."""
    return referrals.withdraw_referral(ctx, actor, referral_id)


@router.post(
    f"/{{referral_id:{ID}}}/outcome",
    responses=refusals(
        rules.REFERRAL_NOT_FOUND,
        *SCOPE,
        rules.REFERRAL_NOT_ACCEPTED,
        rules.REFERRAL_CLOSED,
        rules.OUTCOME_DATE_OUT_OF_RANGE,
        rules.REFERRAL_PERSON_ERASED,
    ),
)
def outcome(referral_id: ReferralId, body: ReportOutcome, ctx: Ctx, actor: Recipient) -> ReferralView:
    """The recipient reports the outcome of an accepted referral (ReferralOutcomeReported)."""
    return referrals.report_outcome(ctx, actor, referral_id, body)
