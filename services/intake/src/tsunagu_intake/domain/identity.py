"""Pseudonymous identity: user numbers (利用者番号) and the normal forms used to recognise people.

A user number is ten digits: nine random digits and a Luhn check digit, so a mistyped number is
refused before any lookup. Returning people are recognised by their user number, or by a keyed
digest (blind index) of their nickname or phone number computed over the normal forms below, so
that full-width and half-width spellings (``ﾀﾛｳ`` / ``タロウ``, ``０９０`` / ``090``) match, and a
nickname in katakana matches the same in hiragana.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable

from .text import fold

_USER_NUMBER_RE = re.compile(r"^[0-9]{10}$")


def luhn_digit(digits: str) -> int:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def new_user_number(draw: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh user number (the caller makes sure it is not taken)."""
    body = f"{1 + draw(9)}" + "".join(str(draw(10)) for _ in range(8))
    return body + str(luhn_digit(body))


def is_valid_user_number(value: str) -> bool:
    return bool(_USER_NUMBER_RE.match(value)) and luhn_digit(value[:9]) == int(value[9])


def normal_user_number(value: str) -> str:
    """Full-width digits, spaces and hyphens forgiven: ``１２３４-５６７８９０`` -> ``1234567890``."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value))


def normal_nickname(value: str) -> str:
    """Width, case, kana and spaces forgiven: ``ﾀﾛｳ``, ``タロウ`` and ``たろう`` are one nickname."""
    return fold(value)


def normal_phone(value: str) -> str:
    """The digits of a phone number (after NFKC), a leading + kept."""
    text = unicodedata.normalize("NFKC", value).strip()
    digits = re.sub(r"[^0-9]", "", text)
    return ("+" + digits) if text.startswith("+") else digits


# Recovery codes: 16 characters of Crockford's base32 (80 bits), shown once at registration in four
# groups, the only way back in for someone who forgot the password (there is no e-mail reset: an
# address is optional, and a mail box may be shared with the family the person consults about).
_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RECOVERY_LENGTH = 16
# Crockford's reading of look-alikes: O is 0; I and L are 1.
_RECOVERY_READS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_recovery_code(draw: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh recovery code, as shown: ``ABCD-EFGH-JKMN-PQRS``."""
    chars = "".join(_RECOVERY_ALPHABET[draw(32)] for _ in range(_RECOVERY_LENGTH))
    return "-".join(chars[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def normal_recovery_code(value: str) -> str | None:
    """The code as stored (16 characters), forgiving width, case, spaces, hyphens and look-alike
    letters (``o`` for ``0``); ``None`` when it cannot be a recovery code."""
    text = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value)).upper().translate(_RECOVERY_READS)
    if len(text) != _RECOVERY_LENGTH or any(c not in _RECOVERY_ALPHABET for c in text):
        return None
    return text
