"""The mail intake sends, queued in the caller's unit of work (the kit sends it: ADR 0017).

Recipients are references resolved when the mail goes: ``office`` is the programme office's
mailbox (``office_mailbox``; without one, office mail is settled unsent); ``person:<id>`` is the
address a person gave, opened from the vault at that moment (none once they are erased). Templates are in
``tsunagu_intake/mail``; what they are given is ids, codes and dates — never a consultation's
words or a person's name.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select
from tsunagu_calendar import TOKYO, format_date_ja
from tsunagu_servicekit.mail import queue_mail
from tsunagu_servicekit.unit_of_work import UnitOfWork

from ..domain.codes import EscalationTrigger, Triage, Urgency
from .tables import Person
from .vault import PersonKeyMissing, Vault

OFFICE = "office"
REPLY_OVERDUE = "reply_overdue"
ESCALATION_URGENT = "escalation_urgent"
REPLY_WAITING = "reply_waiting"
SEAT_CONFIRMED = "seat_confirmed"
_PERSON = "person:"


def person_recipient(person_id: str) -> str:
    """How mail to a person is addressed in the queue and in their preferences: ``person:<id>``."""
    return f"{_PERSON}{person_id}"


_TRIAGE_LABELS = {Triage.EMERGENCY: "緊急", Triage.DIAGNOSIS_REQUEST: "診断の希望", Triage.NONE: "通常"}


def when_ja(instant: datetime) -> str:
    """令和7年6月5日 17:15 (Tokyo)."""
    local = instant.astimezone(TOKYO)
    return f"{format_date_ja(local.date())} {local:%H:%M}"


def queue_reply_overdue(
    uow: UnitOfWork, *, consultation_id: str, due_at: datetime, triage: Triage, now: datetime
) -> None:
    """Tell the office, once per consultation, that its reply is overdue."""
    queue_mail(
        uow.session,
        key=f"{REPLY_OVERDUE}:{consultation_id}",
        topic=REPLY_OVERDUE,
        template=REPLY_OVERDUE,
        recipient=OFFICE,
        context={
            "consultation_id": consultation_id,
            "due_label": when_ja(due_at),
            "triage_label": _TRIAGE_LABELS.get(triage, str(triage)),
        },
        now=now,
    )


_URGENCY_LABELS = {Urgency.IMMEDIATE: "即時対応", Urgency.URGENT: "至急"}
_TRIGGER_LABELS = {
    EscalationTrigger.AUTOMATIC: "リスク評価による自動登録",
    EscalationTrigger.MANUAL: "相談員による登録",
}


def queue_urgent_escalation(
    uow: UnitOfWork,
    *,
    escalation_id: str,
    case_id: str,
    urgency: Urgency,
    trigger: EscalationTrigger,
    reason_codes: list[str],
    escalated_at: datetime,
) -> None:
    """Tell the office of a new escalation that cannot wait for the next meeting (urgent or
    immediate; routine ones go on the agenda and are seen there)."""
    if urgency not in _URGENCY_LABELS:
        return
    queue_mail(
        uow.session,
        key=f"{ESCALATION_URGENT}:{escalation_id}",
        topic=ESCALATION_URGENT,
        template=ESCALATION_URGENT,
        recipient=OFFICE,
        context={
            "escalation_id": escalation_id,
            "case_id": case_id,
            "urgency_label": _URGENCY_LABELS[urgency],
            "trigger_label": _TRIGGER_LABELS.get(trigger, str(trigger)),
            "reason_codes": ", ".join(reason_codes),
            "escalated_label": when_ja(escalated_at),
        },
        now=escalated_at,
    )


def queue_reply_waiting(
    uow: UnitOfWork, *, person_id: str, reply_id: str, site_url: str, now: datetime
) -> None:
    """Tell a person who gave an address that a reply is waiting (once per reply). The mail says
    nothing of the consultation: they read the reply after logging in."""
    queue_mail(
        uow.session,
        key=f"{REPLY_WAITING}:{reply_id}",
        topic=REPLY_WAITING,
        template=REPLY_WAITING,
        recipient=person_recipient(person_id),
        context={"site_url": site_url},
        now=now,
    )


def queue_seat_confirmed(
    uow: UnitOfWork, *, person_id: str, signup_id: str, site_url: str, now: datetime
) -> None:
    """Tell a person who waited for a seat that they have one (once per sign-up). The mail names
    no session: they see it after logging in."""
    queue_mail(
        uow.session,
        key=f"{SEAT_CONFIRMED}:{signup_id}",
        topic=SEAT_CONFIRMED,
        template=SEAT_CONFIRMED,
        recipient=person_recipient(person_id),
        context={"site_url": site_url},
        now=now,
    )


class IntakeRecipients:
    """Where intake's mail goes (the kit's ``Recipients``)."""

    def __init__(self, office_mailbox: str | None, vault: Vault) -> None:
        self.office_mailbox = office_mailbox
        self.vault = vault

    def address(self, session: Session, recipient: str) -> str | None:
        if recipient == OFFICE:
            return self.office_mailbox
        if recipient.startswith(_PERSON):
            return self._person_address(session, recipient.removeprefix(_PERSON))
        return None

    def _person_address(self, session: Session, person_id: str) -> str | None:
        person = session.execute(select(Person).where(Person.id == person_id)).scalars().first()
        if person is None or person.erased_at is not None or person.email_ct is None:
            return None
        try:
            address = self.vault.cipher(session, person_id).open("email", person_id, person.email_ct)
        except PersonKeyMissing:  # erased meanwhile: the key is gone, and with it the address
            return None
        return address or None
