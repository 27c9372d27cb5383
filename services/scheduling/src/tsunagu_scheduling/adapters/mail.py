"""The mail scheduling sends, queued in the caller's unit of work (the kit sends it: ADR 0017).

Staff are named ``staff:<sub>`` (the ``sub`` of their token, the reference their own mail
preferences are kept under); the address is looked up in the staff directory when the mail goes,
so a member made inactive or taken out of the directory meanwhile gets nothing (the kit settles
the mail as suppressed and counts it). Templates are in ``tsunagu_scheduling/mail``; what they are
given is decided in :mod:`..domain.reminder_mail`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session
from tsunagu_servicekit.mail import STAFF, queue_mail

from ..domain.reminder_mail import APPOINTMENT_REMINDER
from . import staff_directory


def queue_appointment_reminder(
    session: Session, *, key: str, staff_subject: str, context: Mapping[str, str], now: datetime
) -> bool:
    """Queue the reminder mail of one staff member (False when ``key`` was queued before)."""
    return queue_mail(
        session,
        key=key,
        topic=APPOINTMENT_REMINDER,
        template=APPOINTMENT_REMINDER,
        recipient=f"{STAFF}{staff_subject}",
        context=context,
        now=now,
    )


class SchedulingRecipients:
    """Where scheduling's mail goes (the kit's ``Recipients``): staff, by the directory."""

    def address(self, session: Session, recipient: str) -> str | None:
        if recipient.startswith(STAFF):
            return staff_directory.active_address(session, recipient.removeprefix(STAFF))
        return None
