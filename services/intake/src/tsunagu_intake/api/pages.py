"""The public pages of the web consultation, in Japanese and without script: register, log in,
write a consultation, read the replies, reset a forgotten password with the recovery code, and
see whether the phone line is open.

Each page calls the same use case as the JSON API (``/web/...``); only the way in and out
differs. The login is the same token, kept in an HttpOnly cookie. Headers, CSRF, rate limits and
error pages come from the kit (:mod:`tsunagu_servicekit.http.pages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from tsunagu_calendar import PHONE, TOKYO, describe_hours_ja, format_date_ja
from tsunagu_contracts.municipalities import tokyo_municipalities
from tsunagu_servicekit.errors import Refusal
from tsunagu_servicekit.http import AuthError
from tsunagu_servicekit.http.pages import FORM_RULES, PageRoute, Pages, page_refusals
from tsunagu_servicekit.mail import MailTopic, TopicPreference, choose, preferences_of

from ..adapters.mail import REPLY_WAITING, SEAT_CONFIRMED, person_recipient
from ..adapters.web_logins import WebUser
from ..domain import limits
from ..domain.codes import AgeBand, Consulter, Topic, Triage
from ..domain.labels import AGE_BAND_JA, CONSULTER_JA, DECLARED_JA, TOPIC_JA
from ..domain.rules import (
    ALREADY_SIGNED_UP,
    ERASED,
    LOGIN_FAILED,
    LOGIN_LOCKED,
    RESET_FAILED,
    SIGNUP_SESSION_NOT_OPEN,
)
from ..domain.signups import KIND_JA, REFUSAL_JA, STATUS_JA, SignupStatus
from ..handlers import reference, signups, web
from ..handlers.commands import Login, Register, ResetPassword, WebConsultation
from ..handlers.context import IntakeContext
from ..handlers.views import LoginToken
from .deps import UUID_PATTERN, Ctx

M = TypeVar("M", bound=BaseModel)
SessionIdPath = Annotated[str, Path(pattern=UUID_PATTERN, description="The session's id")]

SITE_NAME = "東京都ひきこもりサポート　メール相談"

PAGES = Pages(
    "tsunagu_intake.api",
    folder="templates",
    messages={
        ERASED.name: "このご利用は終了しています。ご相談は電話でお受けしています。",
        LOGIN_LOCKED.name: (
            "ログインに続けて失敗したため、しばらくの間ログインできません。時間をおいてお試しください。"
        ),
    },
    # A person types these by hand: a few tries a minute is plenty, and guessing is slowed further
    # by the per-number lock in the database.
    limits={"register": "5/minute", "login": "10/minute", "reset": "5/minute", "consult": "10/minute"},
    globals={"site_name": SITE_NAME},
)

_HTML: dict[str, Any] = {"content": {"text/html": {}}}
# A login or reset that fails shows its form again with 400, not 401: a 401 promises a
# WWW-Authenticate challenge, and a form is not one.


router = APIRouter(tags=["public pages"], route_class=PageRoute, default_response_class=Response)

_SESSION_COOKIE = "tsunagu_web"
_SECURE_SESSION_COOKIE = "__Host-tsunagu_web"


def _cookie_name() -> str:
    return _SECURE_SESSION_COOKIE if PAGES.secure else _SESSION_COOKIE


def _signed_in(request: Request, ctx: Ctx) -> WebUser | None:
    token = request.cookies.get(_cookie_name())
    if not token:
        return None
    try:
        return ctx.web_logins.verify(token)
    except AuthError:
        return None


SignedIn = Annotated[WebUser | None, Depends(_signed_in)]

_NAV_OUT = [
    ("/", "トップ"),
    ("/register", "利用登録"),
    ("/login", "ログイン"),
    ("/seminars", "セミナー・相談会"),
    ("/phone", "電話相談"),
]
_NAV_IN = [
    ("/", "トップ"),
    ("/consult", "相談を書く"),
    ("/my", "これまでの相談と返信"),
    ("/seminars", "セミナー・相談会"),
    ("/mail-settings", "お知らせメール"),
    ("/phone", "電話相談"),
]


def _page(
    request: Request,
    user: WebUser | None,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    return PAGES.render(
        request,
        template,
        {"nav": _NAV_IN if user else _NAV_OUT, "signed_in": user is not None, **(context or {})},
        status_code=status_code,
    )


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _errors(error: ValidationError, fields: Mapping[str, str]) -> dict[str, str]:
    """Which fields were wrong, in words: the field's own sentence, never the value typed."""
    wrong: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        wrong.setdefault(
            field if field in fields else "_form", fields.get(field, "入力内容を確認してください。")
        )
    return wrong


