"""Web (e-mail) consultation for people: registration, login, consultations at any hour, replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from tsunagu_servicekit.audit import log_read
from tsunagu_servicekit.errors import Refusal, refuse
from tsunagu_servicekit.logging import get_logger

from ..adapters.consultations import email_consultations_of, replies_to
from ..adapters.login_lockout import LoginAttempt
from ..adapters.passwords import hash_password, verify_password
from ..adapters.persons import person_with_user_number, set_password_if_recovery
from ..adapters.web_logins import WebUser
from ..domain.codes import Channel, Purpose, Triage
from ..domain.identity import (
    is_valid_user_number,
    new_recovery_code,
    new_user_number,
    normal_recovery_code,
    normal_user_number,
)
from ..domain.rules import LOGIN_FAILED, LOGIN_LOCKED, RESET_FAILED
from ..domain.triage import immediate_answer, triage
from .commands import Login, PersonDetails, Register, ResetPassword, WebConsultation
from .consultations import NewConsultation, receive_consultation
from .context import IntakeContext
from .persons import create_person, load_person
from .views import (
    ImmediateAnswerView,
    LoginToken,
    OwnConsultation,
    PasswordReset,
    Registered,
    ReplyView,
    Submitted,
)

_REGISTRATION_ATTEMPTS = 5
_LOGIN_SUBJECT = "web-login"

log = get_logger(__name__)


def register(ctx: IntakeContext, command: Register) -> Registered:
    """Register a person for web consultation; the answer is the user number (利用者番号) they log
    in with, and the recovery code."""
    registered, _ = _register(ctx, command)
    return registered


def register_signed_in(ctx: IntakeContext, command: Register) -> tuple[Registered, LoginToken]:
    """Register and log in at once (the registration page goes on signed in): the password was
    just chosen, so it is not checked again."""
    registered, person_id = _register(ctx, command)
    return registered, _login_token(ctx, person_id)


def _register(ctx: IntakeContext, command: Register) -> tuple[Registered, str]:
    password_hash = hash_password(command.password)
    recovery_code = new_recovery_code()
    recovery_hash = hash_password(_recovery_secret(recovery_code))
    details = PersonDetails(
        nickname=command.nickname,
        email=command.email,
        residence_code=command.residence_code,
        age_band=command.age_band,
    )
    for _ in range(_REGISTRATION_ATTEMPTS):
        user_number = new_user_number()
        with ctx.uow() as uow:
            person, _ = create_person(ctx, uow, details, ctx.now())
            person.user_number = user_number
            person.password_hash = password_hash
            person.recovery_hash = recovery_hash
            try:
                uow.commit()
            except IntegrityError:  # the number was taken meanwhile: draw another
                continue
        return Registered(user_number=user_number, recovery_code=recovery_code), person.id
    raise RuntimeError("no free user number found")


def login(ctx: IntakeContext, command: Login) -> LoginToken:
    """A login token for the web user, or 401 (rule ``login_failed``, the same answer whatever was
    wrong).

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
        attempt = ctx.login_lockout.begin_attempt(uow, subject, now)
        person = (
            person_with_user_number(uow, number) if attempt.allowed and is_valid_user_number(number) else None
        )
        if person is not None:
            person_id, stored = person.id, person.password_hash
        uow.commit()
    if not attempt.allowed:
        raise _locked(attempt, now)
    if not verify_password(command.password, stored) or person_id is None:
        if attempt.locks_on_failure:
            raise _locked(attempt, now)
        refuse(LOGIN_FAILED)  # with WWW-Authenticate, as every 401
    with ctx.uow() as uow:
        ctx.login_lockout.succeeded(uow, subject)
        uow.commit()
    return _login_token(ctx, person_id)


def _login_token(ctx: IntakeContext, person_id: str) -> LoginToken:
    return LoginToken(access_token=ctx.web_logins.issue(person_id), expires_in=ctx.web_logins.ttl_seconds)


