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
