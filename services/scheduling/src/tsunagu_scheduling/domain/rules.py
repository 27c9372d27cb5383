"""The rules a request to scheduling can break, each with the HTTP status of a refusal and a fixed,
value-free sentence (ADR 0004). The name travels in 4xx answers as ``rule``.

404: a thing the request refers to does not exist. 409: the state of things refuses it (taken,
full, already done, no longer active). 403: the caller may not see it. 422: everything else.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule

# -- time and calendar -----------------------------------------------------------------------

IN_THE_PAST = Rule("in_the_past", 422, "The time lies in the past.")
NOT_ALIGNED_TO_SLOT = Rule("not_aligned_to_slot", 422, "Bookings start on a 30-minute boundary.")
INVALID_DURATION = Rule(
    "invalid_duration", 422, "The length must be whole 30-minute slots within the allowed maximum."
)
SPANS_MIDNIGHT = Rule("spans_midnight", 422, "A booking starts and ends on the same day.")
NATIONAL_HOLIDAY = Rule("national_holiday", 422, "The programme is closed on national holidays.")
YEAR_END_CLOSURE = Rule("year_end_closure", 422, "The programme is closed from 29 December to 3 January.")
OUTSIDE_OPENING_HOURS = Rule(
    "outside_opening_hours", 422, "The time is outside the opening hours of this kind of booking."
)
END_NOT_AFTER_START = Rule("end_not_after_start", 422, "A time window ends after it starts.")
TIMES_INCOMPLETE = Rule("times_incomplete", 422, "A time window has both a start and an end, or neither.")
EXTRA_WINDOW_NEEDS_TIMES = Rule(
    "extra_window_needs_times", 422, "An extra availability needs a start and an end."
)
LAST_DAY_BEFORE_FIRST_DAY = Rule("last_day_before_first_day", 422, "The last day lies before the first day.")
STAFF_UNAVAILABLE = Rule("staff_unavailable", 422, "The staff member is not available at that time.")
ROOM_UNAVAILABLE = Rule("room_unavailable", 422, "The room is not available at that time.")

# -- double booking ----------------------------------------------------------------------------

PERSON_DOUBLE_BOOKED = Rule("person_double_booked", 409, "The person already has a booking at that time.")
STAFF_DOUBLE_BOOKED = Rule("staff_double_booked", 409, "The staff member already has a booking at that time.")
ROOM_DOUBLE_BOOKED = Rule("room_double_booked", 409, "The room is already booked at that time.")
SLOT_TAKEN = Rule("slot_taken", 409, "The time was taken by another booking.")

# -- resources ---------------------------------------------------------------------------------

ROOM_NOT_FOUND = Rule("room_not_found", 404, "The room does not exist.")
STAFF_NOT_FOUND = Rule("staff_not_found", 404, "The staff member does not exist.")
RESOURCE_INACTIVE = Rule("resource_inactive", 422, "The staff member or room is no longer in use.")
WRONG_RESOURCE_KIND = Rule("wrong_resource_kind", 422, "That resource cannot hold this kind of booking.")
ROOM_REQUIRED = Rule("room_required", 422, "An in-person consultation needs a room.")
ROOM_NOT_ALLOWED = Rule("room_not_allowed", 422, "This kind of booking takes no room.")
ROOM_TOO_SMALL = Rule("room_too_small", 422, "The room holds fewer people than the session's capacity.")
SAME_STAFF_TWICE = Rule("same_staff_twice", 422, "The same staff member is given twice.")

# -- persons and cases (intake's pseudonymous ids, learnt from its events) -----------------------

PERSON_NOT_KNOWN = Rule(
    "person_not_known",
    404,
    "Scheduling does not know this person yet: intake announces every person it records a "
    "consultation about, and the news may still be on its way. Try again in a moment; a person "
    "intake never recorded stays unknown.",
)
CASE_NOT_KNOWN = Rule(
    "case_not_known",
    404,
    "Scheduling does not know this case yet: intake announces every case it opens, and the news may "
    "still be on its way. Try again in a moment; a case intake never opened stays unknown.",
)
CASE_OF_ANOTHER_PERSON = Rule("case_of_another_person", 422, "The case belongs to another person.")
PERSON_ERASED = Rule(
    "person_erased", 409, "The person's data was erased: nothing can be booked for them any more."
)
CASE_CLOSED = Rule(
    "case_closed",
    409,
    "The case was closed in intake: nothing new can be booked for it. Book for the person alone, "
    "or for the case intake opens when they consult again.",
)

# -- appointments ------------------------------------------------------------------------------

APPOINTMENT_NOT_FOUND = Rule("appointment_not_found", 404, "The appointment does not exist.")
APPOINTMENT_NOT_ACTIVE = Rule("appointment_not_active", 409, "The appointment is no longer booked.")
NOT_STARTED_YET = Rule("not_started_yet", 422, "The appointment has not started yet.")
USE_HOME_VISIT_ENDPOINTS = Rule(
    "use_home_visit_endpoints",
    422,
    "Home visits are scheduled and changed through the home-visit endpoints.",
)

# -- home visits -------------------------------------------------------------------------------

VISIT_NOT_FOUND = Rule("visit_not_found", 404, "The home visit does not exist.")
VISIT_NOT_SCHEDULABLE = Rule("visit_not_schedulable", 409, "The home visit is not waiting to be scheduled.")
VISIT_NOT_SCHEDULED = Rule("visit_not_scheduled", 409, "The home visit is not scheduled.")
VISIT_OUTSIDE_FISCAL_YEAR = Rule(
    "visit_outside_fiscal_year", 422, "The visit must take place in the fiscal year it was granted for."
)
NOT_QUALIFIED_FOR_HOME_VISITS = Rule(
    "not_qualified_for_home_visits", 422, "Every visitor must be qualified for home visits."
)
TWO_STAFF_REQUIRED = Rule("two_staff_required", 422, "This visit needs two staff members.")
OWN_MUNICIPALITY_ONLY = Rule(
    "own_municipality_only", 403, "Municipality staff see their own municipality's visits only."
)

# -- group sessions (seminars, consultation days, lectures, peer sessions) --------------------
# The names say "session": they are what the API has always answered.

GROUP_SESSION_NOT_FOUND = Rule("session_not_found", 404, "The session does not exist.")
GROUP_SESSION_CLOSED = Rule("session_closed", 422, "Registration for the session is closed.")
GROUP_SESSION_FULL = Rule("session_full", 409, "The session is full and keeps no waitlist.")
ALREADY_REGISTERED = Rule("already_registered", 409, "The person is already registered for the session.")
REGISTRATION_NOT_FOUND = Rule("registration_not_found", 404, "The registration does not exist.")
REGISTRATION_NOT_ACTIVE = Rule("registration_not_active", 409, "The registration is already cancelled.")
RANGE_TOO_LONG = Rule("range_too_long", 422, "The date range is too long.")
REGISTRATION_NOT_SEATED = Rule(
    "registration_not_seated", 409, "The registration holds no seat (it is on the waitlist)."
)
SESSION_NOT_STARTED = Rule("session_not_started", 422, "Attendance is recorded once the session has started.")
ATTENDANCE_ALREADY_RECORDED = Rule(
    "attendance_already_recorded", 409, "The other answer is recorded for this registration already."
)

# -- meetings and reviews ----------------------------------------------------------------------

MEETING_NOT_FOUND = Rule("meeting_not_found", 404, "The meeting does not exist.")
MEETING_EXISTS = Rule("meeting_already_exists", 409, "A meeting of that kind is already held on that day.")
REVIEW_NOT_FOUND = Rule("review_not_found", 404, "The case review does not exist.")
REVIEW_ALREADY_CONCLUDED = Rule("review_already_concluded", 409, "The case review is already concluded.")
REVIEW_WITHDRAWN = Rule(
    "review_withdrawn", 409, "The case review was withdrawn (the case was closed, or the person erased)."
)
DISCIPLINE_TWICE = Rule("discipline_given_twice", 422, "Each discipline gives its advice once.")
MEETING_NOT_STARTED = Rule("meeting_not_started", 422, "Minutes are recorded once the meeting has started.")
MINUTES_NOT_FOUND = Rule("minutes_not_found", 404, "No minutes are recorded for the meeting.")
MINUTES_APPROVED = Rule("minutes_approved", 409, "The minutes are approved and can no longer change.")
MINUTES_CHANGED = Rule(
    "minutes_changed", 409, "The minutes were saved by someone else meanwhile: read them again."
)
PARTICIPANTS_NOT_RECORDED = Rule(
    "participants_not_recorded_for_case_reviews",
    422,
    "Participants are recorded for exchange and council meetings.",
)

# -- the staff directory (where staff mail goes) -----------------------------------------------

STAFF_MEMBER_NOT_FOUND = Rule(
    "staff_member_not_found", 404, "The staff directory has no entry for that subject."
)
STAFF_EMAIL_INVALID = Rule(
    "staff_email_invalid", 422, "The work e-mail address is not a valid address (name@domain)."
)
STAFF_NAME_INVALID = Rule(
    "staff_name_invalid", 422, "The display name is empty or longer than 100 characters."
)

# -- calendars ---------------------------------------------------------------------------------

FEED_TOKEN_INVALID = Rule("feed_token_invalid", 422, "The calendar link is not valid.")
FEEDS_DISABLED = Rule("calendar_feeds_disabled", 422, "Private calendar links are not configured.")