def reset_password(ctx: IntakeContext, command: ResetPassword) -> PasswordReset:
    """Set a new password with the recovery code issued at registration, which is then spent and
    replaced by a new one (shown once). 401 ``password_reset_failed`` whatever was wrong; failures
    count towards the same lock as failed logins, so a code cannot be guessed faster than a
    password."""
    number = normal_user_number(command.user_number)
    code = normal_recovery_code(command.recovery_code)
    subject = ctx.vault.digest(_LOGIN_SUBJECT, number)
    now = ctx.now()
    with ctx.uow() as uow:
        attempt = ctx.login_lockout.begin_attempt(uow, subject, now)
        person = (
            person_with_user_number(uow, number) if attempt.allowed and is_valid_user_number(number) else None
        )
        stored = person.recovery_hash if person is not None else None
        uow.commit()
    if not attempt.allowed:
        raise _locked(attempt, now)
    # The hash is checked even for a malformed code, so the answer takes as long whatever was wrong.
    matches = verify_password(_recovery_secret(code or ""), stored)
    if not matches or code is None or person is None:
        if attempt.locks_on_failure:
            raise _locked(attempt, now)
        refuse(RESET_FAILED)
    renewed = new_recovery_code()
    with ctx.uow() as uow:
        ctx.login_lockout.succeeded(uow, subject)
        changed = set_password_if_recovery(
            uow,
            person.id,
            stored,
            hash_password(command.new_password),
            hash_password(_recovery_secret(renewed)),
        )
        uow.commit()
    if not changed:  # the same code was used at the same time by another request: it is spent
        refuse(RESET_FAILED)
    log.info("web.password_reset")
    return PasswordReset(recovery_code=renewed)


def _recovery_secret(code: str) -> str:
    """What is hashed of a recovery code: its normal form, so any way it is typed verifies."""
    return "recovery\x00" + (normal_recovery_code(code) or code)


def _locked(attempt: LoginAttempt, now: datetime) -> Refusal:
    """429 with the whole seconds until the lock expires."""
    log.info("web.login_locked")
    return Refusal(LOGIN_LOCKED, headers={"Retry-After": str(attempt.retry_after(now))})


def submit(ctx: IntakeContext, user: WebUser, command: WebConsultation) -> Submitted:
    """A consultation from the web form. Emergencies and requests for diagnosis get an immediate
    answer pointing to emergency services or medical care, and are flagged to staff."""
    now = ctx.now()
    result = triage(command.declared, command.body, ctx.triage_words)
    with ctx.uow() as uow:
        person, cipher = load_person(ctx, uow, user.person_id)
        received = receive_consultation(
            ctx,
            uow,
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
    answer = immediate_answer(result)
    return Submitted(
        consultation_id=received.consultation.id,
        received_at=now,
        reply_due_at=received.consultation.reply_due_at,
        triage=result,
        immediate_answer=ImmediateAnswerView(code=answer.code, message=answer.message) if answer else None,
    )


def own_consultations(ctx: IntakeContext, user: WebUser) -> list[OwnConsultation]:
    """The person's web consultations and the replies to them (the read is logged)."""
    with ctx.uow() as uow:
        _, cipher = load_person(ctx, uow, user.person_id)  # 410 once erased
        result = [
            OwnConsultation(
                consultation_id=row.id,
                received_at=row.received_at,
                reply_due_at=row.reply_due_at,
                triage=Triage(row.triage),
                body=cipher.open("body", row.id, row.body_ct),
                replies=[
                    ReplyView(
                        reply_id=r.id, replied_at=r.replied_at, body=cipher.open("reply", r.id, r.body_ct)
                    )
                    for r in replies_to(uow, row.id)
                ],
            )
            for row in email_consultations_of(uow, user.person_id)
        ]
        log_read(
            uow,
            subject=user.person_id,
            at=ctx.now(),
            record_type="own_consultations",
            record_id=user.person_id,
            purpose=Purpose.SELF_ACCESS,
            person_id=user.person_id,
        )
        uow.commit()
    return result
