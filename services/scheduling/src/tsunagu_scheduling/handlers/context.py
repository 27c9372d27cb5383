"""What every use case of scheduling needs, built once by the composition root (``app.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tsunagu_calendar import ServiceCalendar
from tsunagu_servicekit.context import ServiceContext

from ..domain.agenda import ReviewPolicy
from ..domain.codes import MeetingKind
from ..domain.meetings import MeetingRule
from ..domain.visits import HomeVisitPolicy


@dataclass(kw_only=True)
class SchedulingContext(ServiceContext):
    """The kit's clock, units of work and ids, with scheduling's calendar, rules and policies."""

    calendar: ServiceCalendar
    meeting_rules: dict[MeetingKind, MeetingRule]
    review_policy: ReviewPolicy = field(default_factory=ReviewPolicy)
    visit_policy: HomeVisitPolicy = field(default_factory=HomeVisitPolicy)
    reminder_lead: timedelta = timedelta(hours=24)
    max_appointment_minutes: int = 180
    max_group_session_minutes: int = 8 * 60
    max_meeting_minutes: int = 8 * 60
    feed_key: bytes | None = None
    """Key of the private calendar links; ``None`` where they are off (JWKS mode without a key)."""
