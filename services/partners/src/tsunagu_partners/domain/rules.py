"""Every rule a request to the partners service can break: name, HTTP status, fixed sentence.

Messages are shown to callers and logged: they never hold a value from the input or the records.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule, RuleBook

PARTNER_NOT_FOUND = Rule("partner_not_found", 404, "The partner organisation does not exist.")
PARTNER_NAME_TAKEN = Rule("partner_name_taken", 409, "An organisation with this name is registered already.")

# -- referrals ---------------------------------------------------------------------------------
PARTNER_NOT_ACTIVE = Rule(
    "partner_not_active", 409, "The partner organisation is not active: it takes no referrals."
)
OWN_PARTNER_ONLY = Rule("own_partner_only", 403, "Partner staff may only act for their own organisation.")
"""Said alike whether the record exists or not, so the answer never tells which."""
OWN_MUNICIPALITY_ONLY = Rule(
    "own_municipality_only", 403, "Municipality staff may only act for their own municipality."
)
"""Said alike whether the record exists or not, so the answer never tells which."""
REFERRAL_NOT_FOUND = Rule("referral_not_found", 404, "No such referral.")
REFERRAL_NOT_OFFERED = Rule("referral_not_offered", 409, "The referral is no longer awaiting an answer.")
REFERRAL_NOT_ACCEPTED = Rule("referral_not_accepted", 409, "Only an accepted referral has an outcome.")
REFERRAL_CLOSED = Rule(
    "referral_closed", 409, "The referral is closed: declined, withdrawn or concluded with a final outcome."
)
REFERRAL_PERSON_ERASED = Rule(
    "referral_person_erased", 410, "The person referred has been erased: the referral can no longer change."
)
OUTCOME_DATE_OUT_OF_RANGE = Rule(
    "outcome_date_out_of_range", 422, "The outcome date must lie between the acceptance and today."
)

RULES = RuleBook.of_module(globals())
