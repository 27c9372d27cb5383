"""Counting for the statistics: distinct persons and consultations (or contacts) per cell."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import distinct, func
from sqlmodel import col, select
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import Channel, ContactModality
from ..domain.exports import EmailConsultation, PhoneCall, emergency
from ..domain.statistics import ContactTally, Tally
from .tables import Consultation, Contact

Cells = dict[str, list[tuple[str | None, int, int]]]
"""``cells[dimension] = [(key, persons, consultations)]``, as ``build_report`` takes them."""

_DIMENSIONS = {
    "channel": Consultation.channel,
    "consulter": Consultation.consulter,
    "municipality": Consultation.municipality_code,
    "month": Consultation.received_month,
}


def count_consultations(
    uow: UnitOfWork, fiscal_year: int, municipality_code: str | None
) -> tuple[Tally, Cells]:
    """The fiscal year's total and its cells by channel, consulter, municipality and month
    (of one municipality, if given)."""
    where: list[Any] = [Consultation.fiscal_year == fiscal_year]
    if municipality_code is not None:
        where.append(Consultation.municipality_code == municipality_code)
    persons = func.count(distinct(col(Consultation.person_id)))
    total_persons, total = uow.session.exec(select(persons, func.count()).where(*where)).one()
    cells: Cells = {}
    for name, column in _DIMENSIONS.items():
        rows = uow.session.exec(
            select(col(column), persons, func.count()).where(*where).group_by(col(column))
        )
        cells[name] = [(key, int(p), int(n)) for key, p, n in rows]
    return Tally(int(total_persons), int(total)), cells


def count_contacts(
    uow: UnitOfWork, fiscal_year: int, municipality_code: str | None
) -> tuple[ContactTally, Cells]:
    """The fiscal year's contacts and their cells by modality, municipality and month (of one
    municipality, if given): the contacts scheduling recorded, and intake's phone consultations."""
    recorded: sa.Select[str, str, str | None, str] = sa.select(
        col(Contact.person_id).label("person_id"),
        col(Contact.modality).label("modality"),
        col(Contact.municipality_code).label("municipality"),
        col(Contact.occurred_month).label("month"),
    ).where(col(Contact.fiscal_year) == fiscal_year)
    phoned: sa.Select[str, str, str | None, str] = sa.select(
        col(Consultation.person_id).label("person_id"),
        sa.literal(ContactModality.PHONE.value).label("modality"),
        col(Consultation.municipality_code).label("municipality"),
        col(Consultation.received_month).label("month"),
    ).where(col(Consultation.fiscal_year) == fiscal_year, col(Consultation.channel) == Channel.PHONE.value)
    if municipality_code is not None:
        recorded = recorded.where(col(Contact.municipality_code) == municipality_code)
        phoned = phoned.where(col(Consultation.municipality_code) == municipality_code)
    contacts = sa.union_all(recorded, phoned).subquery("contacts")
    persons = func.count(distinct(contacts.c.person_id))
    total_persons, total = uow.session.execute(sa.select(persons, func.count()).select_from(contacts)).one()
    cells: Cells = {}
    for name in ("modality", "municipality", "month"):
        column = contacts.c[name]
        rows = uow.session.execute(sa.select(column, persons, func.count()).group_by(column))
        cells[name] = [(key, int(p), int(n)) for key, p, n in rows]
    return ContactTally(int(total_persons), int(total)), cells


def email_consultations(
    uow: UnitOfWork, fiscal_year: int, municipality_code: str | None
) -> list[EmailConsultation]:
    """The fiscal year's e-mail consultations with their due and reply times (of one municipality,
    if given), for the reply-time report."""
    query = sa.select(
        col(Consultation.person_id),
        col(Consultation.received_month),
        col(Consultation.triage),
        col(Consultation.reply_due_at),
        col(Consultation.replied_at),
    ).where(
        col(Consultation.fiscal_year) == fiscal_year,
        col(Consultation.channel) == Channel.EMAIL.value,
        col(Consultation.reply_due_at).is_not(None),
    )
    if municipality_code is not None:
        query = query.where(col(Consultation.municipality_code) == municipality_code)
    return [
        EmailConsultation(person, month, emergency(triage), due, replied)
        for person, month, triage, due, replied in uow.session.execute(query)
        if due is not None
    ]


def phone_calls(uow: UnitOfWork, fiscal_year: int, municipality_code: str | None) -> list[PhoneCall]:
    """The fiscal year's phone consultations: when received, and whether the line was closed then."""
    query = select(
        col(Consultation.person_id), col(Consultation.received_at), col(Consultation.outside_hours)
    ).where(col(Consultation.fiscal_year) == fiscal_year, col(Consultation.channel) == Channel.PHONE.value)
    if municipality_code is not None:
        query = query.where(col(Consultation.municipality_code) == municipality_code)
    return [PhoneCall(person, received, outside) for person, received, outside in uow.session.exec(query)]
