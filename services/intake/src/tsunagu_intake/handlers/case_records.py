"""Steps on cases that several use cases share: finding one, opening one, linking a consultation,
the flags in force."""

from __future__ import annotations

from datetime import datetime

from tsunagu_contracts.events.intake import CaseOpened
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters.cases import add_case, find_case, flag_states, open_case_of
from ..adapters.tables import Case
from ..domain.cases import change_refusal
from ..domain.codes import CaseFlag, CaseStatus, Channel, RiskLevel
from ..domain.flags import active_flags
from ..domain.rules import CASE_NOT_FOUND, CASE_OF_ANOTHER_PERSON
from .context import IntakeContext


def get_case(uow: UnitOfWork, case_id: str) -> Case:
    """The case, or the refusal of an unknown one (404)."""
    case = find_case(uow, case_id)
    if case is None:
        refuse(CASE_NOT_FOUND)
    return case


def changeable(case: Case) -> Case:
    """The case, if it may still change (notes, risk, escalation, consultations): else refused."""
    rule = change_refusal(CaseStatus(case.status))
    if rule is not None:
        refuse(rule)
    return case


def changeable_case(uow: UnitOfWork, case_id: str) -> Case:
    return changeable(get_case(uow, case_id))


def current_flags(uow: UnitOfWork, case_id: str, now: datetime) -> list[CaseFlag]:
    """The distinct flags in force on the case at ``now``."""
    return active_flags(flag_states(uow, case_id), now)


def open_case(
    ctx: IntakeContext,
    uow: UnitOfWork,
    *,
    person_id: str,
    channel: Channel,
    municipality_code: str | None,
    now: datetime,
) -> Case:
    """Open a case for the person and announce it (CaseOpened)."""
    case = Case(
        id=ctx.new_id(),
        person_id=person_id,
        status=CaseStatus.OPEN.value,
        risk_level=RiskLevel.LOW.value,
        municipality_code=municipality_code,
        opened_channel=channel.value,
        opened_at=now,
        updated_at=now,
    )
    add_case(uow, case)
    uow.emit(
        CaseOpened(
            case_id=case.id,
            person_id=person_id,
            opened_at=now,
            channel=channel,
            risk_level=RiskLevel.LOW,
            municipality_code=municipality_code,
        ),
        subject=case.id,
        time=now,
    )
    return case


def case_for_consultation(
    ctx: IntakeContext,
    uow: UnitOfWork,
    *,
    person_id: str,
    case_id: str | None,
    channel: Channel,
    municipality_code: str | None,
    now: datetime,
) -> tuple[Case, bool]:
    """The case a new consultation joins: the one named (the person's, still open), the person's
    open one, or a new one; and whether it was opened now."""
    if case_id is not None:
        case = get_case(uow, case_id)
        if case.person_id != person_id:
            refuse(CASE_OF_ANOTHER_PERSON)
        return changeable(case), False
    existing = open_case_of(uow, person_id)
    if existing is not None:
        if existing.municipality_code is None and municipality_code is not None:
            existing.municipality_code = municipality_code
        return existing, False
    opened = open_case(
        ctx, uow, person_id=person_id, channel=channel, municipality_code=municipality_code, now=now
    )
    return opened, True
