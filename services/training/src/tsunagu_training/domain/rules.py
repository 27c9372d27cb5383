"""Every rule a request to the training service can break: name, HTTP status, fixed sentence.

Messages are shown to callers and logged: they never hold a value from the input or the records.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule, RuleBook

CATALOGUE_NOT_IN_FORCE = Rule(
    "catalogue_not_in_force", 422, "No training catalogue is in force for that fiscal year."
)
COURSE_NOT_FOUND = Rule("course_not_found", 404, "The catalogue has no such course or programme.")
AUDIENCE_UNKNOWN = Rule("audience_unknown", 422, "The audience is not one of the catalogue's.")
COURSE_OR_PROGRAMME = Rule(
    "course_or_programme", 422, "An enrolment names a course or a programme: one of the two."
)
COURSE_NOT_FOR_AUDIENCE = Rule(
    "course_not_for_audience", 422, "The course is not open to the learner's audience."
)
LEARNER_NOT_FOUND = Rule("learner_not_found", 404, "The learner does not exist.")
LEARNER_EXISTS = Rule("learner_exists", 409, "A learner with this account exists already.")
ENROLMENT_NOT_FOUND = Rule("enrolment_not_found", 404, "The enrolment does not exist.")
ALREADY_ENROLLED = Rule(
    "already_enrolled", 409, "The learner is enrolled in this course for the fiscal year already."
)
OWN_ORGANISATION_ONLY = Rule(
    "own_organisation_only", 403, "A coordinator enrols and reads learners of their own organisation only."
)
NOT_YOUR_ENROLMENT = Rule(
    "not_your_enrolment", 403, "Progress is reported by the learner enrolled, for their own enrolment."
)
SUBJECT_NOT_OPAQUE = Rule(
    "subject_not_opaque",
    422,
    "A staff account's subject must be the identity provider's opaque id, not an address.",
)
LESSON_NOT_FOUND = Rule("lesson_not_found", 404, "The course has no such lesson.")

# -- sessions --
SESSION_NOT_FOUND = Rule("session_not_found", 404, "The session does not exist.")
COURSE_NOT_IN_PERSON = Rule(
    "course_not_in_person", 422, "The course is not given in person, so it has no sessions."
)
SESSION_TIMES_INVALID = Rule(
    "session_times_invalid",
    422,
    "A session starts in the future, at most two years ahead, and ends after it starts within a day.",
)
SESSION_CLOSED = Rule(
    "session_closed", 409, "The session is cancelled or has started: its seats no longer change."
)
SESSION_FULL = Rule("session_full", 409, "The session is full and keeps no waitlist.")
ENROLMENT_NOT_FOR_SESSION = Rule(
    "enrolment_not_for_session", 422, "The enrolment is not in the session's course and fiscal year."
)
ALREADY_BOOKED = Rule(
    "already_booked",
    409,
    "The enrolment holds a seat or a waitlist place in a session of its course already.",
)
ALREADY_COMPLETED = Rule("already_completed", 409, "The enrolment's course is completed already.")
NO_SHOW_SUSPENDED = Rule(
    "no_show_suspended",
    403,
    "After repeated no-shows the learner may not book a seat for a while; a trainer may book for them.",
)
SEAT_NOT_FOUND = Rule("seat_not_found", 404, "The session has no such seat or waitlist place.")
SEAT_NOT_ACTIVE = Rule(
    "seat_not_active", 409, "The seat or waitlist place was cancelled, moved or used already."
)
ATTENDANCE_BY_TRAINER_ONLY = Rule(
    "attendance_by_trainer_only", 403, "Attendance at a session is recorded by a trainer only."
)
SESSION_NOT_STARTED = Rule("session_not_started", 409, "Attendance is recorded once the session has started.")
SESSION_CANCELLED = Rule("session_cancelled", 409, "The session was cancelled.")
NOT_SEATED = Rule("not_seated", 409, "The enrolment holds no seat at this session.")
ATTENDANCE_RECORDED = Rule("attendance_recorded", 409, "Attendance was recorded for this seat already.")
OFFER_NOT_FOUND = Rule("offer_not_found", 404, "The offer does not exist.")
OFFER_ANSWERED = Rule("offer_answered", 409, "The offer was answered or withdrawn already.")
# -- video --
NOT_A_VIDEO = Rule("not_a_video", 422, "The lesson is not a video: progress is reported for videos only.")
NOT_A_CHECK = Rule("not_a_check", 422, "The lesson is not a check: only a check is answered.")
POSITION_OUT_OF_RANGE = Rule(
    "position_out_of_range", 422, "The position is past the end of the lesson's video."
)
IMPLAUSIBLE_PROGRESS = Rule(
    "implausible_progress",
    422,
    "The report claims more watching than the time since the previous report allows.",
)
REPORT_ID_REUSED = Rule("report_id_reused", 409, "The report id was used already for a different report.")
ANSWERS_DO_NOT_FIT = Rule(
    "answers_do_not_fit", 422, "Give one answer per question, each the number of one of its choices."
)
# -- certificates --
CERTIFICATE_FOR_INCOMPLETE = Rule(
    "certificate_for_incomplete", 409, "A certificate is issued for a completed course or programme only."
)
COMPLETION_NOT_FOUND = Rule("completion_not_found", 404, "The completion does not exist.")
CERTIFICATE_NOT_FOUND = Rule("certificate_not_found", 404, "The certificate does not exist.")
CERTIFICATE_REVOKED = Rule(
    "certificate_revoked",
    409,
    "The certificate was revoked: it is not issued again; the course is completed again for a new one.",
)
ALREADY_REVOKED = Rule("already_revoked", 409, "The certificate is revoked already.")
NO_CERTIFICATES = Rule("no_certificates", 404, "No certificate in force matches.")
TOO_MANY_CERTIFICATES = Rule(
    "too_many_certificates", 422, "Too many certificates for one download: narrow the selection."
)

RULES = RuleBook.of_module(globals())
