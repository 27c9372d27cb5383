"""Signing up on the public pages for the programme's sessions: which sessions the public may
sign up for, what a sign-up's state is as scheduling answers it, and the words people read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tsunagu_contracts.events.scheduling import SessionKind, SignupRefusal
from tsunagu_servicekit.errors import Rule

from .rules import ALREADY_SIGNED_UP, SIGNUP_SESSION_NOT_OPEN

PUBLIC_KINDS = frozenset({SessionKind.FAMILY_SEMINAR, SessionKind.INDIVIDUAL_CONSULTATION})
"""The sessions the public signs up for: family seminars and individual consultation days. The
others (peer sessions, briefings, lectures) are arranged by staff."""


class SignupStatus(StrEnum):
    REQUESTED = "requested"
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    REFUSED = "refused"
    CANCELLED = "cancelled"


ACTIVE = frozenset({SignupStatus.REQUESTED, SignupStatus.REGISTERED, SignupStatus.WAITLISTED})
"""A sign-up that holds, or waits for, a place: one per person and session."""


_RANK = {
    SignupStatus.REQUESTED: 0,
    SignupStatus.WAITLISTED: 1,
    SignupStatus.REGISTERED: 2,
    SignupStatus.CANCELLED: 3,
    SignupStatus.REFUSED: 3,
}


def advances(current: str, incoming: SignupStatus) -> bool:
    """Whether scheduling's answer moves the sign-up on. Each kind of answer arrives through a
    consumer of its own, so a promotion may come before the waitlisting it ends, or a
    cancellation before the seat: a state only moves forward (requested, waitlisted, registered,
    then cancelled or refused), and a later state is never undone by an earlier one arriving late."""
    return _RANK[incoming] > _RANK[SignupStatus(current)]


@dataclass(frozen=True, slots=True)
class SessionFacts:
    kind: str
    starts_at: datetime


def signup_problem(session: SessionFacts | None, *, already: bool, now: datetime) -> Rule | None:
    """Why a person may not sign up for ``session`` now, or None: it is unknown, not for the
    public, or started (said alike); or they hold an active sign-up for it already."""
    if session is None or session.kind not in PUBLIC_KINDS or session.starts_at <= now:
        return SIGNUP_SESSION_NOT_OPEN
    if already:
        return ALREADY_SIGNED_UP
    return None


def seats_left(capacity: int, taken: int) -> int:
    return max(0, capacity - taken)


KIND_JA: dict[str, str] = {
    SessionKind.FAMILY_SEMINAR.value: "家族セミナー",
    SessionKind.INDIVIDUAL_CONSULTATION.value: "個別相談会",
}

STATUS_JA: dict[str, str] = {
    SignupStatus.REQUESTED.value: "受付中（結果をお待ちください）",
    SignupStatus.REGISTERED.value: "参加が決まりました",
    SignupStatus.WAITLISTED.value: "キャンセル待ち",
    SignupStatus.REFUSED.value: "お申し込みを受けられませんでした",
    SignupStatus.CANCELLED.value: "取り消されました",
}

REFUSAL_JA: dict[str, str] = {
    SignupRefusal.SESSION_NOT_FOUND.value: "この回は見つかりませんでした。",
    SignupRefusal.SESSION_CLOSED.value: "この回の受付は終了しました。",
    SignupRefusal.SESSION_FULL.value: "定員に達しました。",
    SignupRefusal.ALREADY_REGISTERED.value: "すでにお申し込み済みです。",
    SignupRefusal.PERSON_ERASED.value: "このご利用は終了しています。",
}
