"""Server-rendered pages for the public: one way for every service that has them.

A service's pages are a router whose routes are :class:`PageRoute` (``APIRouter(route_class=PageRoute)``)
and whose templates extend the kit's ``base.html``. :class:`Pages` renders them and gives each
page what the public web needs, so that no page has to remember it:

- **Security headers** on every page: a strict Content-Security-Policy (no script at all, styles
  from the service's own ``/assets/pages.css`` only, forms posting to the same origin, no
  framing), ``nosniff``, no referrer, ``no-store`` (pages show personal data), and HSTS where the
  site is served over HTTPS.
- **CSRF protection**, as OWASP's signed double-submit cookie: a random value in an HttpOnly,
  ``SameSite=Strict`` cookie and, in each form, an HMAC of it under the service's page secret. A
  POST whose field does not match, or that a browser marks as cross-site (``Sec-Fetch-Site``), is
  refused (403, rule ``csrf_failed``). No server-side state, so any replica checks any form.
- **Rate limits** per client address and form, in memory (the ``limits`` library, moving window).
  Each replica counts on its own, so N replicas admit up to N times the limit; logins are also
  locked per user number in the database, which holds across replicas. The address is used as a
  key in memory only: never logged, stored or exported.
- **Error pages** that echo no input: a refusal raised anywhere under a page route (the kit's, or
  a use case's) is answered by ``error.html`` with the status, a fixed Japanese sentence per rule
  and the rule's name, never the request's values.

The pages need no JavaScript; every action is a link or a form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Coroutine, Mapping
from importlib import resources
from typing import Any

import jinja2
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import FormData

from tsunagu_servicekit.errors import Refusal, Rule, ServiceError
from tsunagu_servicekit.http.openapi import PAGE_MEDIA_TYPE, refusals

__all__ = [
    "CSRF_FAILED",
    "CSRF_FIELD",
    "FORM_RULES",
    "FORM_TOO_LARGE",
    "PAGE_HEADERS",
    "RATE_LIMITED",
    "PageRoute",
    "Pages",
    "assets_router",
    "page_refusals",
    "pages_of",
]

CSRF_FIELD = "csrf_token"
CSRF_FAILED = Rule(
    "csrf_failed", 403, "The form was not accepted because it did not come from this site's own page."
)
RATE_LIMITED = Rule(
    "rate_limited", 429, "Too many requests from this address: wait a while before sending again."
)
FORM_TOO_LARGE = Rule("form_too_large", 413, "The form sent is larger than this page accepts.")

_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PAGE_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": _CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cache-Control": "no-store",
}
"""Headers of every page. ``no-store`` because pages show a person's own consultations and codes:
a shared computer's back button or cache must not show them to the next user."""

_HSTS = "max-age=31536000; includeSubDomains"
_COOKIE = "tsunagu_csrf"
_SECURE_COOKIE = "__Host-tsunagu_csrf"  # the prefix binds it to this host, path / and HTTPS
_MAX_FORM_BYTES = 64 * 1024
_CROSS_SITE = {"cross-site", "same-site"}

