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

RULES = RuleBook.of_module(globals())
