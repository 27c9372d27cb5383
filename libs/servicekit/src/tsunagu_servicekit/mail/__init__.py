"""Mail the platform sends (ADR 0017): queued in the sender's own transaction with
:func:`queue_mail`, sent over SMTP by the kit's mail timer, to recipients the service resolves
only when sending, from Japanese templates, each with an unsubscribe link."""

from .outbox import (
    QUARANTINED,
    SENT,
    SUPPRESSED,
    MailPolicy,
    MailSender,
    Recipients,
    SmtpServer,
    queue_mail,
)
from .tables import mail_outbox, mail_preferences
from .templates import MailTemplates, RenderedMail
from .unsubscribe import LINK_INVALID, UnsubscribeLinks, is_unsubscribed, unsubscribe

__all__ = [
    "LINK_INVALID",
    "QUARANTINED",
    "SENT",
    "SUPPRESSED",
    "MailPolicy",
    "MailSender",
    "MailTemplates",
    "Recipients",
    "RenderedMail",
    "SmtpServer",
    "UnsubscribeLinks",
    "is_unsubscribed",
    "mail_outbox",
    "mail_preferences",
    "queue_mail",
    "unsubscribe",
]