# What people read when a page refuses: fixed sentences, by rule; a rule a service adds gives its
# own sentence through ``messages``.
_STATUS_MESSAGES: Mapping[int, str] = {
    400: "送信された内容を受け付けられませんでした。入力内容をご確認ください。",
    401: "ログインが必要です。ログインしてからもう一度お試しください。",
    403: "このページを表示する権限がありません。",
    404: "お探しのページは見つかりませんでした。",
    409: "すでに手続きが済んでいるか、現在は受け付けられない状態です。",
    410: "このご利用は終了しています。",
    413: "送信された内容が大きすぎます。",
    422: "入力内容に誤りがあります。",
    429: "短い時間にたくさんの送信がありました。しばらく待ってからもう一度お試しください。",
}
_KIT_MESSAGES: Mapping[str, str] = {
    CSRF_FAILED.name: (
        "フォームの有効期限が切れたか、このサイト以外から送信されました。"
        "ページを開き直して、もう一度送信してください。"
    ),
    RATE_LIMITED.name: _STATUS_MESSAGES[429],
    FORM_TOO_LARGE.name: _STATUS_MESSAGES[413],
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Pages:
    """The pages of one service: templates from ``<package>/<folder>`` (then the kit's), the page
    secret that signs CSRF tokens, and the rate limits of its forms.

    ``limits`` maps a form's name to a limit in the ``limits`` notation (``"10/minute"``,
    ``"5 per hour"``); a form without one uses ``default_limit``.
    """

    def __init__(
        self,
        package: str,
        *,
        folder: str = "templates",
        messages: Mapping[str, str] | None = None,
        limits: Mapping[str, str] | None = None,
        default_limit: str = "30/minute",
        globals: Mapping[str, Any] | None = None,
    ) -> None:
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(
                [
                    jinja2.PackageLoader(package, folder),
                    jinja2.PackageLoader("tsunagu_servicekit.http", "page_templates"),
                ]
            ),
            autoescape=True,  # every value comes from a person or a record
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals.update(globals or {})
        self.messages = {**_KIT_MESSAGES, **(messages or {})}
        self._limits: dict[str, RateLimitItem] = {
            name: parse(value) for name, value in (limits or {}).items()
        }
        self._default_limit = parse(default_limit)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._key: bytes | None = None
        self.secure = False

    def configure(self, secret: str, *, secure: bool) -> None:
        """Set the page secret and whether the site is served over HTTPS (secure cookies, HSTS);
        done by the runtime at start, from the service's settings."""
        self._key = hashlib.sha256(b"tsunagu page csrf\x00" + secret.encode()).digest()
        self.secure = secure
        self.reset_limits()

    def reset_limits(self) -> None:
        """Forget every count (tests)."""
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    # -- rendering ---------------------------------------------------------------------------
    def render(
        self,
        request: Request,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        """The page ``template`` with ``context``, a CSRF token for its forms, and the headers."""
        cookie = request.cookies.get(self._cookie_name)
        fresh = cookie is None or not _well_formed(cookie)
        value = secrets.token_urlsafe(32) if cookie is None or fresh else cookie
        html = self.env.get_template(template).render(
            {**(context or {}), "csrf_field": CSRF_FIELD, "csrf_token": self._sign(value)}
        )
        response = HTMLResponse(html, status_code=status_code)
        self.secure_headers(response)
        response.headers.update(headers or {})
        if fresh:
            response.set_cookie(
                self._cookie_name, value, httponly=True, secure=self.secure, samesite="strict", path="/"
            )
        return response

    def error(self, request: Request, error: ServiceError) -> HTMLResponse:
        """The error page of a refusal: its status, a fixed sentence, the rule's name; no input."""
        message = self.messages.get(error.code) or _STATUS_MESSAGES.get(
            error.status_code, _STATUS_MESSAGES[400]
        )
        headers = dict(error.headers) if isinstance(error, Refusal) else {}
        return self.render(
            request,
            "error.html",
            {"status": error.status_code, "message": message, "rule": error.code},
            status_code=error.status_code,
            headers=headers,
        )

    def redirect(self, url: str, *, status_code: int = 303) -> Response:
        """See-other to a page of this site (after a form was accepted: POST, redirect, GET)."""
        if not url.startswith("/") or url.startswith("//"):
            raise ValueError("pages redirect within the site only")
        response = Response(status_code=status_code, headers={"Location": url})
        self.secure_headers(response)
        return response

    def secure_headers(self, response: Response) -> None:
        response.headers.update(PAGE_HEADERS)
        if self.secure:
            response.headers["Strict-Transport-Security"] = _HSTS

    # -- forms ---------------------------------------------------------------------------------
    async def form(self, request: Request, name: str) -> FormData:
        """The form a page posted, once it passed the rate limit of ``name`` and the CSRF check;
        :class:`Refusal` of :data:`RATE_LIMITED` (with ``Retry-After``), :data:`FORM_TOO_LARGE`
        or :data:`CSRF_FAILED` otherwise."""
        self.check_rate(request, name)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > _MAX_FORM_BYTES):
            raise Refusal(FORM_TOO_LARGE)
        if request.headers.get("sec-fetch-site", "same-origin") in _CROSS_SITE:
            raise Refusal(CSRF_FAILED)
        form = await request.form(max_files=0, max_fields=100, max_part_size=_MAX_FORM_BYTES)
        cookie = request.cookies.get(self._cookie_name)
        sent = form.get(CSRF_FIELD)
        if cookie is None or not isinstance(sent, str) or not hmac.compare_digest(sent, self._sign(cookie)):
            raise Refusal(CSRF_FAILED)
        return form

    def check_rate(self, request: Request, name: str) -> None:
        """Count one request of ``name`` from the client's address; refuse past the limit."""
        item = self._limits.get(name, self._default_limit)
        client = request.client.host if request.client else "unknown"
        # Hashed, so not even a memory dump of a replica lists who used the site.
        key = hashlib.sha256(f"{name}\x00{client}".encode()).hexdigest()
        if not self._limiter.hit(item, "pages", key):
            reset, _ = self._limiter.get_window_stats(item, "pages", key)
            wait = max(1, int(reset - time.time()) + 1)
            raise Refusal(RATE_LIMITED, headers={"Retry-After": str(wait)})

    # -- internals -------------------------------------------------------------------------------
    @property
    def _cookie_name(self) -> str:
        return _SECURE_COOKIE if self.secure else _COOKIE

    def _sign(self, value: str) -> str:
        if self._key is None:
            raise RuntimeError("Pages.configure() was not called: the runtime configures the page secret")
        return _b64(hmac.new(self._key, value.encode(), hashlib.sha256).digest())


def _well_formed(cookie: str) -> bool:
    return 20 <= len(cookie) <= 100 and all(c.isalnum() or c in "-_" for c in cookie)


def stylesheet() -> str:
    """The pages' stylesheet (``/assets/pages.css``), the same for every service."""
    return resources.files("tsunagu_servicekit.http").joinpath("page_templates/pages.css").read_text("utf-8")


def page_refusals(*rules: Rule) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a page that may refuse with ``rules`` (and always may with
    :data:`CSRF_FAILED`, :data:`RATE_LIMITED` and :data:`FORM_TOO_LARGE` if it takes a form):
    documented as the error page, ``text/html``, and named by rule like every refusal."""
    responses = refusals(*rules)
    for response in responses.values():
        response["description"] = ""  # the kit writes the description from the rules
        response["content"] = {PAGE_MEDIA_TYPE: {}}
    return responses


FORM_RULES = (CSRF_FAILED, RATE_LIMITED, FORM_TOO_LARGE)
"""What any form of a page may be refused for."""


def pages_of(request: Request) -> Pages:
    """The service's :class:`Pages` (``<package>.api.PAGES``, configured by the runtime)."""
    pages: Pages | None = request.app.state.runtime.pages
    if pages is None:
        raise RuntimeError("this service has no pages (<package>.api.PAGES)")
    return pages


class PageRoute(APIRoute):
    """A route of a page: a refusal raised under it (a kit check, authentication, a use case) is
    answered with the service's error page instead of problem details."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ServiceError as error:
                return pages_of(request).error(request, error)

        return page_handler


_STYLE_PATH = "/assets/pages.css"


async def _stylesheet(request: Request) -> Response:
    response = Response(stylesheet(), media_type="text/css; charset=utf-8")
    pages_of(request).secure_headers(response)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def assets_router() -> APIRouter:
    """The pages' stylesheet, mounted by the runtime beside a service's pages."""
    router = APIRouter(tags=["pages"])
    router.add_api_route(
        _STYLE_PATH,
        _stylesheet,
        methods=["GET"],
        response_class=Response,
        summary="The stylesheet of the public pages",
        responses={200: {"content": {"text/css": {}}}},
    )
    return router
