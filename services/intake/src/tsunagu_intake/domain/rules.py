"""Every rule a request to intake can break, as data: its name (the ``rule`` and ``error`` of the
answer), its HTTP status and a fixed sentence that holds no value from the request (ADR 0004).

Use cases refuse with ``raise Refusal(RULE)``; ``RuleBook.of_module(vars(rules))`` lists them.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule, RuleBook

from . import eligibility

# -- records that do not exist (404) ---------------------------------------------------------------
CASE_NOT_FOUND = Rule("case_not_found", 404, "No such case.")
PERSON_NOT_FOUND = Rule("person_not_found", 404, "No such person.")
CONSULTATION_NOT_FOUND = Rule("consultation_not_found", 404, "No such consultation.")
ESCALATION_NOT_FOUND = Rule("escalation_not_found", 404, "No such escalation.")
TASK_NOT_FOUND = Rule("task_not_found", 404, "No such task.")
HOME_VISIT_REQUEST_NOT_FOUND = Rule("home_visit_request_not_found", 404, "No such home-visit request.")

# -- scope (403) -----------------------------------------------------------------------------------
OWN_MUNICIPALITY_ONLY = Rule(
    "own_municipality_only", 403, "Municipality staff may only act for their own municipality."
)
"""Said alike whether the record exists or not, so the answer never tells which."""

TASK_OF_ANOTHER_COUNSELLOR = Rule(
    "task_of_another_counsellor", 403, "The task is another counsellor's: they or a supervisor complete it."
)

# -- escalations and tasks (409) -------------------------------------------------------------------
ESCALATION_NOT_PENDING = Rule(
    "escalation_not_pending",
    409,
    "The expert team has reviewed this escalation: its brief can no longer change.",
)
TASK_ALREADY_COMPLETED = Rule("task_already_completed", 409, "The task has been completed already.")

# -- erasure (409, 410) ----------------------------------------------------------------------------
ERASED = Rule("erased", 410, "The personal data of this person has been erased.")
ALREADY_ERASED = Rule("already_erased", 409, "The person's data has already been erased.")
LINKED_RECORDS_UNCONFIRMED = Rule(
    "linked_records_unconfirmed",
    409,
    "Other records share this person's nickname or phone: say which of them to erase with it "
    "(linked_person_ids, possibly empty).",
)
NOT_LINKED = Rule(
    "not_linked", 422, "A record named to be erased with the person does not share their nickname or phone."
)

# -- web logins (401, 429) -------------------------------------------------------------------------
LOGIN_FAILED = Rule("login_failed", 401, "The user number or password is not correct.")
"""Said alike whatever was wrong: an unknown user number or a wrong password."""
LOGIN_LOCKED = Rule("login_locked", 429, "Too many failed logins. Try again later.")
"""Said alike whether the user number exists or not; the answer carries ``Retry-After``."""
REPLY_NOT_READABLE = Rule(
    "reply_not_readable",
    409,
    "The person has no web login, so a reply kept here could never be read: answer them by the "
    "address they wrote from and record the reply with sent_outside true.",
)
SIGNUP_SESSION_NOT_OPEN = Rule(
    "signup_session_not_open", 404, "No session open to the public for sign-up has this id."
)
"""Unknown, not a kind the public signs up for, or already started: said alike."""
ALREADY_SIGNED_UP = Rule("already_signed_up", 409, "You have signed up for this session already.")
RESET_FAILED = Rule("password_reset_failed", 401, "The user number or recovery code is not correct.")
"""Said alike whatever was wrong; failures count towards the same lock as failed logins."""
WEB_LOGIN_REQUIRED = Rule("web_login_required", 401, "Log in with your user number first.")
WEB_LOGIN_INVALID = Rule("web_login_invalid", 401, "The login token is not valid.")
WEB_LOGIN_EXPIRED = Rule("web_login_expired", 401, "The login has expired.")
WEB_USER_RULES = (WEB_LOGIN_REQUIRED, WEB_LOGIN_INVALID, WEB_LOGIN_EXPIRED)
"""The refusals of a web user's login token (scheme ``WebUserBearer``), with ``WWW-Authenticate``."""

