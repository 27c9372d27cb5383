"""Partner organisations' lifecycle and agreements (協定) over HTTP. The programme office
(supervisors) manages the lifecycle; counsellors read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from tsunagu_contracts.municipalities import TokyoCode
from tsunagu_servicekit.http import Principal, require
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..domain.partners import PartnerState
from ..handlers import agreements, training
from ..handlers.commands import ApplyForAgreement, EndAgreement, RenewAgreement, SignAgreement
from ..handlers.views import (
    AgreementTemplateView,
    AgreementView,
    ApplicationView,
    GuidelineTrainingView,
    PartnerAgreementView,
    PartnerView,
)
from .deps import Ctx, Manager, PartnerId, Reader

router = APIRouter(tags=["agreements"])

NOT_FOUND = rules.PARTNER_NOT_FOUND
TrainingReader = Annotated[Principal, Depends(require("supervisor", "counsellor", "partner_staff"))]


@router.get("/partners")
def list_partners(
    ctx: Ctx,
    _: Reader,
    state: Annotated[PartnerState | None, Query(description="Only partners in this state")] = None,
    municipality_code: Annotated[
        TokyoCode | None, Query(description="Only partners seated in, or serving, this municipality")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[PartnerView]:
    """Partner organisations by name, filtered by state and municipality."""
    return agreements.list_partners(
        ctx, state=state, municipality_code=municipality_code, limit=limit, offset=offset
    )


@router.get("/partners/{partner_id}/agreement", responses=refusals(NOT_FOUND))
def current_agreement(ctx: Ctx, _: Reader, partner_id: PartnerId) -> PartnerAgreementView:
    """The partner with its current agreement (in force, else signed and waiting to take effect)."""
    return agreements.partner_with_agreement(ctx, partner_id)


@router.get("/partners/{partner_id}/agreements", responses=refusals(NOT_FOUND))
def agreement_history(ctx: Ctx, _: Reader, partner_id: PartnerId) -> list[AgreementView]:
    """Every agreement the partner signed, the latest first."""
    return agreements.agreements_of(ctx, partner_id)


@router.post(
    "/partners/{partner_id}/application",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        NOT_FOUND,
        rules.PARTNER_CANNOT_APPLY,
        rules.SELF_ASSESSMENT_INCOMPLETE,
        rules.SELF_ASSESSMENT_LEVEL_MISMATCH,
        rules.SELF_ASSESSMENT_PROVIDES_NOTHING,
    ),
)
def apply(body: ApplyForAgreement, ctx: Ctx, _: Manager, partner_id: PartnerId) -> ApplicationView:
    """Record the organisation's application with its self-assessment against the Support
    Guidelines (each of the three kinds of support once, at least one provided)."""
    return agreements.apply(ctx, partner_id, body)


@router.get("/partners/{partner_id}/training", responses=refusals(NOT_FOUND, rules.OWN_PARTNER_ONLY))
def guideline_training(ctx: Ctx, actor: TrainingReader, partner_id: PartnerId) -> GuidelineTrainingView:
    """The organisation's Support Guidelines training as the training service announced it: whether
    it counts today (signing requires it), and each completion by its staff, with notice of an
    expiry ahead. Partner staff read their own organisation's."""
    return training.training_of(ctx, actor, partner_id)


@router.post(
    "/partners/{partner_id}/application/refusal",
    responses=refusals(NOT_FOUND, rules.APPLICATION_NOT_OPEN),
)
def refuse_application(ctx: Ctx, _: Manager, partner_id: PartnerId) -> ApplicationView:
    """Refuse the application under review: the organisation is a candidate again."""
    return agreements.refuse_application(ctx, partner_id)


@router.post(
    "/partners/{partner_id}/agreements",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        NOT_FOUND,
        rules.APPLICATION_NOT_OPEN,
        rules.TRAINING_NOT_RECORDED,
        rules.AGREEMENT_TEMPLATE_UNKNOWN,
        rules.AGREEMENT_TEMPLATE_NOT_IN_FORCE,
        rules.AGREEMENT_TERM_GIVEN_TWICE,
        rules.AGREEMENT_TERM_ENDS_BEFORE_START,
    ),
)
def sign(body: SignAgreement, ctx: Ctx, _: Manager, partner_id: PartnerId) -> AgreementView:
    """Sign an agreement on the application under review (409 ``training_not_recorded`` unless the
    organisation's staff hold a valid completion of the guideline training today)."""
    return agreements.sign(ctx, partner_id, body)


@router.post(
    "/partners/{partner_id}/agreement/renewal",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        NOT_FOUND,
        rules.PARTNER_NOT_ACTIVE,
        rules.AGREEMENT_ALREADY_RENEWED,
        rules.AGREEMENT_TEMPLATE_UNKNOWN,
        rules.AGREEMENT_TEMPLATE_NOT_IN_FORCE,
        rules.AGREEMENT_TERM_GIVEN_TWICE,
        rules.AGREEMENT_TERM_ENDS_BEFORE_START,
    ),
)
def renew(body: RenewAgreement, ctx: Ctx, _: Manager, partner_id: PartnerId) -> AgreementView:
    """Renew the active agreement: the new one follows it without a gap."""
    return agreements.renew(ctx, partner_id, body)


@router.post(
    "/partners/{partner_id}/agreement/suspension", responses=refusals(NOT_FOUND, rules.PARTNER_NOT_ACTIVE)
)
def suspend(ctx: Ctx, _: Manager, partner_id: PartnerId) -> AgreementView:
    """Suspend the agreement in force."""
    return agreements.suspend(ctx, partner_id)


@router.post(
    "/partners/{partner_id}/agreement/resumption", responses=refusals(NOT_FOUND, rules.PARTNER_NOT_SUSPENDED)
)
def resume(ctx: Ctx, _: Manager, partner_id: PartnerId) -> AgreementView:
    """Resume the suspended agreement."""
    return agreements.resume(ctx, partner_id)


@router.post(
    "/partners/{partner_id}/agreement/ending", responses=refusals(NOT_FOUND, rules.PARTNER_NOT_IN_AGREEMENT)
)
def end(body: EndAgreement, ctx: Ctx, _: Manager, partner_id: PartnerId) -> AgreementView:
    """End the agreement in force (and a renewal signed to follow it) today, with a reason code."""
    return agreements.end(ctx, partner_id, body)


@router.get("/agreement-templates")
def list_templates(ctx: Ctx, _: Reader) -> list[AgreementTemplateView]:
    """Every version of the agreement template, oldest first."""
    return agreements.templates(ctx)
