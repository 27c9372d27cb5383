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

RULES = RuleBook.of_module(globals())
