"""Who may act for which learner: the learner themselves (their account's subject), a coordinator
of their organisation (the same municipality or partner), or a trainer or supervisor."""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule, refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters import learners as store
from ..adapters.tables import EnrolmentRow, LearnerRow
from ..domain import rules

OFFICE_ROLES = ("trainer", "supervisor", "admin")


def check(refusal: Rule | None) -> None:
    """Refuse with ``refusal`` when a domain rule returned one."""
    if refusal is not None:
        refuse(refusal)


def is_office(actor: Principal) -> bool:
    return any(actor.has_role(role) for role in OFFICE_ROLES)


def coordinates(actor: Principal, learner: LearnerRow) -> bool:
    """A coordinator of the learner's organisation: the same partner, or the same municipality for a
    learner of no partner."""
    if not actor.has_role("training_coordinator"):
        return False
    if learner.partner_id is not None:
        return actor.partner == learner.partner_id
    return actor.municipality is not None and actor.municipality == learner.municipality_code


def may_act_for(actor: Principal, learner: LearnerRow) -> bool:
    return (
        is_office(actor)
        or coordinates(actor, learner)
        or (learner.subject is not None and learner.subject == actor.subject)
    )


def learner_for(uow: UnitOfWork, actor: Principal, learner_id: str) -> LearnerRow:
    """The learner, if the actor may act for them (403 otherwise, 404 when there is none)."""
    learner = store.find_learner(uow, learner_id)
    if learner is None:
        refuse(rules.LEARNER_NOT_FOUND)
    if not may_act_for(actor, learner):
        refuse(rules.OWN_ORGANISATION_ONLY)
    return learner


def own_enrolment(
    uow: UnitOfWork, actor: Principal, enrolment_id: str, *, lock: bool = False
) -> tuple[EnrolmentRow, LearnerRow]:
    """An enrolment whose progress only its learner reports (never a coordinator for them)."""
    enrolment = store.find_enrolment(uow, enrolment_id, lock=lock)
    if enrolment is None:
        refuse(rules.ENROLMENT_NOT_FOUND)
    learner = store.find_learner(uow, enrolment.learner_id)
    if learner is None or learner.subject is None or learner.subject != actor.subject:
        refuse(rules.NOT_YOUR_ENROLMENT)
    return enrolment, learner
