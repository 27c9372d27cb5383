"""Names of the rules a request can break. They travel in 4xx answers as ``rule`` (ADR 0004)."""

from __future__ import annotations

# time and calendar
IN_THE_PAST = "in_the_past"
NOT_ALIGNED_TO_SLOT = "not_aligned_to_slot"
INVALID_DURATION = "invalid_duration"
SPANS_MIDNIGHT = "spans_midnight"
NATIONAL_HOLIDAY = "national_holiday"
YEAR_END_CLOSURE = "year_end_closure"
OUTSIDE_OPENING_HOURS = "outside_opening_hours"
STAFF_UNAVAILABLE = "staff_unavailable"
ROOM_UNAVAILABLE = "room_unavailable"

# double booking (409)
PERSON_DOUBLE_BOOKED = "person_double_booked"
STAFF_DOUBLE_BOOKED = "staff_double_booked"
ROOM_DOUBLE_BOOKED = "room_double_booked"
SLOT_TAKEN = "slot_taken"

# resources
ROOM_NOT_FOUND = "room_not_found"
STAFF_NOT_FOUND = "staff_not_found"
RESOURCE_INACTIVE = "resource_inactive"
WRONG_RESOURCE_KIND = "wrong_resource_kind"
ROOM_REQUIRED = "room_required"
ROOM_NOT_ALLOWED = "room_not_allowed"
ROOM_TOO_SMALL = "room_too_small"
SAME_STAFF_TWICE = "same_staff_twice"

# appointments
APPOINTMENT_NOT_FOUND = "appointment_not_found"
APPOINTMENT_NOT_ACTIVE = "appointment_not_active"
NOT_STARTED_YET = "not_started_yet"
USE_HOME_VISIT_ENDPOINTS = "use_home_visit_endpoints"

# home visits
VISIT_NOT_FOUND = "visit_not_found"
VISIT_NOT_SCHEDULABLE = "visit_not_schedulable"
VISIT_NOT_SCHEDULED = "visit_not_scheduled"
VISIT_OUTSIDE_FISCAL_YEAR = "visit_outside_fiscal_year"
NOT_QUALIFIED_FOR_HOME_VISITS = "not_qualified_for_home_visits"
TWO_STAFF_REQUIRED = "two_staff_required"

# sessions
SESSION_NOT_FOUND = "session_not_found"
SESSION_CLOSED = "session_closed"
SESSION_FULL = "session_full"
ALREADY_REGISTERED = "already_registered"
REGISTRATION_NOT_FOUND = "registration_not_found"
REGISTRATION_NOT_ACTIVE = "registration_not_active"
RANGE_TOO_LONG = "range_too_long"

# meetings and reviews
MEETING_NOT_FOUND = "meeting_not_found"
MEETING_EXISTS = "meeting_already_exists"
REVIEW_NOT_FOUND = "review_not_found"
REVIEW_ALREADY_CONCLUDED = "review_already_concluded"
REVIEW_WITHDRAWN = "review_withdrawn"
DISCIPLINE_TWICE = "discipline_given_twice"
PARTICIPANTS_NOT_RECORDED = "participants_not_recorded_for_case_reviews"
FISCAL_YEAR_OUT_OF_RANGE = "fiscal_year_out_of_range"

# calendars
FEED_TOKEN_INVALID = "feed_token_invalid"
FEEDS_DISABLED = "calendar_feeds_disabled"
