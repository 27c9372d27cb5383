"""Disclosures: counsellors record and withdraw them on a case; a referral's recipient (partner
staff, or municipality staff for their windows) lists and redeems them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from tsunagu_servicekit.http import Principal, refusals, require
from tsunagu_servicekit.http.paths import ID

from ..domain.rules import (
    CASE_NOT_FOUND,
    DISCLOSURE_ALREADY_WITHDRAWN,
    DISCLOSURE_EXPIRED,
    DISCLOSURE_EXPIRY_IN_PAST,
    DISCLOSURE_EXPIRY_TOO_FAR,
    DISCLOSURE_NOT_FOUND,
    DISCLOSURE_WITHDRAWN,
    ERASED,
    OWN_MUNICIPALITY_ONLY,
    OWN_PARTNER_ONLY,
    REFERRAL_DECLINED,
    REFERRAL_ENDED,
    REFERRAL_NOT_KNOWN,
    REFERRAL_OF_ANOTHER_CASE,
    REFERRAL_WITHDRAWN,
    UNKNOWN_REDACTION_PROFILE,
)
from ..handlers import disclosures
from ..handlers.commands import RecordDisclosure, WithdrawDisclosure
from ..handlers.views import DisclosureView, RedactionProfilesView, RedeemedDisclosure
from .deps import UUID_PATTERN, CaseId, Counsellor, Ctx

router = APIRouter(tags=["disclosures"])

DisclosureReader = Annotated[
    Principal, Depends(require("partner_staff", "municipality_staff", "counsellor", "supervisor"))
]
"""The recipient's staff; the programme's counsellors and supervisors see what the recipient sees."""
DisclosureId = Annotated[str, Path(pattern=UUID_PATTERN, description="Disclosure id")]
SCOPE = (OWN_PARTNER_ONLY, OWN_MUNICIPALITY_ONLY)
UNREADABLE = (ERASED, DISCLOSURE_WITHDRAWN, DISCLOSURE_EXPIRED, REFERRAL_DECLINED, REFERRAL_WITHDRAWN)


@router.post(
    f"/cases/{{case_id:{ID}}}/disclosures",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        CASE_NOT_FOUND,
        REFERRAL_NOT_KNOWN,
        REFERRAL_OF_ANOTHER_CASE,
        REFERRAL_ENDED,
        UNKNOWN_REDACTION_PROFILE,
        DISCLOSURE_EXPIRY_IN_PAST,
        DISCLOSURE_EXPIRY_TOO_FAR,
        ERASED,
    ),
)
def record(case_id: CaseId, command: RecordDisclosure, ctx: Ctx, actor: Counsellor) -> DisclosureView:
    """Record what the referral's recipient may read of the person (DisclosureRecorded). Without a
    legal basis: 422, ``errors[].type`` ``legal_basis_required``. A referral intake has not learnt
    of yet (it arrives as an event from the partners service): 409 ``referral_not_known``, retry."""
    return disclosures.record_disclosure(ctx, actor, case_id, command)


@router.get(f"/cases/{{case_id:{ID}}}/disclosures", responses=refusals(CASE_NOT_FOUND))
def of_case(case_id: CaseId, ctx: Ctx, _: Counsellor) -> list[DisclosureView]:
    """The case's disclosures, without personal data."""
    return disclosures.disclosures_of_case(ctx, case_id)


@router.get("/disclosures")
def of_referral(
    ctx: Ctx,
    actor: DisclosureReader,
    referral_id: Annotated[str, Query(pattern=UUID_PATTERN, description="Referral id")],
) -> list[DisclosureView]:
    """The referral's disclosures the caller may open (a recipient: those made to it)."""
    return disclosures.disclosures_of_referral(ctx, actor, referral_id)


@router.get(f"/disclosures/{{disclosure_id:{ID}}}", responses=refusals(DISCLOSURE_NOT_FOUND, *SCOPE))
def get(disclosure_id: DisclosureId, ctx: Ctx, actor: DisclosureReader) -> DisclosureView:
    """One disclosure, without personal data; staff of another partner or municipality get 403."""
    return disclosures.disclosure(ctx, actor, disclosure_id)


@router.get(
    f"/disclosures/{{disclosure_id:{ID}}}/fields",
    responses=refusals(DISCLOSURE_NOT_FOUND, *SCOPE, *UNREADABLE),
    response_model_exclude_unset=True,
)
def redeem(disclosure_id: DisclosureId, ctx: Ctx, actor: DisclosureReader) -> RedeemedDisclosure:
    """Redeem: exactly the fields of the disclosure's redaction profile, decrypted; the read is in
    the access log. 410 with the rule once it was withdrawn or expired, its referral declined or
    withdrawn, or the person erased."""
    return disclosures.redeem(ctx, actor, disclosure_id)


@router.post(
    f"/disclosures/{{disclosure_id:{ID}}}/withdraw",
    responses=refusals(DISCLOSURE_NOT_FOUND, DISCLOSURE_ALREADY_WITHDRAWN),
)
def withdraw(
    disclosure_id: DisclosureId, command: WithdrawDisclosure, ctx: Ctx, actor: Counsellor
) -> DisclosureView:
    """Withdraw a disclosure (DisclosureWithdrawn): it can no longer be read."""
    return disclosures.withdraw(ctx, actor, disclosure_id, command)


@router.get("/redaction-profiles", responses=refusals(UNKNOWN_REDACTION_PROFILE))
def profiles(ctx: Ctx, _: DisclosureReader) -> RedactionProfilesView:
    """The redaction profiles in force today and the fields each discloses."""
    return disclosures.profiles_in_force(ctx)