# -- consultations and cases (422) -----------------------------------------------------------------
# (A municipality code that is not one of Tokyo's 62 is refused by the schema, which lists them.)
RECEIVED_IN_FUTURE = Rule("received_in_future", 422, "A consultation cannot be received in the future.")
FIRST_FISCAL_YEAR = 2000
"""The first fiscal year the records (and the events, ``FiscalYear``) hold."""
RECEIVED_BEFORE_RECORDS = Rule(
    "received_before_records", 422, "A consultation cannot be received before fiscal year 2000."
)
CASE_OF_ANOTHER_PERSON = Rule("case_of_another_person", 422, "The case belongs to another person.")
CASE_CLOSED = Rule("case_closed", 422, "The case is closed.")
CASE_ALREADY_CLOSED = Rule("case_already_closed", 422, "The case is already closed.")
DATE_RANGE_REVERSED = Rule("date_range_reversed", 422, "A date range must not end before it starts.")
FLAG_EXPIRY_IN_PAST = Rule("flag_expiry_in_past", 422, "A flag cannot expire in the past.")
NOT_EMAIL_CONSULTATION = Rule(
    "not_email_consultation", 422, "Only web (e-mail) consultations are replied to here."
)
ALREADY_REPLIED = Rule("already_replied", 422, "The consultation has already been replied to.")
REPLY_DEADLINE_PASSED = Rule(
    "reply_deadline_passed", 422, "The reply is past its deadline: the deadline can no longer be moved."
)
PAUSE_BEFORE_RECEIPT = Rule(
    "pause_before_receipt", 422, "A pause of the reply deadline cannot start before the consultation came."
)
PAUSE_AFTER_DEADLINE = Rule(
    "pause_after_deadline", 422, "A pause of the reply deadline must start before the reply is due."
)
PAUSE_NOT_AFTER_START = Rule("pause_not_after_start", 422, "A pause must end after it starts.")
PAUSE_TOO_LONG = Rule("pause_too_long", 422, "A pause of the reply deadline cannot last that long.")

# -- home-visit eligibility (422): one rule per rule of the data, under the data's names -----------
NO_RULES_IN_FORCE = Rule("no_rules_in_force", 422, "No eligibility rules are in force today.")
RESIDENCE_IN_TOKYO = Rule(
    eligibility.RESIDENCE_IN_TOKYO, 422, "Home visits are for people who live in Tokyo."
)
MINIMUM_AGE = Rule(eligibility.MINIMUM_AGE, 422, "The person is younger than the rules allow.")
MINIMUM_WITHDRAWAL_PERIOD = Rule(
    eligibility.MINIMUM_WITHDRAWAL_PERIOD, 422, "The person has not been withdrawn as long as the rules ask."
)
VISITS_PER_FISCAL_YEAR = Rule(
    eligibility.VISITS_PER_FISCAL_YEAR, 422, "The visits would exceed those allowed in a fiscal year."
)

ELIGIBILITY: dict[str, Rule] = {
    rule.name: rule
    for rule in (RESIDENCE_IN_TOKYO, MINIMUM_AGE, MINIMUM_WITHDRAWAL_PERIOD, VISITS_PER_FISCAL_YEAR)
}
"""The refusal of each eligibility rule, by the rule's name in the data."""

# -- referrals and disclosures ----------------------------------------------------------------------
DISCLOSURE_NOT_FOUND = Rule("disclosure_not_found", 404, "No such disclosure.")
OWN_PARTNER_ONLY = Rule("own_partner_only", 403, "Partner staff may only act for their own organisation.")
"""Said alike whether the disclosure exists or not, so the answer never tells which."""
REFERRAL_NOT_KNOWN = Rule(
    "referral_not_known", 409, "Intake has not learnt of this referral yet. Try again shortly."
)
"""Intake learns referrals from the partners service's events: an offer made a moment ago may not
have arrived yet. Retrying later succeeds once it has."""
REFERRAL_OF_ANOTHER_CASE = Rule("referral_of_another_case", 422, "The referral is of another case.")
REFERRAL_ENDED = Rule("referral_ended", 409, "The referral was declined or withdrawn.")
UNKNOWN_REDACTION_PROFILE = Rule(
    "unknown_redaction_profile", 422, "No redaction profile of this name is in force."
)
DISCLOSURE_EXPIRY_IN_PAST = Rule("disclosure_expiry_in_past", 422, "A disclosure cannot expire in the past.")
DISCLOSURE_EXPIRY_TOO_FAR = Rule(
    "disclosure_expiry_too_far", 422, "A disclosure cannot last longer than the programme allows."
)
DISCLOSURE_ALREADY_WITHDRAWN = Rule(
    "disclosure_already_withdrawn", 409, "The disclosure was withdrawn already."
)
DISCLOSURE_WITHDRAWN = Rule("disclosure_withdrawn", 410, "The disclosure was withdrawn.")
DISCLOSURE_EXPIRED = Rule("disclosure_expired", 410, "The disclosure has expired.")
REFERRAL_DECLINED = Rule("referral_declined", 410, "The referral was declined: its disclosure is closed.")
REFERRAL_WITHDRAWN = Rule("referral_withdrawn", 410, "The referral was withdrawn: its disclosure is closed.")
LEGAL_BASIS_REQUIRED = "legal_basis_required"
"""The validation error (``errors[].type``) of a disclosure without a legal basis."""

RULES = RuleBook.of_module(globals())
