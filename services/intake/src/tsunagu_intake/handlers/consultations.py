"""Recording consultations (staff, any channel, and the steps every channel shares) and reading them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tsunagu_calendar import PHONE, TOKYO, fiscal_year
from tsunagu_contracts.events.intake import ConsultationReceived
from tsunagu_servicekit.audit import log_read
from tsunagu_servicekit.errors import refuse
from tsunagu_servicekit.http import Principal
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..adapters.cases import add_timeline_entry, set_flag
from ..adapters.consultations import add_consultation, find_consultation, has_consulted
from ..adapters.tables import Case, Consultation, Person
from ..adapters.vault import PersonCipher
from ..domain.codes import AgeBand, Channel, Consulter, Purpose, TimelineKind, Topic, Triage
from ..domain.rules import (
    CONSULTATION_NOT_FOUND,
    FIRST_FISCAL_YEAR,
    RECEIVED_BEFORE_RECORDS,
    RECEIVED_IN_FUTURE,
)
from ..domain.sla import reply_due_at
from ..domain.triage import triage_flag
from .case_records import case_for_consultation
from .commands import RecordConsultation
from .context import IntakeContext
from .deadlines import change_views
from .persons import create_person, load_person
from .views import ConsultationRecorded, ConsultationView

_CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the service's clock a consultation's time may be (the caller's clock runs fast)."""


@dataclass(frozen=True, slots=True)
class NewConsultation:
    """Everything one consultation needs, whoever records it."""

    channel: Channel
    consulter: Consulter
    received_at: datetime
    municipality_code: str | None
    topics: tuple[Topic, ...] = ()
    notes: str | None = None
    body: str | None = None
    consulter_name: str | None = None
    consulter_contact: str | None = None
    triage: Triage = Triage.NONE
    case_id: str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """A consultation stored, the case it joined, and whether that case was opened for it."""

    consultation: Consultation
    case: Case
    case_opened: bool

    def recorded(self) -> ConsultationRecorded:
        c = self.consultation
        return ConsultationRecorded(
            consultation_id=c.id,
            person_id=c.person_id,
            case_id=self.case.id,
            case_opened=self.case_opened,
            returning=c.is_returning,
            outside_hours=c.outside_hours,
            received_at=c.received_at,
            reply_due_at=c.reply_due_at,
            triage=Triage(c.triage),
        )


def receive_consultation(
    ctx: IntakeContext,
    uow: UnitOfWork,
    *,
    person: Person,
    cipher: PersonCipher,
    new: NewConsultation,
    recorded_by: str,
    now: datetime,
) -> Received:
    """Store one consultation of ``person`` on its case (the one named, the person's open one, or a
    new one), put it on the timeline, flag what triage found, and announce it (ConsultationReceived,
    after CaseOpened for a new case)."""
    # The municipality of a Tokyo resident, unless the consultation says otherwise.
    municipality = new.municipality_code
    if municipality is None and person.residence_code in ctx.municipalities:
        municipality = person.residence_code
    returning = has_consulted(uow, person.id)
    case, opened = case_for_consultation(
        ctx,
        uow,
        person_id=person.id,
        case_id=new.case_id,
        channel=new.channel,
        municipality_code=municipality,
        now=now,
    )
    consultation = _stored_consultation(
        ctx,
        uow,
        person,
        cipher,
        new,
        case=case,
        municipality=municipality,
        returning=returning,
        by=recorded_by,
    )
    _on_case(ctx, uow, case, consultation, new, by=recorded_by, now=now)
    uow.emit(_received_event(consultation, new, person), subject=consultation.id, time=now)
    return Received(consultation, case, opened)


def _stored_consultation(
    ctx: IntakeContext,
    uow: UnitOfWork,
    person: Person,
    cipher: PersonCipher,
    new: NewConsultation,
    *,
    case: Case,
    municipality: str | None,
    returning: bool,
    by: str,
) -> Consultation:
    """The consultation row, its personal fields sealed with the person's key, added."""
    received = new.received_at
    consultation = Consultation(
        id=ctx.new_id(),
        person_id=person.id,
        case_id=case.id,
        channel=new.channel.value,
        consulter=new.consulter.value,
        received_at=received,
        fiscal_year=fiscal_year(received),
        received_month=received.astimezone(TOKYO).strftime("%Y-%m"),
        municipality_code=municipality,
        age_band=person.age_band,
        topics=[t.value for t in new.topics],
        outside_hours=new.channel is Channel.PHONE and not ctx.calendar.is_open(PHONE, received),
        triage=new.triage.value,
        is_returning=returning,
        recorded_by=by,
        reply_due_at=reply_due_at(
            ctx.calendar,
            received,
            ctx.reply_business_days,
            emergency=new.triage is Triage.EMERGENCY,
            emergency_business_days=ctx.emergency_reply_business_days,
        )
        if new.channel is Channel.EMAIL
        else None,
    )
    for field, value in (
        ("notes", new.notes),
        ("body", new.body),
        ("consulter_name", new.consulter_name),
        ("consulter_contact", new.consulter_contact),
    ):
        setattr(consultation, f"{field}_ct", cipher.seal(field, consultation.id, value))
    add_consultation(uow, consultation)
    return consultation


