"""Refusals with fixed, value-free sentences; the rule name travels beside them (ADR 0004)."""

from __future__ import annotations

from typing import ClassVar, NoReturn

from tsunagu_servicekit.errors import NotFound, RuleViolation

from ..domain import rules

MESSAGES: dict[str, str] = {
    rules.IN_THE_PAST: "The time lies in the past.",
    rules.NOT_ALIGNED_TO_SLOT: "Bookings start on a 30-minute boundary.",
    rules.INVALID_DURATION: "The length must be whole 30-minute slots within the allowed maximum.",
    rules.SPANS_MIDNIGHT: "A booking starts and ends on the same day.",
    rules.NATIONAL_HOLIDAY: "The programme is closed on national holidays.",
    rules.YEAR_END_CLOSURE: "The programme is closed from 29 December to 3 January.",
    rules.OUTSIDE_OPENING_HOURS: "The time is outside the opening hours of this kind of booking.",
    rules.STAFF_UNAVAILABLE: "The staff member is not available at that time.",
    rules.ROOM_UNAVAILABLE: "The room is not available at that time.",
    rules.PERSON_DOUBLE_BOOKED: "The person already has a booking at that time.",
    rules.STAFF_DOUBLE_BOOKED: "The staff member already has a booking at that time.",
    rules.ROOM_DOUBLE_BOOKED: "The room is already booked at that time.",
    rules.SLOT_TAKEN: "The time was taken by another booking.",
    rules.ROOM_NOT_FOUND: "The room does not exist.",
    rules.STAFF_NOT_FOUND: "The staff member does not exist.",
    rules.RESOURCE_INACTIVE: "The staff member or room is no longer in use.",
    rules.WRONG_RESOURCE_KIND: "That resource cannot hold this kind of booking.",
    rules.ROOM_REQUIRED: "An in-person consultation needs a room.",
    rules.ROOM_NOT_ALLOWED: "This kind of booking takes no room.",
    rules.ROOM_TOO_SMALL: "The room holds fewer people than the session's capacity.",
    rules.SAME_STAFF_TWICE: "The same staff member is given twice.",
    rules.APPOINTMENT_NOT_FOUND: "The appointment does not exist.",
    rules.APPOINTMENT_NOT_ACTIVE: "The appointment is no longer booked.",
    rules.NOT_STARTED_YET: "The appointment has not started yet.",
    rules.USE_HOME_VISIT_ENDPOINTS: "Home visits are scheduled and changed through the home-visit endpoints.",
    rules.VISIT_NOT_FOUND: "The home visit does not exist.",
    rules.VISIT_NOT_SCHEDULABLE: "The home visit is not waiting to be scheduled.",
    rules.VISIT_NOT_SCHEDULED: "The home visit is not scheduled.",
    rules.VISIT_OUTSIDE_FISCAL_YEAR: "The visit must take place in the fiscal year it was granted for.",
    rules.NOT_QUALIFIED_FOR_HOME_VISITS: "Every visitor must be qualified for home visits.",
    rules.TWO_STAFF_REQUIRED: "This visit needs two staff members.",
    rules.SESSION_NOT_FOUND: "The session does not exist.",
    rules.SESSION_CLOSED: "Registration for the session is closed.",
    rules.SESSION_FULL: "The session is full and keeps no waitlist.",
    rules.ALREADY_REGISTERED: "The person is already registered for the session.",
    rules.REGISTRATION_NOT_FOUND: "The registration does not exist.",
    rules.REGISTRATION_NOT_ACTIVE: "The registration is already cancelled.",
    rules.RANGE_TOO_LONG: "The date range is too long.",
    rules.MEETING_NOT_FOUND: "The meeting does not exist.",
    rules.REVIEW_NOT_FOUND: "The case review does not exist.",
    rules.REVIEW_ALREADY_CONCLUDED: "The case review is already concluded.",
    rules.REVIEW_WITHDRAWN: "The case review was withdrawn (the case was closed, or the person erased).",
    rules.DISCIPLINE_TWICE: "Each discipline gives its advice once.",
    rules.PARTICIPANTS_NOT_RECORDED: "Participants are recorded for exchange and council meetings.",
    rules.MEETING_EXISTS: "A meeting of that kind is already held on that day.",
    rules.FISCAL_YEAR_OUT_OF_RANGE: "Meetings are generated for fiscal years 2000 to 2098.",
    rules.FEED_TOKEN_INVALID: "The calendar link is not valid.",
    rules.FEEDS_DISABLED: "Private calendar links are not configured.",
}

_NOT_FOUND = {
    rules.ROOM_NOT_FOUND,
    rules.STAFF_NOT_FOUND,
    rules.APPOINTMENT_NOT_FOUND,
    rules.VISIT_NOT_FOUND,
    rules.SESSION_NOT_FOUND,
    rules.REGISTRATION_NOT_FOUND,
    rules.MEETING_NOT_FOUND,
    rules.REVIEW_NOT_FOUND,
}

_CONFLICTS = {
    rules.PERSON_DOUBLE_BOOKED,
    rules.STAFF_DOUBLE_BOOKED,
    rules.ROOM_DOUBLE_BOOKED,
    rules.SLOT_TAKEN,
    rules.ALREADY_REGISTERED,
    rules.SESSION_FULL,
    rules.REVIEW_ALREADY_CONCLUDED,
    rules.REVIEW_WITHDRAWN,
    rules.MEETING_EXISTS,
    rules.APPOINTMENT_NOT_ACTIVE,
    rules.REGISTRATION_NOT_ACTIVE,
    rules.VISIT_NOT_SCHEDULABLE,
    rules.VISIT_NOT_SCHEDULED,
}


class RuleConflict(RuleViolation):
    """A rule refused the request because of the state of things (taken, full, already done): 409."""

    status_code: ClassVar[int] = 409
    code = "conflict"


class MissingThing(RuleViolation):
    """A thing the request refers to does not exist: 404, ``rule`` names it (``room_not_found``)."""

    status_code: ClassVar[int] = 404
    code = NotFound.code


def refuse(rule: str) -> NoReturn:
    """Raise the refusal for ``rule``: 404 for a missing thing, 409 for a state conflict, else 422."""
    message = MESSAGES.get(rule, "The request breaks a scheduling rule.")
    if rule in _NOT_FOUND:
        raise MissingThing(message, rule=rule)
    if rule in _CONFLICTS:
        raise RuleConflict(message, rule=rule)
    raise RuleViolation(message, rule=rule)
