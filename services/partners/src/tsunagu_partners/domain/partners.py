"""Partner organisations (連携団体): their names as people read them, and the states they pass through."""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class PartnerState(StrEnum):
    """Where an organisation stands on its way to, and as, a partner.

    ``active`` is the only state in which it takes referrals, appears in the public directory and
    takes part in joint sessions."""

    CANDIDATE = "candidate"
    APPLIED = "applied"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"
    EXPIRED = "expired"


def name_key(name: str) -> str:
    """The key under which an organisation's name is unique: NFKC (full- and half-width forms
    alike), case folded, inner white space collapsed. ``"ＮＰＯ法人　つなぐ"`` and ``"npo法人 つなぐ"``
    share a key."""
    normalised = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(normalised.split())
