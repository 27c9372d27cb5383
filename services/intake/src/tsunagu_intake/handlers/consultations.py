"""Recording consultations (staff, any channel) and reading them back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select
from tsunagu_calendar import PHONE, TOKYO, fiscal_year
from tsunagu_contracts.events.intake import ConsultationReceived
from tsunagu_servicekit.http import Principal

from ..adapters.tables import Case, Consultation, Person
from ..adapters.vault import PersonCipher
from ..domain.codes import AgeBand, Channel, Consulter, Purpose, TimelineKind, Topic, Triage
from ..domain.sla import reply_due_at
from ..domain.triage import triage_flag
from .access_log import record_read
from .case_records import add_timeline, case_for_consultation, set_flag
from .commands import RecordConsultation
from .context import IntakeContext, new_id
from .errors import NotFound, RuleViolation
from .events import EventStager
from .persons import create_person, load_person

UNKNOWN_MUNICIPALITY = "unknown_municipality"
RECEIVED_IN_FUTURE = "received_in_future"
_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class ConsultationRecorded:
    consultation_id: str
    person_id: str
    case_id: str
    case_opened: bool
    returning: bool
    outside_hours: bool
    received_at: datetime
    reply_due_at: datetime | None
    triage: Triage = Triage.NONE


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


def check_municipality(ctx: IntakeContext, code: str | None) -> None:
    if code is not None and code not in ctx.municipalities:
        raise RuleViolation(
            "The municipality code is not one of Tokyo's 62 municipalities.", rule=UNKNOWN_MUNICIPALITY
        )


def add_consultation(
    ctx: IntakeContext,
    session: Session,
    events: EventStager,
    *,
    person: Person,
    cipher: PersonCipher,
    new: NewConsultation,
    recorded_by: str,
    now: datetime,
) -> tuple[Consultation, Case, bool]:
    """Store one consultation of ``person`` on its case and stage ConsultationReceived (and CaseOpened)."""
    municipality = new.municipality_code
    if municipality is None and person.residence_code in ctx.municipalities:
        municipality = person.residence_code
    returning = (
        session.exec(
            select(func.count()).select_from(Consultation).where(Consultation.person_id == person.id)
        ).one()
        > 0
    )
    case, opened = case_for_consultation(
        session,
        events,
        person_id=person.id,
        case_id=new.case_id,
        channel=new.channel,
        municipality_code=municipality,
        now=now,
    )
    received = new.received_at
    outside_hours = new.channel is Channel.PHONE and not ctx.calendar.is_open(PHONE, received)
    due = (
        reply_due_at(ctx.calendar, received, ctx.reply_business_days)
        if new.channel is Channel.EMAIL
        else None
    )
    consultation = Consultation(
        id=new_id(),
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
        outside_hours=outside_hours,
        triage=new.triage.value,
        is_returning=returning,
        recorded_by=recorded_by,
        reply_due_at=due,
    )
    consultation.notes_ct = cipher.seal("notes", consultation.id, new.notes)
    consultation.body_ct = cipher.seal("body", consultation.id, new.body)
    consultation.consulter_name_ct = cipher.seal("consulter_name", consultation.id, new.consulter_name)
    consultation.consulter_contact_ct = cipher.seal(
        "consulter_contact", consultation.id, new.consulter_contact
    )
    session.add(consultation)
    case.updated_at = now
    session.add(case)
    add_timeline(
        session,
        case,
        kind=TimelineKind.CONSULTATION,
        author=recorded_by,
        at=now,
        codes={
            "consultation_id": consultation.id,
            "channel": new.channel.value,
            "consulter": new.consulter.value,
        },
    )
    flag = triage_flag(new.triage)
    if flag is not None:
        set_flag(session, case.id, flag, now=now, by=recorded_by)
    events.emit(
        ConsultationReceived(
            consultation_id=consultation.id,
            person_id=person.id,
            case_id=case.id,
            channel=new.channel,
            consulter=new.consulter,
            received_at=received,
            fiscal_year=consultation.fiscal_year,
            municipality_code=municipality,
            age_band=AgeBand(person.age_band),
            topics=list(dict.fromkeys(new.topics)),
            outside_hours=outside_hours,
            triage=new.triage,
            returning=returning,
            reply_due_at=due,
        ),
        subject=consultation.id,
        time=now,
    )
    return consultation, case, opened


def record_consultation(
    ctx: IntakeContext, actor: Principal, command: RecordConsultation
) -> ConsultationRecorded:
    """Staff record a consultation from any channel, for a new or a returning person."""
    check_municipality(ctx, command.municipality_code)
    now = ctx.now()
    received = command.received_at or now
    if received > now + _CLOCK_SKEW:
        raise RuleViolation("A consultation cannot be received in the future.", rule=RECEIVED_IN_FUTURE)
    with ctx.uow() as uow:
        session = uow.session
        events = EventStager(uow)
        if command.person_id is not None:
            person, cipher = load_person(ctx, session, command.person_id)
        else:
            person, cipher = create_person(ctx, session, command.person, now)
        consultation, case, opened = add_consultation(
            ctx,
            session,
            events,
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
    return ConsultationRecorded(
        consultation_id=consultation.id,
        person_id=person.id,
        case_id=case.id,
        case_opened=opened,
        returning=consultation.is_returning,
        outside_hours=consultation.outside_hours,
        received_at=received,
        reply_due_at=consultation.reply_due_at,
    )


@dataclass(frozen=True, slots=True)
class ConsultationView:
    consultation_id: str
    person_id: str
    case_id: str
    channel: Channel
    consulter: Consulter
    received_at: datetime
    municipality_code: str | None
    topics: list[str]
    outside_hours: bool
    triage: Triage
    returning: bool
    reply_due_at: datetime | None
    replied_at: datetime | None
    notes: str | None
    body: str | None
    consulter_name: str | None
    consulter_contact: str | None


def read_consultation(
    ctx: IntakeContext, actor: Principal, consultation_id: str, purpose: Purpose
) -> ConsultationView:
    with ctx.uow() as uow:
        session = uow.session
        row = session.get(Consultation, consultation_id)
        if row is None:
            raise NotFound("No such consultation.")
        _, cipher = load_person(ctx, session, row.person_id)
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
        )
        record_read(
            session,
            subject=actor.subject,
            at=ctx.now(),
            record_type="consultation",
            record_id=row.id,
            person_id=row.person_id,
            purpose=purpose,
        )
        uow.commit()
    return view
