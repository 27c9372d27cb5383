"""Unsubscribing: a signed link in every mail, and the page it opens.

The link carries the recipient's opaque reference and the mail's topic, signed with the service's
mail secret (HMAC-SHA256), so nobody can unsubscribe someone else. Opening it (GET) shows a page
with one button, because mail scanners follow links; pressing it, or a mail client's one-click
``POST`` (RFC 8058), records the choice. Mail of that topic to that recipient is then settled as
suppressed instead of being sent. The pages are plain HTML in Japanese and need no JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..errors import Refusal, Rule
from ..http.openapi import refusals
from .tables import mail_preferences

LINK_INVALID = Rule(
    "mail_unsubscribe_link_invalid", 400, "The unsubscribe link is not valid: it was changed or cut short."
)

PATH = "/mail/unsubscribe"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UnsubscribeLinks:
    """Signs and reads the tokens of unsubscribe links."""

    def __init__(self, secret: str, base_url: str) -> None:
        self._key = hashlib.sha256(b"tsunagu mail unsubscribe\x00" + secret.encode()).digest()
        self.base_url = base_url.rstrip("/")

    def token(self, recipient: str, topic: str) -> str:
        payload = json.dumps([recipient, topic], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(hmac.new(self._key, payload, hashlib.sha256).digest())}"

    def url(self, recipient: str, topic: str) -> str:
        return f"{self.base_url}{PATH}?t={quote(self.token(recipient, topic))}"

    def read(self, token: str) -> tuple[str, str]:
        """The (recipient, topic) of a token; :class:`Refusal` of :data:`LINK_INVALID` otherwise."""
        try:
            payload_text, signature_text = token.split(".", 1)
            payload, signature = _unb64(payload_text), _unb64(signature_text)
        except ValueError:
            raise Refusal(LINK_INVALID) from None
        expected = hmac.new(self._key, payload, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            raise Refusal(LINK_INVALID)
        recipient, topic = json.loads(payload)
        return str(recipient), str(topic)


def unsubscribe(engine: Engine, recipient: str, topic: str, now: datetime) -> None:
    """Record that ``recipient`` wants no more mail of ``topic`` (once; the first time stands)."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    with engine.begin() as conn:
        conn.execute(
            insert(mail_preferences)
            .values(recipient=recipient, topic=topic, unsubscribed_at=now)
            .on_conflict_do_nothing(index_elements=["recipient", "topic"])
        )


def resubscribe(engine: Engine, recipient: str, topic: str) -> None:
    """Undo :func:`unsubscribe`: mail of ``topic`` goes to ``recipient`` again (from now on; what
    was settled as suppressed meanwhile stays so)."""
    with engine.begin() as conn:
        conn.execute(
            sa.delete(mail_preferences).where(
                mail_preferences.c.recipient == recipient, mail_preferences.c.topic == topic
            )
        )


def unsubscribed_topics(engine: Engine, recipient: str) -> dict[str, datetime]:
    """The topics ``recipient`` unsubscribed from, with when they did."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(mail_preferences.c.topic, mail_preferences.c.unsubscribed_at).where(
                mail_preferences.c.recipient == recipient
            )
        ).all()
    # SQLite hands the instant back without its zone; it was written in UTC.
    return {topic: when if when.tzinfo else when.replace(tzinfo=UTC) for topic, when in rows}


def unsubscribed_query(recipient: str, topic: str) -> sa.Select[tuple[str]]:
    """The preference row of ``recipient`` for ``topic``: there when they unsubscribed."""
    return sa.select(mail_preferences.c.recipient).where(
        mail_preferences.c.recipient == recipient, mail_preferences.c.topic == topic
    )


def is_unsubscribed(engine: Engine, recipient: str, topic: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(unsubscribed_query(recipient, topic)).first() is not None


_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""

router = APIRouter(tags=["mail"])

_TOKEN = Query(alias="t", min_length=3, max_length=2000, description="The signed token of the mail's link")


def _links(request: Request) -> UnsubscribeLinks:
    links: UnsubscribeLinks = request.app.state.runtime.mail_links
    return links


@router.get(
    PATH,
    response_class=HTMLResponse,
    summary="The page an unsubscribe link opens: one button that stops this kind of mail",
    responses={200: {"content": {"text/html": {}}}, **refusals(LINK_INVALID)},
)
def unsubscribe_page(request: Request, token: str = _TOKEN) -> HTMLResponse:
    _links(request).read(token)
    body = (
        "<p>このお知らせメールの配信を停止します。よろしければボタンを押してください。</p>"
        f'<form method="post" action="{PATH}?t={quote(token)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">配信を停止する</button></form>'
    )
    return HTMLResponse(_PAGE.format(title="メール配信の停止", body=body))


@router.post(
    PATH,
    response_class=HTMLResponse,
    summary="Stop this kind of mail to this recipient (the page's button, or a one-click POST, RFC 8058)",
    responses={200: {"content": {"text/html": {}}}, **refusals(LINK_INVALID)},
)
def unsubscribe_now(request: Request, token: str = _TOKEN) -> HTMLResponse:
    recipient, topic = _links(request).read(token)
    runtime = request.app.state.runtime
    unsubscribe(runtime.engine, recipient, topic, runtime.infra.clock())
    body = "<p>配信を停止しました。このお知らせは今後お送りしません。</p>"
    return HTMLResponse(_PAGE.format(title="配信を停止しました", body=body))
