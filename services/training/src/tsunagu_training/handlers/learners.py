"""Learners and their enrolments: registration (by a coordinator or a trainer, or oneself), the
catalogue, enrolment in a course or a programme, and reading progress."""

from __future__ import annotations

from tsunagu_calendar import fiscal_year, fiscal_year_label, tokyo_date
from tsunagu_contracts.events.training import Audience, EnrolmentAccepted
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import learners as store
from ..adapters.tables import EnrolmentRow, LearnerRow
from ..domain import rules
from ..domain.catalogue import Catalogue
from .access import coordinates, is_office, learner_for
from .commands import Enrol, RegisterLearner, RegisterMe
from .context import TrainingContext
from .progress import ENROLLED, learner_ids
from .views import CatalogueView, CourseView, EnrolmentView, LearnerView, ProgrammeView

OPAQUE_SUBJECT = "@"
"""A subject holding this is an e-mail address, not an opaque id: it would travel in events."""


def catalogue_in_force(ctx: TrainingContext, fy: int) -> Catalogue:
    catalogue = ctx.catalogue.in_force(fy)
    if catalogue is None:
        refuse(rules.CATALOGUE_NOT_IN_FORCE)
    return catalogue


def catalogue(ctx: TrainingContext, fy: int | None, audience: Audience | None) -> CatalogueView:
    """The catalogue in force for a fiscal year (this one when omitted), one audience's or all."""
    year = fy if fy is not None else fiscal_year(tokyo_date(ctx.now()))
    found = catalogue_in_force(ctx, year)
    courses = [c for c in found.courses.values() if audience is None or c.audience is audience]
    programmes = [p for p in found.programmes.values() if audience is None or p.audience is audience]
    return CatalogueView(
        fiscal_year=year,
        fiscal_year_label=fiscal_year_label(year),
        version=found.version,
        courses=[CourseView.model_validate(c) for c in sorted(courses, key=lambda c: (c.audience, c.number))],
        programmes=[ProgrammeView.model_validate(p) for p in programmes],
    )


def _register(ctx: TrainingContext, actor: Principal, row: LearnerRow) -> LearnerView:
    if row.subject is not None and OPAQUE_SUBJECT in row.subject:
        refuse(rules.SUBJECT_NOT_OPAQUE)
    with ctx.uow() as uow:
        if row.subject is not None and store.learner_of_subject(uow, row.subject) is not None:
            refuse(rules.LEARNER_EXISTS)
        store.add(uow, row)
        uow.commit()
        return LearnerView.model_validate(row)


def register(ctx: TrainingContext, actor: Principal, command: RegisterLearner) -> LearnerView:
    """A coordinator registers a learner of their own organisation; a trainer anyone's."""
    row = LearnerRow(
        id=ctx.new_id(),
        registered_by=actor.subject,
        registered_at=ctx.now(),
        **command.model_dump(),
    )
    if not is_office(actor) and not coordinates(actor, row):
        refuse(rules.OWN_ORGANISATION_ONLY)
    return _register(ctx, actor, row)


def register_me(ctx: TrainingContext, actor: Principal, command: RegisterMe) -> LearnerView:
    """The caller registers as a learner; their subject and ties come from their token."""
    row = LearnerRow(
        id=ctx.new_id(),
        subject=actor.subject,
        municipality_code=actor.municipality,
        partner_id=actor.partner,
        registered_by=actor.subject,
        registered_at=ctx.now(),
        **command.model_dump(),
    )
    return _register(ctx, actor, row)


def get_learner(ctx: TrainingContext, actor: Principal, learner_id: str) -> LearnerView:
    with ctx.reading() as uow:
        return LearnerView.model_validate(learner_for(uow, actor, learner_id))


def enrol(ctx: TrainingContext, actor: Principal, command: Enrol) -> EnrolmentView:
    """Enrol a learner in a course or a programme of their audience (a programme enrols them in each
    of its courses too). Announced with ``EnrolmentAccepted``."""
    if (command.course_code is None) == (command.programme_code is None):
        refuse(rules.COURSE_OR_PROGRAMME)
    year = command.fiscal_year if command.fiscal_year is not None else fiscal_year(tokyo_date(ctx.now()))
    found = catalogue_in_force(ctx, year)
    code = command.course_code or command.programme_code or ""
    course = found.courses.get(code) if command.course_code else None
    programme = found.programmes.get(code) if command.programme_code else None
    offered = course or programme
    if offered is None:
        refuse(rules.COURSE_NOT_FOUND)
    with ctx.uow() as uow:
        learner = learner_for(uow, actor, command.learner_id)
        if offered.audience.value != learner.audience:
            refuse(rules.COURSE_NOT_FOR_AUDIENCE)
        if store.enrolment_exists(uow, learner.id, year, code):
            refuse(rules.ALREADY_ENROLLED)
        by_coordinator = learner.subject != actor.subject
        now = ctx.now()

        def enrolment(kind: str, of: str, parent: str | None = None) -> EnrolmentRow:
            row = EnrolmentRow(
                id=ctx.ordered_id(),
                learner_id=learner.id,
                fiscal_year=year,
                catalogue_version=found.version,
                kind=kind,
                code=of,
                programme_enrolment_id=parent,
                status=ENROLLED,
                by_coordinator=by_coordinator,
                enrolled_at=now,
            )
            store.add(uow, row)
            return row

        top = enrolment("course" if course else "programme", code)
        if programme is not None:
            for course_code in programme.courses:
                if store.enrolment_exists(uow, learner.id, year, course_code):
                    refuse(rules.ALREADY_ENROLLED)
                enrolment("course", course_code, top.id)
        uow.emit(
            EnrolmentAccepted(
                **learner_ids(learner),
                enrolment_id=top.id,
                audience=Audience(learner.audience),
                course_code=code if course else None,
                programme_code=code if programme else None,
                fiscal_year=year,
                by_coordinator=by_coordinator,
                accepted_at=now,
            ),
            subject=top.id,
        )
        uow.commit()
        return enrolment_view(uow, top)


def enrolment_view(uow: UnitOfWork, row: EnrolmentRow) -> EnrolmentView:
    """An enrolment with its lessons done, its completion, and a programme's course enrolments."""
    completion = store.completion_of(uow, row.id)
    children = store.course_enrolments_of_programme(uow, row.id) if row.kind == "programme" else []
    return EnrolmentView(
        id=row.id,
        learner_id=row.learner_id,
        fiscal_year=row.fiscal_year,
        kind=row.kind,
        code=row.code,
        status=row.status,
        programme_enrolment_id=row.programme_enrolment_id,
        lessons_done=store.lessons_done(uow, row.id),
        courses=[enrolment_view(uow, child) for child in children],
        completion_id=completion.id if completion else None,
        completed_on=completion.completed_on if completion else None,
        valid_until=completion.valid_until if completion else None,
        enrolled_at=row.enrolled_at,
    )


def get_enrolment(ctx: TrainingContext, actor: Principal, enrolment_id: str) -> EnrolmentView:
    with ctx.reading() as uow:
        row = store.find_enrolment(uow, enrolment_id)
        if row is None:
            refuse(rules.ENROLMENT_NOT_FOUND)
        learner_for(uow, actor, row.learner_id)
        return enrolment_view(uow, row)


def enrolments_of(ctx: TrainingContext, actor: Principal, learner_id: str) -> list[EnrolmentView]:
    with ctx.reading() as uow:
        learner_for(uow, actor, learner_id)
        return [
            enrolment_view(uow, row)
            for row in store.enrolments_of(uow, learner_id)
            if row.programme_enrolment_id is None
        ]
