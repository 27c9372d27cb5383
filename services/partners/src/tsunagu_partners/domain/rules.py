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

RULES = RuleBook.of_module(globals())
