"""Web consultation for people: registration, login, consultations at any hour, reading replies."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from ..domain.codes import Triage
from ..handlers import web
from ..handlers.commands import Login, Register, WebConsultation
from ..handlers.errors import LoginLocked
from ..handlers.web import OwnConsultation
from .deps import Ctx, WebUserDep

router = APIRouter(prefix="/web", tags=["web consultation"])


class Registered(BaseModel):
    user_number: str


class Session(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ImmediateAnswerOut(BaseModel):
    code: str
    message: str


class Submitted(BaseModel):
    consultation_id: str
    received_at: datetime
    reply_due_at: datetime | None
    triage: Triage
    immediate_answer: ImmediateAnswerOut | None = None


@router.post("/registrations", status_code=status.HTTP_201_CREATED)
def register(command: Register, ctx: Ctx) -> Registered:
    """Register; the answer is the user number (利用者番号) used to log in and read replies."""
    return Registered(user_number=web.register(ctx, command))


@router.post(
    "/sessions",
    responses={
        401: {"description": "The user number or password is not correct"},
        429: {"description": "Too many failed logins in a row: wait the seconds in `Retry-After`"},
    },
)
def login(command: Login, ctx: Ctx) -> Session:
    """Log in with user number and password. After too many failed logins in a row the user number
    is locked for a while (429 with `Retry-After`), said alike whether the number exists or not."""
    try:
        token = web.login(ctx, command)
    except LoginLocked as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=exc.message,
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    return Session(access_token=token, expires_in=ctx.web_sessions.ttl_seconds)


@router.post("/consultations", status_code=status.HTTP_201_CREATED)
def submit(command: WebConsultation, ctx: Ctx, user: WebUserDep) -> Submitted:
    """Send a consultation (any hour). The reply is due in 3 business days; emergencies and requests
    for diagnosis get an immediate answer pointing to emergency services or medical care."""
    result = web.submit(ctx, user, command)
    answer = result.immediate
    return Submitted(
        consultation_id=result.recorded.consultation_id,
        received_at=result.recorded.received_at,
        reply_due_at=result.recorded.reply_due_at,
        triage=result.recorded.triage,
        immediate_answer=ImmediateAnswerOut(code=answer.code, message=answer.message) if answer else None,
    )


@router.get("/consultations")
def own_consultations(ctx: Ctx, user: WebUserDep) -> list[OwnConsultation]:
    """Your consultations and the replies to them."""
    return web.own_consultations(ctx, user)
