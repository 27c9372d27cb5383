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
from .preferences import (
    STAFF,
    TOPIC_UNKNOWN,
    MailTopic,
    TopicPreference,
    choose,
    preferences_of,
    preferences_router,
    staff_recipient,
)
from .tables import mail_outbox, mail_preferences
from .templates import MailTemplates, RenderedMail
from .unsubscribe import (
    LINK_INVALID,
    UnsubscribeLinks,
    is_unsubscribed,
    resubscribe,
    unsubscribe,
    unsubscribed_topics,
)

__all__ = [
    "LINK_INVALID",
    "QUARANTINED",
    "SENT",
    "STAFF",
    "SUPPRESSED",
    "TOPIC_UNKNOWN",
    "MailPolicy",
    "MailSender",
    "MailTemplates",
    "MailTopic",
    "Recipients",
    "RenderedMail",
    "SmtpServer",
    "TopicPreference",
    "UnsubscribeLinks",
    "choose",
    "is_unsubscribed",
    "mail_outbox",
    "mail_preferences",
    "preferences_of",
    "preferences_router",
    "queue_mail",
    "resubscribe",
    "staff_recipient",
    "unsubscribe",
    "unsubscribed_topics",
]
