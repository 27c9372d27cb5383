"""Certificates as plain rules: their verification codes, the holder's initials a public page may
show, what a certificate's status is on a day, and when its recertification notice is due.

A verification code is 10 characters of Crockford's base 32 (50 bits from a CSPRNG), shown grouped
``ABCD-EFGH-JK``; what people type back is read the way Crockford's alphabet intends (any case,
hyphens and spaces ignored, ``I``/``L`` read as ``1`` and ``O`` as ``0``).

The notice ahead of an expiry counts business days of the programme calendar (weekends, national
holidays and the year-end closure do not count) and is raised on business days only.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from tsunagu_calendar import format_date_ja

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: digits and letters without I, L, O and U."""
CODE_LENGTH = 10
GROUPS = (4, 4, 2)
_READ_AS = {"I": "1", "L": "1", "O": "0"}
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CertificatePolicy:
    """How certificates are issued and announced: the public verification page's base URL (what
    the QR code leads to), the notice ahead of expiry in business days, and the issuer printed."""

    verify_base_url: str = "http://127.0.0.1:8005"
    notice_business_days: int = 20
    issuer: str = "東京都ひきこもり支援研修 事務局"

    def __post_init__(self) -> None:
        if not 0 <= self.notice_business_days <= 250:
            raise ValueError("the notice ahead of expiry is between 0 and 250 business days")

    def verify_url(self, code: str) -> str:
        """The public verification page of a certificate, by its grouped code."""
        return f"{self.verify_base_url.rstrip('/')}/public/certificates/{grouped(code)}"


class CertificateStatus(StrEnum):
    """What a verification says: valid, expired (past its last valid day) or revoked."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


STATUS_JA = {
    CertificateStatus.VALID: "有効",
    CertificateStatus.EXPIRED: "有効期限切れ",
    CertificateStatus.REVOKED: "取り消し済み",
}


def new_code(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh verification code: 10 characters of Crockford base 32 from the operating system's
    CSPRNG (``randbelow`` is replaceable for tests only)."""
    return "".join(CROCKFORD[randbelow(len(CROCKFORD))] for _ in range(CODE_LENGTH))


def grouped(code: str) -> str:
    """``ABCDEFGHJK`` as people read it: ``ABCD-EFGH-JK``."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(parts)


def read_code(typed: str) -> str | None:
    """The code someone typed or scanned, as stored; None when it cannot be a code."""
    if len(typed) > 32:
        return None
    cleaned = unicodedata.normalize("NFKC", typed).upper().replace("-", "").replace(" ", "")
    code = "".join(_READ_AS.get(c, c) for c in cleaned)
    if len(code) != CODE_LENGTH or any(c not in CROCKFORD for c in code):
        return None
    return code


_SEPARATORS = str.maketrans(dict.fromkeys("・･,，.．_-", " "))


def initials(name: str) -> str:
    """The holder's initials, all a public page says of them: the first letter of the first and of
    the last part of the name, never more. Japanese names (family name first) give
    ``研・花``; Latin ones ``T.Y.``; a name written as one word gives one initial."""
    parts = [p for p in unicodedata.normalize("NFKC", name).translate(_SEPARATORS).split() if p]
    letters = [next((c for c in part if c.isalpha()), "") for part in parts]
    letters = [c for c in letters if c]
    if not letters:
        return ""
    chosen = [letters[0]] if len(letters) == 1 else [letters[0], letters[-1]]
    if all(unicodedata.name(c, "").startswith("LATIN") for c in chosen):
        # Upper case where it is one letter (``ß`` would become two).
        return "".join(f"{c.upper() if len(c.upper()) == 1 else c}." for c in chosen)
    return "・".join(chosen)


def status_on(revoked: bool, valid_until: date | None, today: date) -> CertificateStatus:
    """A certificate's status on ``today`` (a Tokyo date): revocation first, then the last day."""
    if revoked:
        return CertificateStatus.REVOKED
    if valid_until is not None and today > valid_until:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


def expires_on(valid_until: date) -> date:
    """The day a certificate expires: the day after its last valid day."""
    return valid_until + _ONE_DAY


class BusinessDays(Protocol):
    """What the notice needs of the programme calendar (:class:`tsunagu_calendar.ServiceCalendar`)."""

    def is_business_day(self, day: date) -> bool: ...

    def next_business_day(self, day: date) -> date: ...


def notice_window_end(today: date, notice_days: int, calendar: BusinessDays) -> date:
    """The first last-valid-day whose notice is not yet due on ``today``: the notice is due for a
    certificate valid until ``v`` when at most ``notice_days`` business days fall after today up
    to and including ``v``, that is when ``v`` is before the (n+1)-th business day after today."""
    day = today
    for _ in range(notice_days + 1):
        day = calendar.next_business_day(day)
    return day


def notice_due(today: date, valid_until: date, notice_days: int, calendar: BusinessDays) -> bool:
    """Whether the notice of a certificate valid until ``valid_until`` is raised on ``today``: a
    business day, the certificate not yet expired, within ``notice_days`` business days of it."""
    return (
        calendar.is_business_day(today)
        and today <= valid_until
        and valid_until < notice_window_end(today, notice_days, calendar)
    )


def notice_on(valid_until: date, notice_days: int, calendar: BusinessDays) -> date:
    """The first day the notice is due: the ``notice_days``-th business day before ``valid_until``
    (``valid_until`` itself counts when it is a business day)."""
    remaining = 0  # business days after ``day`` up to and including ``valid_until``
    day, first = valid_until, valid_until
    while remaining <= notice_days:
        if calendar.is_business_day(day):
            first = day
            remaining += 1
        day -= _ONE_DAY
    return first


def printed(
    *,
    holder: str,
    title: str,
    programme: bool,
    completed_on: date,
    valid_until: date | None,
    issued_on: date,
    code: str,
    issuer: str,
) -> dict[str, object]:
    """What a certificate prints, dates in era form (令和7年5月1日); the template lays it out."""
    return {
        "title": "修了証",
        "holder": holder,
        "statement": (
            "あなたは下記の研修課程のすべての科目を修了したことを証します。"
            if programme
            else "あなたは下記の研修を修了したことを証します。"
        ),
        "kind_label": "研修課程" if programme else "研修名",
        "course_title": title,
        "completed_on": format_date_ja(completed_on),
        "valid_until": format_date_ja(valid_until) if valid_until is not None else None,
        "issued_on": f"発行日 {format_date_ja(issued_on)}",
        "code": grouped(code),
        "issuer": issuer,
    }
