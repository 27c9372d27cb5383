"""How much happens in the demo's fiscal year, and when: the assumptions, in one place.

The figures are sized like the real programme (docs/cli.md, "tsunagu demo", states the reasons);
``--scale`` multiplies every yearly volume. Counts that are structure rather than volume (the six
case-review meetings, the weekly peer session, the staff) do not scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import date

FISCAL_YEAR = 2025
"""令和7年度: the year the programme document describes (and the services' shipped reference data
covers: the budget, the grant outline, the training catalogue, the phone line's Monday–Saturday hours)."""
YEAR_STARTS = date(2025, 4, 1)
YEAR_ENDS = date(2026, 3, 31)


@dataclass(frozen=True, slots=True)
class Volumes:
    """Yearly volumes at ``--scale 1``."""

    phone_consultations: int = 3000
    """Toll-free line, Mon–Sat 10–17: about 10 calls a day the line is open."""
    email_consultations: int = 1200
    """Web consultations (利用者番号), received around the clock."""
    online_consultations: int = 240
    peer_online_consultations: int = 150
    """Recorded at the weekly peer session (the session itself does not scale)."""
    in_person_consultations: int = 150
    """By prior reservation only: each is an appointment booked first."""
    home_visit_requests: int = 100
    """Through the municipalities, about 3 visits each."""
    returning_share: float = 0.35
    """Share of consultations from someone who consulted before (a nickname, a user number)."""
    family_share: float = 0.55
    """Share of consultations from a family member rather than the person."""
    risk_share: float = 0.10
    escalation_share: float = 0.03
    close_share: float = 0.30
    family_seminars: int = 6
    seminar_seats: int = 30
    seminar_sign_ups: int = 36
    """Per seminar: more than the seats, so waitlists form."""
    candidate_partners: int = 24
    referrals: int = 120
    local_resources: int = 40
    network_meetings: int = 62
    subsidy_municipalities: int = 10
    trainees: int = 240
    """Supporters, partners' staff and welfare commissioners completing a course."""

    def scaled(self, scale: float) -> Volumes:
        """Every count times ``scale`` (at least 1 where the year has any), shares unchanged."""
        if scale <= 0:
            raise ValueError("--scale must be positive")
        changed = {
            f.name: max(1, math.ceil(getattr(self, f.name) * scale))
            for f in fields(self)
            if isinstance(getattr(self, f.name), int) and f.name not in _FIXED
        }
        return replace(self, **changed)


_FIXED = frozenset({"seminar_seats", "seminar_sign_ups"})
"""Sizes of one event, not yearly volumes."""

STAFF = 8
"""Support Net counsellors (scheduling resources, trained for home visits in April)."""
ROOMS = 2

PHONE_WEEKDAY_WEIGHTS = (1.35, 1.1, 1.0, 1.0, 1.05, 0.8, 0.0)
"""Calls by weekday (Monday first): the week's first day is the busiest, Saturday quieter."""
PHONE_HOUR_WEIGHTS = {10: 1.4, 11: 1.2, 12: 0.7, 13: 1.1, 14: 1.2, 15: 1.0, 16: 0.8}
"""Calls by hour of the line's day (10:00–17:00): a morning peak, a lunch dip."""
EMAIL_HOUR_WEIGHTS = (
    *(0.9, 0.7, 0.5, 0.3, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.7),
    *(0.8, 0.7, 0.7, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.6, 1.6, 1.3),
)
"""Web consultations by hour (0–23): people write late in the evening and at night."""
MONTH_WEIGHTS = {
    4: 1.1,
    5: 1.05,
    6: 1.0,
    7: 1.0,
    8: 0.85,
    9: 1.0,
    10: 1.0,
    11: 1.0,
    12: 0.85,
    1: 1.0,
    2: 1.0,
    3: 1.1,
}
"""Seasonality: the new fiscal year and school year bring calls; August and December are quieter."""
