"""Disclosures (情報提供): what a referral's recipient may read of a person, on which legal basis,
for what, until when. Pure rules and the redaction profiles as data; no I/O.

A disclosure is readable only while all of these hold: it was not withdrawn, it has not expired,
its referral was neither declined nor withdrawn, and the person was not erased. Otherwise it is
gone for good, and the answer says which rule made it so (410).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from tsunagu_servicekit.errors import Rule

from . import rules

DISCLOSABLE_FIELDS = frozenset(
    {"nickname", "name", "phone", "email", "address", "age_band", "residence_code", "risk_level", "flags"}
)
"""What a redaction profile may name: the person's sealed details, their age band and municipality
of residence, and the case's risk level and flags in force."""

DEFAULT_MAX_DAYS = 90
"""How long a disclosure may last at most, by default (setting ``DISCLOSURE_MAX_DAYS``)."""


class ReferralState(StrEnum):
    """A referral as intake learnt it from the partners service's events."""

    UNKNOWN = "unknown"
    """Some answer arrived before the offer itself: the recipient is not known yet."""
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


def referral_state(
    *,
    offered: bool,
    accepted: bool,
    declined: bool,
    withdrawn: bool,
) -> ReferralState:
    """The referral's state from what intake has seen, whatever order the events came in (each
    event type has its own consumer): an end (declined, withdrawn) wins over an acceptance, which
    wins over the offer. An outcome implies an acceptance."""
    if withdrawn:
        return ReferralState.WITHDRAWN
    if declined:
        return ReferralState.DECLINED
    if not offered:
        return ReferralState.UNKNOWN
    return ReferralState.ACCEPTED if accepted else ReferralState.OFFERED


def recording_refusal(
    state: ReferralState, *, expires_at: datetime, now: datetime, max_days: int
) -> Rule | None:
    """Why a disclosure may not be recorded for this referral now, if it may not."""
    if state is ReferralState.UNKNOWN:
        return rules.REFERRAL_NOT_KNOWN
    if state in (ReferralState.DECLINED, ReferralState.WITHDRAWN):
        return rules.REFERRAL_ENDED
    if expires_at <= now:
        return rules.DISCLOSURE_EXPIRY_IN_PAST
    if expires_at > now + timedelta(days=max_days):
        return rules.DISCLOSURE_EXPIRY_TOO_FAR
    return None


def readability_refusal(
    *,
    person_erased: bool,
    withdrawn: bool,
    expires_at: datetime,
    referral: ReferralState,
    now: datetime,
) -> Rule | None:
    """Why a disclosure cannot be read now, if it cannot (each a 410: it will not come back)."""
    if person_erased:
        return rules.ERASED
    if withdrawn:
        return rules.DISCLOSURE_WITHDRAWN
    if referral is ReferralState.DECLINED:
        return rules.REFERRAL_DECLINED
    if referral is ReferralState.WITHDRAWN:
        return rules.REFERRAL_WITHDRAWN
    if now >= expires_at:
        return rules.DISCLOSURE_EXPIRED
    return None


# -- redaction profiles: versioned data ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProfileVersion:
    version: str
    effective_from: date
    profiles: dict[str, tuple[str, ...]]


class NoProfileInForce(LookupError):
    """No version of the redaction profiles is in force on the day asked."""


@dataclass(frozen=True, slots=True)
class RedactionProfiles:
    """Every version of the redaction profiles, oldest first."""

    versions: tuple[ProfileVersion, ...]

    def in_force(self, day: date) -> ProfileVersion:
        """The version in force on ``day`` (Tokyo): the latest whose effective date has come."""
        current = [v for v in self.versions if v.effective_from <= day]
        if not current:
            raise NoProfileInForce(day.isoformat())
        return current[-1]

    def fields(self, version: str, profile: str) -> tuple[str, ...]:
        """The fields of ``profile`` as ``version`` defined it: what a disclosure recorded under that
        version shows, whatever later versions say. A version or profile no longer shipped shows
        nothing rather than something else."""
        for v in self.versions:
            if v.version == version:
                return v.profiles.get(profile, ())
        return ()


def parse_profiles(data: Any) -> RedactionProfiles:
    """The profiles from their JSON form; refuses unknown fields, duplicate versions and dates out
    of order, so a mistake in the data stops the service at start, not a recipient's read."""
    versions = []
    for raw in data["versions"]:
        profiles = {str(name): tuple(str(f) for f in fields) for name, fields in raw["profiles"].items()}
        for name, fields in profiles.items():
            unknown = set(fields) - DISCLOSABLE_FIELDS
            if unknown or not fields:
                raise ValueError(f"redaction profile {name!r} of {raw['version']!r}: unknown or no fields")
        versions.append(
            ProfileVersion(str(raw["version"]), date.fromisoformat(raw["effective_from"]), profiles)
        )
    if len({v.version for v in versions}) != len(versions):
        raise ValueError("redaction profile versions must be unique")
    if [v.effective_from for v in versions] != sorted(v.effective_from for v in versions):
        raise ValueError("redaction profile versions must be in order of their effective dates")
    return RedactionProfiles(tuple(versions))