def _validated(model: type[M], data: dict[str, Any], fields: Mapping[str, str]) -> M | dict[str, str]:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        return _errors(error, fields)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(TOKYO)
    return f"{format_date_ja(local.date())} {local.hour}時{local.minute:02d}分"


# -- top and phone line ------------------------------------------------------------------------
def _phone(ctx: IntakeContext) -> dict[str, Any]:
    status = reference.phone_line_status(ctx)
    today = status.now.date()
    hours = ctx.calendar.opening_hours_on(PHONE, today)
    return {
        "open": status.open,
        "closes_at": _when(status.closes_at),
        "next_opening": _when(status.next_opening),
        "hours": describe_hours_ja(hours) if hours is not None else "",
        "holiday_name": status.holiday_name,
        "closure_day": status.closure_day,
        "as_of": _when(status.now),
    }


@router.get("/", responses={200: _HTML}, summary="The web consultation's top page")
def home(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    return _page(request, user, "home.html", {"phone": _phone(ctx)})


@router.get("/phone", responses={200: _HTML}, summary="Whether the phone line is open now, and its hours")
def phone(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    return _page(request, user, "phone.html", {"phone": _phone(ctx)})


# -- registration ------------------------------------------------------------------------------
_REGISTER_FIELDS = {
    "nickname": f"ニックネームは{limits.NICKNAME_MAX}文字以内で入力してください。",
    "email": "メールアドレスの形を確認してください。",
    "residence_code": "お住まいの区市町村を一覧から選んでください。",
    "age_band": "年代を一覧から選んでください。",
    "password": f"パスワードは{limits.PASSWORD_MIN}〜{limits.PASSWORD_MAX}文字で入力してください。",
    "password_confirm": "確認用のパスワードが一致しません。",
    "agree": "個人情報の取扱いに同意いただく必要があります。",
}


def _register_choices() -> dict[str, Any]:
    return {
        "municipalities": [(m.code, m.name_ja) for m in tokyo_municipalities()],
        "age_bands": [(a.value, AGE_BAND_JA[a]) for a in AgeBand],
    }


@router.get("/register", responses={200: _HTML}, summary="The registration form")
def register_form(request: Request, user: SignedIn) -> Response:
    return _page(request, user, "register.html", {**_register_choices(), "errors": {}, "values": {}})


@router.post(
    "/register",
    responses={200: _HTML, 422: _HTML, **page_refusals(*FORM_RULES)},
    summary="Register; the page shows the user number and the recovery code once",
)
async def register(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    form = await PAGES.form(request, "register")
    values = {k: _text(form, k) for k in ("nickname", "email", "residence_code", "age_band")}
    data = {k: v for k, v in values.items() if v is not None}
    password, confirm = form.get("password"), form.get("password_confirm")
    data["password"] = password if isinstance(password, str) else ""
    command = _validated(Register, data, _REGISTER_FIELDS)
    errors = command if isinstance(command, dict) else {}
    if password != confirm:
        errors["password_confirm"] = _REGISTER_FIELDS["password_confirm"]
    if form.get("agree") != "yes":
        errors["agree"] = _REGISTER_FIELDS["agree"]
    if errors or isinstance(command, dict):
        # Choices come back as chosen; nothing typed does (an error page echoes no input).
        chosen = {k: values[k] for k in ("residence_code", "age_band")}
        return _page(
            request,
            user,
            "register.html",
            {**_register_choices(), "errors": errors, "values": chosen},
            status_code=422,
        )
    # The number and the code are on this page only: the person goes on from here signed in.
    registered, token = web.register_signed_in(ctx, command)
    response = _page(request, None, "registered.html", {"registered": registered})
    _keep_login(response, token)
    return response


def _sign_in(ctx: IntakeContext, response: Response, user_number: str, password: str) -> None:
    """Log in (:func:`web.login`, with its lock) and keep the token in the login cookie; a number
    that cannot be one is refused as a failed login, without a word on why."""
    try:
        command = Login(user_number=user_number, password=password)
    except ValidationError:
        raise Refusal(LOGIN_FAILED) from None
    _keep_login(response, web.login(ctx, command))


def _keep_login(response: Response, token: LoginToken) -> None:
    response.set_cookie(
        _cookie_name(),
        token.access_token,
        max_age=token.expires_in,
        httponly=True,
        secure=PAGES.secure,
        samesite="lax",  # a link in a mail ("a reply is waiting") arrives signed in
        path="/",
    )


# -- login, logout -------------------------------------------------------------------------------
@router.get("/login", responses={200: _HTML}, summary="The login form")
def login_form(request: Request, user: SignedIn) -> Response:
    return _page(request, user, "login.html", {"failed": False})


@router.post(
    "/login",
    responses={
        303: {"description": "Logged in: to the list of consultations"},
        400: _HTML,
        **page_refusals(LOGIN_LOCKED, *FORM_RULES),
    },
    summary="Log in with the user number and password",
)
async def login(request: Request, ctx: Ctx) -> Response:
    form = await PAGES.form(request, "login")
    number, password = form.get("user_number"), form.get("password")
    if not isinstance(number, str) or not isinstance(password, str) or not number.strip() or not password:
        return _page(request, None, "login.html", {"failed": True}, status_code=400)
    response = PAGES.redirect("/my")
    try:
        _sign_in(ctx, response, number.strip()[:20], password[:200])
    except Refusal as refusal:
        if refusal.rule is not LOGIN_FAILED:
            raise
        return _page(request, None, "login.html", {"failed": True}, status_code=400)
    return response


@router.post(
    "/logout", responses={303: {"description": "Logged out: to the top page"}, **page_refusals(*FORM_RULES)}
)
async def logout(request: Request) -> Response:
    await PAGES.form(request, "logout")
    response = PAGES.redirect("/")
    response.delete_cookie(_cookie_name(), path="/", secure=PAGES.secure, httponly=True, samesite="lax")
    return response


# -- password reset --------------------------------------------------------------------------------
_RESET_FIELDS = {
    "user_number": "利用者番号は10桁の数字です。",
    "recovery_code": "復旧コードを入力してください。",
    "new_password": f"新しいパスワードは{limits.PASSWORD_MIN}〜{limits.PASSWORD_MAX}文字で入力してください。",
    "password_confirm": "確認用のパスワードが一致しません。",
}


@router.get("/reset", responses={200: _HTML}, summary="The password reset form (with the recovery code)")
def reset_form(request: Request, user: SignedIn) -> Response:
    return _page(request, user, "reset.html", {"errors": {}, "failed": False})


@router.post(
    "/reset",
    responses={200: _HTML, 400: _HTML, 422: _HTML, **page_refusals(LOGIN_LOCKED, *FORM_RULES)},
    summary="Set a new password with the recovery code; the page shows the new code once",
)
async def reset(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    form = await PAGES.form(request, "reset")
    new_password, confirm = form.get("new_password"), form.get("password_confirm")
    data = {
        "user_number": _text(form, "user_number") or "",
        "recovery_code": _text(form, "recovery_code") or "",
        "new_password": new_password if isinstance(new_password, str) else "",
    }
    command = _validated(ResetPassword, data, _RESET_FIELDS)
    errors = command if isinstance(command, dict) else {}
    if new_password != confirm:
        errors["password_confirm"] = _RESET_FIELDS["password_confirm"]
    if errors or isinstance(command, dict):
        return _page(request, user, "reset.html", {"errors": errors, "failed": False}, status_code=422)
    try:
        done = web.reset_password(ctx, command)
    except Refusal as refusal:
        if refusal.rule is not RESET_FAILED:
            raise
        return _page(request, user, "reset.html", {"errors": {}, "failed": True}, status_code=400)
    return _page(request, user, "reset_done.html", {"reset": done})


# -- consultations ------------------------------------------------------------------------------------
_CONSULT_FIELDS = {
    "body": f"ご相談の内容を入力してください（{limits.WEB_BODY_MAX:,}文字まで）。",
    "consulter": "どなたのご相談かを選んでください。",
    "topics": "相談したいことを一覧から選んでください。",
    "declared": "当てはまるものを一つ選んでください。",
}


def _consult_choices() -> dict[str, Any]:
    return {
        "consulters": [(c.value, CONSULTER_JA[c]) for c in Consulter],
        "topics": [(t.value, TOPIC_JA[t]) for t in Topic],
        "declared_choices": [(t.value, DECLARED_JA[t]) for t in Triage],
    }


@router.get(
    "/consult",
    responses={200: _HTML, 303: {"description": "Not logged in: to the login page"}},
    summary="The consultation form",
)
def consult_form(request: Request, user: SignedIn) -> Response:
    if user is None:
        return PAGES.redirect("/login")
    values = {"consulter": Consulter.PERSON.value, "declared": Triage.NONE.value, "topics": [], "body": ""}
    return _page(request, user, "consult.html", {**_consult_choices(), "errors": {}, "values": values})


@router.post(
    "/consult",
    responses={
        200: _HTML,
        303: {"description": "Not logged in: to the login page"},
        422: _HTML,
        **page_refusals(ERASED, *FORM_RULES),
    },
    summary="Send a consultation (any hour); the page says when the reply is due",
)
async def consult(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    form = await PAGES.form(request, "consult")
    if user is None:
        return PAGES.redirect("/login")
    body = form.get("body")
    values: dict[str, Any] = {
        "body": body if isinstance(body, str) else "",
        "consulter": _text(form, "consulter") or "",
        "declared": _text(form, "declared") or Triage.NONE.value,
        "topics": [t for t in form.getlist("topics") if isinstance(t, str)],
    }
    command = _validated(
        WebConsultation,
        {**values, "body": values["body"].strip()},
        _CONSULT_FIELDS,
    )
    if isinstance(command, dict):
        return _page(
            request,
            user,
            "consult.html",
            # The body is refused only when empty or over the form's own maxlength: nothing typed
            # is lost by not sending it back, and an error page echoes no input.
            {**_consult_choices(), "errors": command, "values": {**values, "body": ""}},
            status_code=422,
        )
    submitted = web.submit(ctx, user, command)
    return _page(
        request,
        user,
        "submitted.html",
        {
            "submitted": submitted,
            "received": _when(submitted.received_at),
            "due": _when(submitted.reply_due_at),
        },
    )


@router.get(
    "/my",
    responses={200: _HTML, 303: {"description": "Not logged in: to the login page"}, **page_refusals(ERASED)},
    summary="The person's consultations and the replies to them",
)
def my_consultations(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    if user is None:
        return PAGES.redirect("/login")
    own = web.own_consultations(ctx, user)
    items = [
        {
            "received": _when(c.received_at),
            "due": _when(c.reply_due_at),
            "body": c.body,
            "replies": [{"at": _when(r.replied_at), "body": r.body} for r in c.replies],
        }
        for c in sorted(own, key=lambda c: c.received_at, reverse=True)
    ]
    return _page(request, user, "my.html", {"items": items, "signups": _own_signups(ctx, user)})


# -- mail preferences ------------------------------------------------------------------------------------
_WEB_USER_TOPICS = [
    MailTopic(REPLY_WAITING, "返信が届いたときのお知らせ"),
    MailTopic(SEAT_CONFIRMED, "キャンセル待ちから参加が決まったときのお知らせ"),
]
"""The mail a person may receive (each says nothing of the consultation), as they choose it."""


def _mail_choices(request: Request, user: WebUser) -> list[TopicPreference]:
    return preferences_of(
        request.app.state.runtime.engine, person_recipient(user.person_id), _WEB_USER_TOPICS
    )


@router.get(
    "/mail-settings",
    responses={200: _HTML, 303: {"description": "Not logged in: to the login page"}},
    summary="Which notification mails the person receives",
)
def mail_settings(request: Request, user: SignedIn) -> Response:
    if user is None:
        return PAGES.redirect("/login")
    return _page(
        request, user, "mail_settings.html", {"choices": _mail_choices(request, user), "saved": False}
    )


@router.post(
    "/mail-settings",
    responses={
        200: _HTML,
        303: {"description": "Not logged in: to the login page"},
        **page_refusals(*FORM_RULES),
    },
    summary="Turn notification mails on or off (the same choice as a mail's unsubscribe link)",
)
async def save_mail_settings(request: Request, user: SignedIn) -> Response:
    form = await PAGES.form(request, "mail-settings")
    if user is None:
        return PAGES.redirect("/login")
    runtime = request.app.state.runtime
    whose = person_recipient(user.person_id)
    wanted = {t for t in form.getlist("topics") if isinstance(t, str)}
    for topic in _WEB_USER_TOPICS:
        choose(runtime.engine, whose, topic.name, subscribed=topic.name in wanted, now=runtime.infra.clock())
    return _page(
        request, user, "mail_settings.html", {"choices": _mail_choices(request, user), "saved": True}
    )


# -- seminars and consultation days ------------------------------------------------------------------------
def _span(starts_at: datetime, ends_at: datetime) -> str:
    end = ends_at.astimezone(TOKYO)
    return f"{_when(starts_at)}〜{end.hour}時{end.minute:02d}分"


def _own_signups(ctx: IntakeContext, user: WebUser) -> list[dict[str, Any]]:
    return [
        {
            "what": KIND_JA.get(s.kind or "", "セッション"),
            "when": _when(s.starts_at) if s.starts_at else "",
            "status": STATUS_JA[s.status],
            "seat_no": s.seat_no,
            "position": s.position if s.status == SignupStatus.WAITLISTED else None,
            "reason": REFUSAL_JA.get(s.reason or ""),
        }
        for s in signups.own_signups(ctx, user)
    ]


@router.get(
    "/seminars", responses={200: _HTML}, summary="Family seminars and consultation days open for sign-up"
)
def seminars(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    sessions = [
        {
            "id": s.session_id,
            "what": KIND_JA[s.kind],
            "when": _span(s.starts_at, s.ends_at),
            "seats_left": s.seats_left,
            "waitlist": s.waitlist,
        }
        for s in signups.open_sessions(ctx)
    ]
    return _page(request, user, "seminars.html", {"sessions": sessions})


@router.post(
    "/seminars/{session_id}",
    responses={
        303: {"description": "Signed up, or not logged in: to the person's page, or to the login page"},
        **page_refusals(SIGNUP_SESSION_NOT_OPEN, ALREADY_SIGNED_UP, ERASED, *FORM_RULES),
    },
    summary="Sign up for a session: scheduling answers with a seat, the waitlist or a refusal",
)
async def sign_up(request: Request, ctx: Ctx, user: SignedIn, session_id: SessionIdPath) -> Response:
    await PAGES.form(request, "signup")
    if user is None:
        return PAGES.redirect("/login")
    signups.sign_up(ctx, user, session_id)
    return PAGES.redirect("/my#signups")
