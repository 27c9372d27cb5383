"""Events of the scheduling service: appointments, home visits, sessions, meetings, case reviews.

Every field is an id, a code, a count, a date or a time. Persons and cases are the pseudonymous
ids intake gives them; staff members and rooms are ids of scheduling's resources. Nothing here
names anyone (architecture §3).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..envelope import ID_PATTERN, EventData
from ..errors import NotUpcastableError
from ..registry import event, upcaster

__all__ = [
    "AdviceCode",
    "AppointmentAttended",
    "AppointmentBooked",
    "AppointmentCancelled",
    "AppointmentKind",
    "AppointmentMissed",
    "AppointmentReminderDue",
    "AppointmentRescheduled",
    "BookingChannel",
    "CancellationReason",
    "CaseReviewConcluded",
    "CaseReviewConcludedV2",
    "CaseReviewScheduled",
    "Discipline",
    "DisciplineAdvice",
    "HomeVisitCancelled",
    "HomeVisitCapReached",
    "HomeVisitCompleted",
    "HomeVisitOutcome",
    "HomeVisitScheduled",
    "MeetingKind",
    "MeetingScheduled",
    "RecommendedRisk",
    "ReviewPlacement",
    "ReviewUrgency",
    "SessionAttended",
    "SessionKind",
    "SessionMissed",
    "SessionPartnerRemovalReason",
    "SessionPartnerRemoved",
    "SessionRegistered",
    "SessionRegistrationCancelled",
    "SessionScheduled",
    "SessionWaitlisted",
    "WaitlistPromoted",
]

Id = Annotated[str, Field(pattern=ID_PATTERN)]


class Discipline(StrEnum):
    """The four disciplines of the multidisciplinary expert team."""

    MEDICINE = "medicine"
    PSYCHOLOGY = "psychology"
    LAW = "law"
    WELFARE = "welfare"


class AdviceCode(StrEnum):
    """What the expert team advises, as codes; the advice document itself stays in scheduling."""

    CONTINUE_CURRENT_SUPPORT = "continue_current_support"
    MEDICAL_ASSESSMENT = "medical_assessment"
    PSYCHIATRIC_REFERRAL = "psychiatric_referral"
    PSYCHOLOGICAL_ASSESSMENT = "psychological_assessment"
    FAMILY_SUPPORT = "family_support"
    HOME_VISIT = "home_visit"
    SAFETY_PLAN = "safety_plan"
    CRISIS_INTERVENTION = "crisis_intervention"
    LEGAL_CONSULTATION = "legal_consultation"
    GUARDIANSHIP = "guardianship"
    WELFARE_BENEFITS = "welfare_benefits"
    HOUSING_SUPPORT = "housing_support"
    EMPLOYMENT_SUPPORT = "employment_support"
    PLACE_TO_BELONG = "place_to_belong"
    SUPPORT_MEETING = "support_meeting"
    PARTNER_REFERRAL = "partner_referral"
    MONITOR = "monitor"
    CLOSE_CASE = "close_case"


class RecommendedRisk(StrEnum):
    """A risk level the expert team recommends for the case."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class DisciplineAdvice(BaseModel):
    """The advice of one discipline, as codes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    discipline: Discipline
    advice_codes: list[AdviceCode] = Field(min_length=1, max_length=len(AdviceCode))


@event("scheduling", "case_review", "concluded", 1)
class CaseReviewConcluded(EventData):
    """The multidisciplinary expert team concluded its review of a case at a case review meeting.

    Advice is given per discipline (medicine, psychology, law, welfare) as codes; the advice
    document is referenced by ``advice_reference_id`` and stays in the scheduling service. The
    intake service puts the advice on the case's timeline. ``escalation_ids`` name the
    escalations the review answers, when known.

    Superseded by v2, which names the one escalation a review answers, always; stored v1 events
    are read as v2 through its upcaster (ADR 0015). Scheduling no longer emits v1.
    """

    review_id: Id
    case_id: Id
    meeting_date: date
    advice: list[DisciplineAdvice] = Field(min_length=1, max_length=len(Discipline))
    advice_reference_id: Id
    escalation_ids: list[Id] = Field(default_factory=list, max_length=50)
    recommended_risk_level: RecommendedRisk | None = None


@event("scheduling", "case_review", "concluded", 2)
class CaseReviewConcludedV2(EventData):
    """The multidisciplinary expert team concluded its review of an escalated case at a case review meeting.

    A review answers exactly one escalation, ``escalation_id``: intake marks that escalation
    reviewed, and no other of the case. Advice is given per discipline (medicine, psychology,
    law, welfare) as codes; the advice document is referenced by ``advice_reference_id`` and stays
    in the scheduling service. The intake service puts the advice on the case's timeline.

    v2 of the event: v1 named the escalations in an optional list (``escalation_ids``, "when
    known"), so a reader had to guess which escalations an empty list answered.
    """

    review_id: Id
    case_id: Id
    escalation_id: Id
    meeting_date: date
    advice: list[DisciplineAdvice] = Field(min_length=1, max_length=len(Discipline))
    advice_reference_id: Id
    recommended_risk_level: RecommendedRisk | None = None


@upcaster(CaseReviewConcluded, CaseReviewConcludedV2)
def _case_review_concluded_v1_to_v2(old: CaseReviewConcluded) -> CaseReviewConcludedV2:
    """A stored v1 names its escalation as the only item of ``escalation_ids`` (scheduling wrote
    exactly one in every v1 it emitted). A v1 with none or several has no single escalation to
    name: it is not upcast (and so dead-lettered), rather than guessed."""
    if len(old.escalation_ids) != 1:
        raise NotUpcastableError(
            f"{CaseReviewConcluded.event_type.name} → v2: escalation_ids must hold exactly one id"
        )
    return CaseReviewConcludedV2(
        review_id=old.review_id,
        case_id=old.case_id,
        escalation_id=old.escalation_ids[0],
        meeting_date=old.meeting_date,
        advice=old.advice,
        advice_reference_id=old.advice_reference_id,
        recommended_risk_level=old.recommended_risk_level,
    )


# --------------------------------------------------------------------------------------------
# Codes

MunicipalityCode = Annotated[str, Field(pattern=r"^13[0-9]{4}$")]
FiscalYear = Annotated[
    int, Field(ge=2000, le=2099, description="Fiscal year (April-March) by its first year")
]


class AppointmentKind(StrEnum):
    """What an appointment is: a consultation at the Support Net, online, or a visit at home."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    HOME_VISIT = "home_visit"


class BookingChannel(StrEnum):
    """How the person asked for the reservation (staff book on the person's behalf)."""

    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"
    MUNICIPALITY = "municipality"


class CancellationReason(StrEnum):
    """Why an appointment, a visit or a registration was cancelled."""

    PERSON_REQUEST = "person_request"
    FAMILY_REQUEST = "family_request"
    STAFF_UNAVAILABLE = "staff_unavailable"
    ROOM_UNAVAILABLE = "room_unavailable"
    DUPLICATE = "duplicate"
    CASE_CLOSED = "case_closed"
    PERSON_ERASED = "person_erased"
    WEATHER_OR_DISASTER = "weather_or_disaster"
    OTHER = "other"


class SessionKind(StrEnum):
    """Events with registration: weekly peer online sessions, seminars, consultation days, lectures."""

    PEER_ONLINE = "peer_online"
    FAMILY_SEMINAR = "family_seminar"
    INDIVIDUAL_CONSULTATION = "individual_consultation"
    JOINT_BRIEFING = "joint_briefing"
    LECTURE = "lecture"


class MeetingKind(StrEnum):
    """Meetings the programme holds: expert-team case reviews, supporter exchanges, the council."""

    CASE_REVIEW = "case_review"
    SUPPORTER_EXCHANGE = "supporter_exchange"
    COUNCIL = "council"


class HomeVisitOutcome(StrEnum):
    """What happened at a home visit (a visit without contact still counts as a visit)."""

    MET_PERSON = "met_person"
    MET_FAMILY = "met_family"
    NO_CONTACT = "no_contact"


class ReviewUrgency(StrEnum):
    """How soon the expert team looks at a case (the escalation's urgency, as intake sent it)."""

    ROUTINE = "routine"
    URGENT = "urgent"
    IMMEDIATE = "immediate"


class ReviewPlacement(StrEnum):
    """Where a case review was placed: a regular bi-monthly meeting or an extra consultation."""

    REGULAR = "regular"
    EXTRA = "extra"


# --------------------------------------------------------------------------------------------
# Appointments (in-person, online, home visit)


class _Appointment(EventData):
    appointment_id: Id
    kind: AppointmentKind
    person_id: Id
    case_id: Id | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime


@event("scheduling", "appointment", "booked", 1)
class AppointmentBooked(_Appointment):
    """Staff booked an appointment for a person (in-person consultations by reservation only).

    ``staff_ids`` are the counsellors or peer supporters who hold it; ``room_id`` is the room of
    an in-person consultation. No person, staff member or room is booked twice at one time.
    """

    staff_ids: list[Id] = Field(min_length=1, max_length=2)
    room_id: Id | None = None
    requested_via: BookingChannel
    booked_at: AwareDatetime


@event("scheduling", "appointment", "rescheduled", 1)
class AppointmentRescheduled(_Appointment):
    """An appointment moved to another time (and possibly other staff or another room).

    ``sequence`` counts the changes (1 for the first reschedule), as in iCalendar.
    """

    previous_starts_at: AwareDatetime
    staff_ids: list[Id] = Field(min_length=1, max_length=2)
    room_id: Id | None = None
    sequence: int = Field(ge=1)
    rescheduled_at: AwareDatetime


@event("scheduling", "appointment", "cancelled", 1)
class AppointmentCancelled(_Appointment):
    """An appointment was cancelled; its time, staff and room are free again."""

    reason: CancellationReason
    cancelled_at: AwareDatetime


@event("scheduling", "appointment", "attended", 1)
class AppointmentAttended(_Appointment):
    """The person came to the appointment (recorded by staff)."""

    recorded_at: AwareDatetime


@event("scheduling", "appointment", "missed", 1)
class AppointmentMissed(_Appointment):
    """The person did not come to the appointment (no-show, recorded by staff)."""

    recorded_at: AwareDatetime


@event("scheduling", "appointment", "reminder_due", 1)
class AppointmentReminderDue(_Appointment):
    """An appointment is coming up: time to remind the person and the staff (raised once per
    appointment time, ``lead_minutes`` before it, by a durable timer)."""

    staff_ids: list[Id] = Field(min_length=1, max_length=2)
    due_at: AwareDatetime
    lead_minutes: int = Field(ge=0)


# --------------------------------------------------------------------------------------------
# Home visits


class _HomeVisit(EventData):
    visit_id: Id
    request_id: Id
    person_id: Id
    case_id: Id
    municipality_code: MunicipalityCode
    fiscal_year: FiscalYear
    visit_number: int = Field(ge=1, description="Which of the person's visits of the fiscal year")


@event("scheduling", "home_visit", "scheduled", 1)
class HomeVisitScheduled(_HomeVisit):
    """A home visit got its date and staff (raised again, with a higher ``sequence``, when it moves).

    ``appointment_id`` is the appointment that holds the time of the staff and the person.
    """

    appointment_id: Id
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    staff_ids: list[Id] = Field(min_length=1, max_length=2)
    sequence: int = Field(default=0, ge=0)


@event("scheduling", "home_visit", "completed", 1)
class HomeVisitCompleted(_HomeVisit):
    """A home visit took place; ``outcome`` says whom the staff met (it counts against the cap)."""

    outcome: HomeVisitOutcome
    visited_at: AwareDatetime
    staff_count: int = Field(ge=1, le=2)


@event("scheduling", "home_visit", "cancelled", 1)
class HomeVisitCancelled(_HomeVisit):
    """A home visit will not take place; it no longer counts against the person's cap."""

    reason: CancellationReason
    cancelled_at: AwareDatetime


@event("scheduling", "home_visit", "cap_reached", 1)
class HomeVisitCapReached(EventData):
    """A home-visit request asked for more visits than the person has left this fiscal year.

    ``visits_granted`` visits (possibly none) were created to schedule; the rest were not.
    """

    request_id: Id
    person_id: Id
    case_id: Id
    municipality_code: MunicipalityCode
    fiscal_year: FiscalYear
    cap: int = Field(ge=0)
    visits_requested: int = Field(ge=1)
    visits_granted: int = Field(ge=0)


# --------------------------------------------------------------------------------------------
# Sessions and events with registration


@event("scheduling", "session", "scheduled", 1)
class SessionScheduled(EventData):
    """A session or event with registration was put on the programme."""

    session_id: Id
    kind: SessionKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: int = Field(ge=1)
    waitlist: bool
    room_id: Id | None = None


class _Registration(EventData):
    registration_id: Id
    session_id: Id
    session_kind: SessionKind
    person_id: Id
    case_id: Id | None = None
    starts_at: AwareDatetime
    signup_id: Id | None = None
    """The public sign-up (``intake.session_signup.requested``) the registration answers, if any."""


class SessionPartnerRemovalReason(StrEnum):
    """Why scheduling took a partner off a joint session: its agreement with Tokyo stopped."""

    AGREEMENT_ENDED = "agreement_ended"
    AGREEMENT_EXPIRED = "agreement_expired"
    AGREEMENT_SUSPENDED = "agreement_suspended"


@event("scheduling", "session", "partner_removed", 1)
class SessionPartnerRemoved(EventData):
    """A partner organisation no longer takes part in a joint session that starts after its
    agreement stopped (ended, expired or suspended). ``removed_at`` is when the agreement stopped,
    as the partners service announced it, not when scheduling learnt of it: a replay removes the
    same partners from the same sessions."""

    participation_id: Id
    session_id: Id
    partner_id: Id
    starts_at: AwareDatetime
    reason: SessionPartnerRemovalReason
    removed_at: AwareDatetime


@event("scheduling", "session", "registered", 1)
class SessionRegistered(_Registration):
    """A person got a seat at a session (directly, not from the waitlist)."""

    seat_no: int = Field(ge=1)
    registered_at: AwareDatetime


@event("scheduling", "session", "waitlisted", 1)
class SessionWaitlisted(_Registration):
    """The session was full: the person is on its waitlist at ``position`` (1 = next)."""

    position: int = Field(ge=1)
    registered_at: AwareDatetime


@event("scheduling", "session", "waitlist_promoted", 1)
class WaitlistPromoted(_Registration):
    """A seat came free and the first person on the waitlist got it."""

    seat_no: int = Field(ge=1)
    promoted_at: AwareDatetime


class SignupRefusal(StrEnum):
    """Why a public sign-up got no place."""

    SESSION_NOT_FOUND = "session_not_found"
    SESSION_CLOSED = "session_closed"
    SESSION_FULL = "session_full"
    ALREADY_REGISTERED = "already_registered"
    PERSON_ERASED = "person_erased"


@event("scheduling", "session", "signup_refused", 1)
class SessionSignupRefused(EventData):
    """A public sign-up got no place: the session is unknown, closed (started, cancelled), full
    without a waitlist, the person is registered already, or was erased."""

    signup_id: Id
    person_id: Id
    session_id: Id
    reason: SignupRefusal
    refused_at: AwareDatetime


@event("scheduling", "session", "registration_cancelled", 1)
class SessionRegistrationCancelled(_Registration):
    """A registration (a seat or a waitlist place) was cancelled."""

    was_waitlisted: bool
    reason: CancellationReason
    cancelled_at: AwareDatetime


@event("scheduling", "session", "attended", 1)
class SessionAttended(_Registration):
    """The person came to the session they had a seat at (recorded by staff once it started): a
    contact with the person, like an attended appointment."""

    recorded_at: AwareDatetime


@event("scheduling", "session", "missed", 1)
class SessionMissed(_Registration):
    """The person did not come to the session they had a seat at (recorded by staff once it
    started)."""

    recorded_at: AwareDatetime


# --------------------------------------------------------------------------------------------
# Meetings and expert-team case reviews


@event("scheduling", "meeting", "scheduled", 1)
class MeetingScheduled(EventData):
    """A meeting was put in the calendar: a case review meeting (regular or extra), a supporter
    exchange meeting or a council meeting."""

    meeting_id: Id
    kind: MeetingKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    fiscal_year: FiscalYear
    extra: bool = False
    agenda_capacity: int | None = Field(default=None, ge=1)
    room_id: Id | None = None


@event("scheduling", "case_review", "scheduled", 1)
class CaseReviewScheduled(EventData):
    """An escalated case was put on the agenda of an expert-team meeting.

    ``review_id`` is the agenda item (the ``review_id`` of the later ``CaseReviewConcluded``);
    ``placement`` says whether it went to a regular meeting or an extra consultation.
    """

    review_id: Id
    case_id: Id
    person_id: Id
    escalation_id: Id
    meeting_id: Id
    meeting_date: date
    meeting_starts_at: AwareDatetime
    urgency: ReviewUrgency
    placement: ReviewPlacement
    agenda_position: int = Field(ge=1)
