"""Codes of the scheduling service: those shared on the bus come from the contracts, the rest are
internal states that never leave the service."""

from __future__ import annotations

from enum import StrEnum

from tsunagu_contracts.events.intake import AgeBand, Urgency
from tsunagu_contracts.events.scheduling import (
    AdviceCode,
    AppointmentKind,
    BookingChannel,
    CancellationReason,
    Discipline,
    HomeVisitOutcome,
    MeetingKind,
    RecommendedRisk,
    ReviewPlacement,
    ReviewUrgency,
    SessionKind,
)

__all__ = [
    "AdviceCode",
    "AgeBand",
    "AppointmentKind",
    "AppointmentStatus",
    "BookingChannel",
    "CancellationReason",
    "Channel",
    "Discipline",
    "HomeVisitOutcome",
    "MeetingKind",
    "OrganisationType",
    "RecommendedRisk",
    "RegistrationStatus",
    "ResourceKind",
    "ReviewPlacement",
    "ReviewStatus",
    "ReviewUrgency",
    "SessionKind",
    "Urgency",
    "VisitStatus",
    "channel_of_appointment",
    "channel_of_group_session",
]


class ResourceKind(StrEnum):
    """What can be booked: staff (counsellors, peer supporters) and rooms."""

    COUNSELLOR = "counsellor"
    PEER_SUPPORTER = "peer_supporter"
    ROOM = "room"

    @property
    def is_staff(self) -> bool:
        return self is not ResourceKind.ROOM


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    MISSED = "missed"


class VisitStatus(StrEnum):
    TO_SCHEDULE = "to_schedule"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class ReviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    CONCLUDED = "concluded"
    WITHDRAWN = "withdrawn"
    """Taken off the agenda before the meeting (the case was closed, or the person erased): the
    place on the agenda is freed; the item keeps its position number as history."""


class OrganisationType(StrEnum):
    """Who takes part in a supporter exchange or council meeting."""

    TOKYO = "tokyo"
    SUPPORT_NET = "support_net"
    MUNICIPALITY = "municipality"
    PARTNER = "partner"
    FAMILY_ASSOCIATION = "family_association"
    SELF_HELP_GROUP = "self_help_group"
    EXPERT = "expert"
    AGENCY = "agency"


class Channel(StrEnum):
    """Opening-hours channels scheduling books on (see ``data/opening_hours.json``)."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    HOME_VISIT = "home_visit"
    PEER_ONLINE = "peer_online"
    EVENTS = "events"
    MEETINGS = "meetings"


_APPOINTMENT_CHANNELS = {
    AppointmentKind.IN_PERSON: Channel.IN_PERSON,
    AppointmentKind.ONLINE: Channel.ONLINE,
    AppointmentKind.HOME_VISIT: Channel.HOME_VISIT,
}


def channel_of_appointment(kind: AppointmentKind) -> Channel:
    return _APPOINTMENT_CHANNELS[kind]


def channel_of_group_session(kind: SessionKind) -> Channel:
    return Channel.PEER_ONLINE if kind is SessionKind.PEER_ONLINE else Channel.EVENTS
