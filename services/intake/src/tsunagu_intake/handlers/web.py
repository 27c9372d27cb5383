"""Web (e-mail) consultation for people: registration, login, consultations at any hour, replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from tsunagu_servicekit.http import AuthError
from tsunagu_servicekit.logging import get_logger

from ..adapters.passwords import hash_password, verify_password
from ..adapters.sessions import WebUser
from ..adapters.tables import Consultation, EmailReply, Person
from ..domain.codes import Channel, Purpose, Triage
from ..domain.identity import is_valid_user_number, new_user_number, normal_user_number
from ..domain.triage import ImmediateAnswer, immediate_answer, triage
from .access_log import record_read
from .commands import Login, PersonDetails, Register, WebConsultation
from .consultations import ConsultationRecorded, NewConsultation, add_consultation
from .context import IntakeContext
from .errors import LoginLocked
from .events import EventStager
from .persons import create_person, load_person

_REGISTRATION_ATTEMPTS = 5
_LOGIN_SUBJECT = "web-login"

log = get_logger(__name__)


def register(ctx: IntakeContext, command: Register) -> str:
    """Register a person for web consultation; returns the user number (利用者番号) they log in with."""
    password_hash = hash_password(command.password)
    for _ in range(_REGISTRATION_ATTEMPTS):
        now = ctx.now()
        user_number = new_user_number()
        with ctx.uow() as uow:
            person, _ = create_person(
                ctx,
                uow.session,
                PersonDetails(
                    nickname=command.nickname,
                    email=command.email,
                    residence_code=command.residence_code,
                    age_band=command.age_band,
                ),
                now,
            )
            person.user_number = user_number
            person.password_hash = password_hash
            uow.session.add(person)
            try:
                uow.commit()
            except IntegrityError:  # the number was taken meanwhile: draw another
                continue
        return user_number
    raise RuntimeError("no free user number found")


def login(ctx: IntakeContext, command: Login) -> str:
    """A login token for the web user, or 401 (the same answer whatever was wrong).

    Every attempt is counted against the user number as typed (normalised), whether it exists or
    not; after ``max_failures`` in a row the number is locked: 429 with the seconds to wait, and no
    password is checked until the lock expires. A successful login starts the count again.
    """
    number = normal_user_number(command.user_number)
    subject = ctx.vault.digest(_LOGIN_SUBJECT, number)
    now = ctx.now()
    person_id: str | None = None
    stored: str | None = None
    with ctx.uow() as uow:
        attempt = ctx.login_lockout.begin_attempt(uow.session, subject, now)
        if attempt.allowed and is_valid_user_number(number):
            person = uow.session.exec(
                select(Person).where(Person.user_number == number, col(Person.erased_at).is_(None))
            ).first()
            if person is not None:
                person_id, stored = person.id, person.password_hash
        uow.commit()
    if not attempt.allowed:
        log.info("web.login_locked")
        raise LoginLocked(attempt.retry_after(now))
    if not verify_password(command.password, stored) or person_id is None:
        if attempt.locks_on_failure:
            log.info("web.login_locked")
            raise LoginLocked(attempt.retry_after(now))
        raise AuthError("The user number or password is not correct.", reason="bad_credentials")
    with ctx.uow() as uow:
        ctx.login_lockout.succeeded(uow.session, subject)
        uow.commit()
    return ctx.web_sessions.issue(person_id)


@dataclass(frozen=True, slots=True)
class WebSubmission:
    recorded: ConsultationRecorded
    immediate: ImmediateAnswer | None


def submit(ctx: IntakeContext, user: WebUser, command: WebConsultation) -> WebSubmission:
    """A consultation from the web form. Emergencies and requests for diagnosis get an immediate
    answer pointing to emergency services or medical care, and are flagged to staff."""
    now = ctx.now()
    result = triage(command.declared, command.body, ctx.triage_words)
    with ctx.uow() as uow:
        session = uow.session
        person, cipher = load_person(ctx, session, user.person_id)
        consultation, case, opened = add_consultation(
            ctx,
            session,
            EventStager(uow),
            person=person,
            cipher=cipher,
            new=NewConsultation(
                channel=Channel.EMAIL,
                consulter=command.consulter,
                received_at=now,
                municipality_code=None,
                topics=tuple(command.topics),
                body=command.body,
                triage=result,
            ),
            recorded_by="web",
            now=now,
        )
        uow.commit()
    recorded = ConsultationRecorded(
        consultation_id=consultation.id,
        person_id=person.id,
        case_id=case.id,
        case_opened=opened,
        returning=consultation.is_returning,
        outside_hours=False,
        received_at=now,
        reply_due_at=consultation.reply_due_at,
        triage=result,
    )
    return WebSubmission(recorded, immediate_answer(result))


@dataclass(frozen=True, slots=True)
class ReplyView:
    reply_id: str
    replied_at: datetime
    body: str | None


@dataclass(frozen=True, slots=True)
class OwnConsultation:
    consultation_id: str
    received_at: datetime
    reply_due_at: datetime | None
    triage: Triage
    body: str | None
    replies: list[ReplyView] = field(default_factory=list)


def own_consultations(ctx: IntakeContext, user: WebUser) -> list[OwnConsultation]:
    """The person's web consultations and the replies to them (the read is logged)."""
    with ctx.uow() as uow:
        session = uow.session
        _, cipher = load_person(ctx, session, user.person_id)  # 410 once erased
        rows = session.exec(
            select(Consultation)
            .where(Consultation.person_id == user.person_id, Consultation.channel == Channel.EMAIL.value)
            .order_by(col(Consultation.received_at))
        ).all()
        result = []
        for row in rows:
            replies = session.exec(
                select(EmailReply)
                .where(EmailReply.consultation_id == row.id)
                .order_by(col(EmailReply.replied_at))
            ).all()
            result.append(
                OwnConsultation(
                    consultation_id=row.id,
                    received_at=row.received_at,
                    reply_due_at=row.reply_due_at,
                    triage=Triage(row.triage),
                    body=cipher.open("body", row.id, row.body_ct),
                    replies=[
                        ReplyView(r.id, r.replied_at, cipher.open("reply", r.id, r.body_ct)) for r in replies
                    ],
                )
            )
        record_read(
            session,
            subject=user.person_id,
            at=ctx.now(),
            record_type="own_consultations",
            record_id=user.person_id,
            person_id=user.person_id,
            purpose=Purpose.SELF_ACCESS,
        )
        uow.commit()
    return result
