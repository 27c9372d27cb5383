"""Which mail a signed-in staff member receives: their preferences per topic, over HTTP.

A service that sends mail lists its topics (:class:`MailTopic`, with the Japanese label people
read) and mounts :func:`preferences_router`. A caller sees every topic with whether it is on, and
turns one on or off. Preferences are the rows of ``tsunagu_mail_preferences`` that the unsubscribe
link writes, through the same :func:`~.unsubscribe.unsubscribe` (and its undoing,
:func:`~.unsubscribe.resubscribe`): one way to stop a mail, whichever door it was stopped by, and
a mail stopped by its link can be turned on again here.

By default a caller's preferences are those of ``staff:<sub of their token>``, the reference a
service names its staff by when it queues mail to them (:func:`staff_recipient`). A service whose
mail goes to a shared mailbox mounts the router with that mailbox's reference and the roles that
may decide for it instead.
"""

# No ``from __future__ import annotations``: the routes are made inside a function, and FastAPI
# reads their annotations, which name that function's locals, as objects.
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine

from ..errors import Rule, refuse
from ..http.auth import Principal, require
from ..http.openapi import refusals
from ..wire import JsonBool
from .unsubscribe import resubscribe, unsubscribe, unsubscribed_topics

TOPIC_UNKNOWN = Rule("mail_topic_unknown", 404, "This service sends no mail of that kind.")

STAFF = "staff:"
"""The prefix of the recipient reference of a member of staff: ``staff:<sub>``."""

_TOPIC_NAME = r"^[a-z][a-z0-9_]{0,63}$"


def staff_recipient(principal: Principal) -> str:
    """The recipient reference of the caller: ``staff:<sub>``."""
    return f"{STAFF}{principal.subject}"


@dataclass(frozen=True)
class MailTopic:
    """A kind of mail a service sends, as people choose it: its ``name`` (the ``topic`` of
    :func:`~.outbox.queue_mail`) and what it is called in Japanese."""

    name: str
    label: str


class TopicPreference(BaseModel):
    """Whether the caller receives one kind of mail."""

    model_config = ConfigDict(extra="forbid")

    topic: str
    label: str
    """What the mail is called, in Japanese."""
    subscribed: bool
    unsubscribed_at: datetime | None
    """When it was turned off (by this page or by a mail's link); none while it is on."""


class MailPreferences(BaseModel):
    """Every kind of mail this service sends, and whether the caller receives it."""

    topics: list[TopicPreference]


class SetTopicPreference(BaseModel):
    """Receive this kind of mail (``true``), or not (``false``)."""

    model_config = ConfigDict(extra="forbid")

    subscribed: JsonBool


def preferences_of(engine: Engine, recipient: str, topics: Sequence[MailTopic]) -> list[TopicPreference]:
    """Each of ``topics`` with whether ``recipient`` receives it: what every preferences page
    shows, whichever door (this router, a service's own page, a mail's link) set it."""
    off = unsubscribed_topics(engine, recipient)
    return [
        TopicPreference(
            topic=t.name, label=t.label, subscribed=t.name not in off, unsubscribed_at=off.get(t.name)
        )
        for t in topics
    ]


def choose(engine: Engine, recipient: str, topic: str, *, subscribed: bool, now: datetime) -> None:
    """``recipient`` receives mail of ``topic`` from now on, or not: the one way a preference is
    set (the unsubscribe link's :func:`~.unsubscribe.unsubscribe` and its undoing)."""
    if subscribed:
        resubscribe(engine, recipient, topic)
    else:
        unsubscribe(engine, recipient, topic, now)


def preferences_router(
    topics: Sequence[MailTopic],
    *,
    recipient: Callable[[Principal], str] = staff_recipient,
    roles: Sequence[str] = (),
    path: str = "/mail/preferences",
    summary_whose: str = "the caller's own",
) -> APIRouter:
    """``GET {path}`` (every topic and whether it is on) and ``PUT {path}/{topic}`` (turn one on or
    off) for a caller holding one of ``roles`` (any signed-in staff when none), about the mail of
    ``recipient(caller)``."""
    by_name = {t.name: t for t in topics}
    if len(by_name) != len(topics):
        raise ValueError("mail topics must have distinct names")
    caller = Annotated[Principal, Depends(require(*roles))]
    router = APIRouter(tags=["mail"])

    def view(request: Request, whose: str) -> MailPreferences:
        return MailPreferences(topics=preferences_of(request.app.state.runtime.engine, whose, topics))

    @router.get(path, summary=f"Which mail {summary_whose} preferences let through, per topic")
    def get_preferences(request: Request, principal: caller) -> MailPreferences:
        return view(request, recipient(principal))

    @router.put(
        f"{path}/{{topic}}",
        summary=f"Turn one kind of mail on or off ({summary_whose} preferences)",
        responses=refusals(TOPIC_UNKNOWN),
    )
    def set_preference(
        request: Request,
        topic: Annotated[str, Path(pattern=_TOPIC_NAME, description="The kind of mail")],
        body: SetTopicPreference,
        principal: caller,
    ) -> TopicPreference:
        """Idempotent: turning off what is off keeps the time it was first turned off."""
        if topic not in by_name:
            refuse(TOPIC_UNKNOWN)
        runtime = request.app.state.runtime
        whose = recipient(principal)
        choose(runtime.engine, whose, topic, subscribed=body.subscribed, now=runtime.infra.clock())
        [preference] = [p for p in view(request, whose).topics if p.topic == topic]
        return preference

    return router