def _on_case(
    ctx: IntakeContext,
    uow: UnitOfWork,
    case: Case,
    consultation: Consultation,
    new: NewConsultation,
    *,
    by: str,
    now: datetime,
) -> None:
    """The consultation on its case's timeline, and the flag its triage calls for (if any) set."""
    case.updated_at = now
    add_timeline_entry(
        uow,
        case,
        kind=TimelineKind.CONSULTATION,
        author=by,
        at=now,
        codes={
            "consultation_id": consultation.id,
            "channel": new.channel.value,
            "consulter": new.consulter.value,
        },
    )
    flag = triage_flag(new.triage)
    if flag is not None:
        set_flag(uow, case.id, flag, row_id=ctx.new_id(), now=now, by=by)


def _received_event(consultation: Consultation, new: NewConsultation, person: Person) -> ConsultationReceived:
    return ConsultationReceived(
        consultation_id=consultation.id,
        person_id=person.id,
        case_id=consultation.case_id,
        channel=new.channel,
        consulter=new.consulter,
        received_at=consultation.received_at,
        fiscal_year=consultation.fiscal_year,
        municipality_code=consultation.municipality_code,
        age_band=AgeBand(person.age_band),
        topics=list(dict.fromkeys(new.topics)),
        outside_hours=consultation.outside_hours,
        triage=new.triage,
        returning=consultation.is_returning,
        reply_due_at=consultation.reply_due_at,
    )


def record_consultation(
    ctx: IntakeContext, actor: Principal, command: RecordConsultation
) -> ConsultationRecorded:
    """Staff record a consultation from any channel, for a new or a returning person."""
    now = ctx.now()
    received = command.received_at or now
    if received > now + _CLOCK_SKEW:
        refuse(RECEIVED_IN_FUTURE)
    if fiscal_year(received) < FIRST_FISCAL_YEAR:
        refuse(RECEIVED_BEFORE_RECORDS)
    with ctx.uow() as uow:
        if command.person_id is not None:
            person, cipher = load_person(ctx, uow, command.person_id)
        else:
            person, cipher = create_person(ctx, uow, command.person, now)
        received_one = receive_consultation(
            ctx,
            uow,
            person=person,
            cipher=cipher,
            new=NewConsultation(
                channel=command.channel,
                consulter=command.consulter,
                received_at=received,
                municipality_code=command.municipality_code,
                topics=tuple(command.topics),
                notes=command.notes,
                consulter_name=command.consulter_name,
                consulter_contact=command.consulter_contact,
                case_id=command.case_id,
            ),
            recorded_by=actor.subject,
            now=now,
        )
        uow.commit()
    return received_one.recorded()


def read_consultation(
    ctx: IntakeContext, actor: Principal, consultation_id: str, purpose: Purpose
) -> ConsultationView:
    """One consultation with its personal data, decrypted; the read is logged."""
    with ctx.uow() as uow:
        row = find_consultation(uow, consultation_id)
        if row is None:
            refuse(CONSULTATION_NOT_FOUND)
        _, cipher = load_person(ctx, uow, row.person_id)
        view = ConsultationView(
            consultation_id=row.id,
            person_id=row.person_id,
            case_id=row.case_id,
            channel=Channel(row.channel),
            consulter=Consulter(row.consulter),
            received_at=row.received_at,
            municipality_code=row.municipality_code,
            topics=list(row.topics),
            outside_hours=row.outside_hours,
            triage=Triage(row.triage),
            returning=row.is_returning,
            reply_due_at=row.reply_due_at,
            replied_at=row.replied_at,
            notes=cipher.open("notes", row.id, row.notes_ct),
            body=cipher.open("body", row.id, row.body_ct),
            consulter_name=cipher.open("consulter_name", row.id, row.consulter_name_ct),
            consulter_contact=cipher.open("consulter_contact", row.id, row.consulter_contact_ct),
            reply_deadline_changes=change_views(uow, row.id, cipher),
        )
        log_read(
            uow,
            subject=actor.subject,
            at=ctx.now(),
            record_type="consultation",
            record_id=row.id,
            person_id=row.person_id,
            purpose=purpose,
        )
        uow.commit()
    return view
