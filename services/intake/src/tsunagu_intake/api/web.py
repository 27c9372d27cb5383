"""Web consultation for people: registration, login, consultations at any hour, reading replies."""

from __future__ import annotations

from fastapi import APIRouter, status
from tsunagu_servicekit.http import refusals

from ..domain.rules import (
    ALREADY_SIGNED_UP,
    ERASED,
    LOGIN_FAILED,
    LOGIN_LOCKED,
    RESET_FAILED,
    SIGNUP_SESSION_NOT_OPEN,
)
from ..handlers import signups, web
from ..handlers.commands import Login, Register, ResetPassword, SignUp, WebConsultation
from ..handlers.views import (
    LoginToken,
    OwnConsultation,
    OwnSignup,
    PasswordReset,
    Registered,
    SignupRequested,
    Submitted,
)
from .deps import Ctx, WebUserDep

router = APIRouter(prefix="/web", tags=["web consultation"])


@router.post("/registrations", status_code=status.HTTP_201_CREATED)
def register(command: Register, ctx: Ctx) -> Registered:
    """Register; the answer is the user number (利用者番号) used to log in and read replies, and
    the recovery code (復旧コード) that resets a forgotten password, shown only this once."""
    return web.register(ctx, command)


@router.post("/sessions", responses=refusals(LOGIN_FAILED, LOGIN_LOCKED))
def login(command: Login, ctx: Ctx) -> LoginToken:
    """Log in with user number and password. After too many failed logins in a row the user number
    is locked for a while (429, rule ``login_locked``, with `Retry-After`), said alike whether the
    number exists or not."""
    return web.login(ctx, command)


@router.post("/password-resets", responses=refusals(RESET_FAILED, LOGIN_LOCKED))
def reset_password(command: ResetPassword, ctx: Ctx) -> PasswordReset:
    """Set a new password with the user number and the recovery code. The code is spent; the answer
    holds the new one, shown only this once. Failures count towards the same lock as failed logins
    (429 ``login_locked`` with `Retry-After`)."""
    return web.reset_password(ctx, command)


@router.post("/consultations", status_code=status.HTTP_201_CREATED, responses=refusals(ERASED))
def submit(command: WebConsultation, ctx: Ctx, user: WebUserDep) -> Submitted:
    """Send a consultation (any hour). The reply is due in 3 business days; emergencies and requests
    for diagnosis get an immediate answer pointing to emergency services or medical care."""
    return web.submit(ctx, user, command)


@router.get("/consultations", responses=refusals(ERASED))
def own_consultations(ctx: Ctx, user: WebUserDep) -> list[OwnConsultation]:
    """Your consultations and the replies to them."""
    return web.own_consultations(ctx, user)


@router.post(
    "/signups",
    status_code=status.HTTP_201_CREATED,
    responses=refusals(SIGNUP_SESSION_NOT_OPEN, ALREADY_SIGNED_UP, ERASED),
)
def sign_up(command: SignUp, ctx: Ctx, user: WebUserDep) -> SignupRequested:
    """Sign up for a family seminar or an individual consultation day (as the pages do). Scheduling
    answers through the bus with a seat, the waitlist or a refusal: see ``GET /web/signups``."""
    return signups.sign_up(ctx, user, command.session_id)


@router.get("/signups")
def own_signups(ctx: Ctx, user: WebUserDep) -> list[OwnSignup]:
    """Your sign-ups and where each stands, latest first."""
    return signups.own_signups(ctx, user)
