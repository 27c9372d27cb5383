"""Every rule a request to the partners service can break: name, HTTP status, fixed sentence.

Messages are shown to callers and logged: they never hold a value from the input or the records.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule, RuleBook

PARTNER_NOT_FOUND = Rule("partner_not_found", 404, "The partner organisation does not exist.")
PARTNER_NAME_TAKEN = Rule("partner_name_taken", 409, "An organisation with this name is registered already.")
EDITION_NOT_FOUND = Rule("edition_not_found", 404, "The directory edition does not exist.")
PRINT_NOT_FOUND = Rule("print_not_found", 404, "The edition has no such file.")
MEMO_HAS_NO_AREA = Rule(
    "memo_has_no_area", 422, "The pocket memo is one for all of Tokyo: give no municipality for it."
)

# Local resources, recruitment and the network with the municipalities.
OWN_MUNICIPALITY_ONLY = Rule(
    "own_municipality_only", 403, "Municipality staff may only act for their own municipality."
)
MUNICIPAL_WINDOWS_ONLY = Rule(
    "municipal_windows_only",
    403,
    "Municipality staff maintain only their municipality's consultation windows.",
)
RESOURCE_NOT_FOUND = Rule("resource_not_found", 404, "The local resource does not exist.")
RESOURCE_PARTNER_UNKNOWN = Rule(
    "resource_partner_unknown", 422, "The partner organisation a resource is linked to must exist."
)
RESOURCE_ALREADY_LINKED = Rule(
    "resource_already_linked", 409, "The local resource is linked to a partner organisation already."
)
MUNICIPAL_WINDOW_NOT_RECRUITED = Rule(
    "municipal_window_not_recruited", 422, "A municipal consultation window is not recruited as a partner."
)
OPENING_HOURS_INVALID = Rule(
    "opening_hours_invalid",
    422,
    "Opening hours need intervals that close after they open and do not overlap, and periods of one "
    "channel that do not overlap.",
)
CONSENT_DATE_MISMATCH = Rule(
    "consent_date_mismatch", 422, "A consent to publication has a date, and only a consent has one."
)
DATE_IN_FUTURE = Rule(
    "date_in_future", 422, "The date of something that has happened cannot be in the future."
)
MEETING_NOT_FOUND = Rule("meeting_not_found", 404, "The network meeting does not exist.")
FOLLOW_UP_NOT_FOUND = Rule("follow_up_not_found", 404, "The follow-up does not exist.")
FOLLOW_UP_BEFORE_MEETING = Rule(
    "follow_up_before_meeting", 422, "A follow-up falls due and is done on or after its meeting."
)


# -- agreements (協定) and what partners offer --------------------------------------------------

PARTNER_CANNOT_APPLY = Rule(
    "partner_cannot_apply",
    409,
    "Only a candidate, or an organisation whose agreement ended or expired, can apply.",
)
APPLICATION_NOT_OPEN = Rule("application_not_open", 409, "The organisation has no application under review.")
SELF_ASSESSMENT_INCOMPLETE = Rule(
    "self_assessment_incomplete",
    422,
    "The self-assessment must assess each of the three kinds of support once.",
)
SELF_ASSESSMENT_LEVEL_MISMATCH = Rule(
    "self_assessment_level_mismatch",
    422,
    "A level is given for a kind of support if and only if it is provided.",
)
SELF_ASSESSMENT_PROVIDES_NOTHING = Rule(
    "self_assessment_provides_nothing", 422, "The self-assessment must provide at least one kind of support."
)
TRAINING_NOT_RECORDED = Rule(
    "training_not_recorded",
    409,
    "The organisation's staff have no valid completion of the guideline training.",
)
AGREEMENT_TERM_ENDS_BEFORE_START = Rule(
    "agreement_term_ends_before_start", 422, "An agreement's term cannot end before it starts."
)
AGREEMENT_TERM_GIVEN_TWICE = Rule(
    "agreement_term_given_twice", 422, "Give the term either in months or as an end date, not both."
)
AGREEMENT_TEMPLATE_UNKNOWN = Rule(
    "agreement_template_unknown", 422, "There is no agreement template of that version."
)
AGREEMENT_TEMPLATE_NOT_IN_FORCE = Rule(
    "agreement_template_not_in_force", 422, "No agreement template is in force on the effective date."
)
PARTNER_NOT_ACTIVE = Rule("partner_not_active", 409, "The partner has no agreement in force that is active.")
PARTNER_NOT_SUSPENDED = Rule("partner_not_suspended", 409, "The partner's agreement is not suspended.")
PARTNER_NOT_IN_AGREEMENT = Rule("partner_not_in_agreement", 409, "The partner has no agreement in force.")
AGREEMENT_ALREADY_RENEWED = Rule(
    "agreement_already_renewed", 409, "The agreement in force has been renewed already."
)
OWN_PARTNER_ONLY = Rule("own_partner_only", 403, "Partner staff may act for their own organisation only.")
PARTNER_CLOSED = Rule("partner_closed", 409, "The organisation's agreement ended or expired.")
OFFERING_NOT_PUBLISHED = Rule("offering_not_published", 409, "The partner has not published what it offers.")
OFFERING_WITHOUT_PLACES = Rule(
    "offering_without_places", 409, "The partner's offering has no place to belong with a capacity."
)
CAPACITY_WITHOUT_PLACE_TO_BELONG = Rule(
    "capacity_without_place_to_belong",
    422,
    "A capacity and places available are given with a place to belong, and only then.",
)
PLACES_EXCEED_CAPACITY = Rule("places_exceed_capacity", 422, "The places available exceed the capacity.")

# -- referrals ---------------------------------------------------------------------------------
# partner_not_active, own_partner_only and own_municipality_only (above) serve referrals too; the
# 403s are said alike whether the record exists or not, so the answer never tells which.
SUPPORT_NOT_OFFERED = Rule(
    "support_not_offered", 409, "The partner does not offer the kind of support the referral asks for."
)
WINDOW_NOT_FOUND = Rule(
    "window_not_found", 404, "No municipal consultation window of that municipality has this id."
)
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
STAFF_NOT_TRAINED = Rule(
    "staff_not_trained",
    403,
    "Only partner staff with a valid completion of the guideline training may accept referrals.",
)

RULES = RuleBook.of_module(globals())


# -- joint briefing and consultation sessions (合同説明相談会) ------------------------------------

JOINT_SESSION_NOT_FOUND = Rule(
    "joint_session_not_found", 404, "No joint briefing and consultation session of that id is known."
)
JOINT_SESSION_STARTED = Rule(
    "joint_session_started", 409, "The joint session has started: who takes part can no longer change."
)
ALREADY_PARTICIPATING = Rule(
    "already_participating", 409, "The partner is registered for the joint session already."
)
NOT_PARTICIPATING = Rule("not_participating", 404, "The partner is not registered for the joint session.")
