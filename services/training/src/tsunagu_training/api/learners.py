"""The catalogue, learners and enrolments over HTTP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from tsunagu_contracts.events.training import Audience
from tsunagu_servicekit.http.openapi import refusals

from ..domain import rules
from ..handlers import learners
from ..handlers.commands import Enrol, RegisterLearner, RegisterMe
from ..handlers.views import CatalogueView, EnrolmentView, LearnerView
from .deps import Anyone, Ctx, Enroller, EnrolmentId, Learner, LearnerId, Registrar

router = APIRouter(tags=["learners"])


@router.get("/catalogue", responses=refusals(rules.CATALOGUE_NOT_IN_FORCE))
def catalogue(
    ctx: Ctx,
    _: Anyone,
    fiscal_year: Annotated[int | None, Query(ge=2000, le=2999)] = None,
    audience: Audience | None = None,
) -> CatalogueView:
    """The courses and programmes in force for a fiscal year (this one when omitted)."""
    return learners.catalogue(ctx, fiscal_year, audience)


@router.post(
    "/learners",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(rules.OWN_ORGANISATION_ONLY, rules.LEARNER_EXISTS, rules.SUBJECT_NOT_OPAQUE),
)
def register(body: RegisterLearner, ctx: Ctx, actor: Registrar) -> LearnerView:
    """Register a learner: a coordinator for their own organisation, a trainer for anyone."""
    return learners.register(ctx, actor, body)


@router.post(
    "/me/learner",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(rules.LEARNER_EXISTS, rules.SUBJECT_NOT_OPAQUE),
)
def register_me(body: RegisterMe, ctx: Ctx, actor: Learner) -> LearnerView:
    """Register oneself as a learner; the account and its ties come from the token."""
    return learners.register_me(ctx, actor, body)


@router.get(
    "/learners/{learner_id}", responses=refusals(rules.LEARNER_NOT_FOUND, rules.OWN_ORGANISATION_ONLY)
)
def get_learner(ctx: Ctx, actor: Anyone, learner_id: LearnerId) -> LearnerView:
    """A learner, to themselves, their coordinator and trainers."""
    return learners.get_learner(ctx, actor, learner_id)


@router.get(
    "/learners/{learner_id}/enrolments",
    responses=refusals(rules.LEARNER_NOT_FOUND, rules.OWN_ORGANISATION_ONLY),
)
def enrolments(ctx: Ctx, actor: Anyone, learner_id: LearnerId) -> list[EnrolmentView]:
    """A learner's enrolments with their progress."""
    return learners.enrolments_of(ctx, actor, learner_id)


@router.post(
    "/enrolments",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(
        rules.CATALOGUE_NOT_IN_FORCE,
        rules.COURSE_OR_PROGRAMME,
        rules.COURSE_NOT_FOUND,
        rules.COURSE_NOT_FOR_AUDIENCE,
        rules.LEARNER_NOT_FOUND,
        rules.OWN_ORGANISATION_ONLY,
        rules.ALREADY_ENROLLED,
    ),
)
def enrol(body: Enrol, ctx: Ctx, actor: Enroller) -> EnrolmentView:
    """Enrol a learner (oneself, or as their coordinator) in a course or programme of their audience."""
    return learners.enrol(ctx, actor, body)


@router.get(
    "/enrolments/{enrolment_id}",
    responses=refusals(rules.ENROLMENT_NOT_FOUND, rules.LEARNER_NOT_FOUND, rules.OWN_ORGANISATION_ONLY),
)
def get_enrolment(ctx: Ctx, actor: Anyone, enrolment_id: EnrolmentId) -> EnrolmentView:
    """An enrolment and how far the learner is."""
    return learners.get_enrolment(ctx, actor, enrolment_id)
