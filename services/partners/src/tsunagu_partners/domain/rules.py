"""Every rule a request to the partners service can break: name, HTTP status, fixed sentence.

Messages are shown to callers and logged: they never hold a value from the input or the records.
"""

from __future__ import annotations

from tsunagu_servicekit.errors import Rule, RuleBook

PARTNER_NOT_FOUND = Rule("partner_not_found", 404, "The partner organisation does not exist.")
PARTNER_NAME_TAKEN = Rule("partner_name_taken", 409, "An organisation with this name is registered already.")

RULES = RuleBook.of_module(globals())
