"""Documented size limits of what people and staff may type (characters, after JSON decoding).

A request over a limit is refused with 422 ``string_too_long`` (or ``too_long`` for lists) naming
the field, and nothing is written.
"""

from __future__ import annotations

NAME_MAX = 100
NICKNAME_MAX = 50
PHONE_MAX = 40
EMAIL_MAX = 254
ADDRESS_MAX = 200
NOTE_MAX = 4000
"""Notes on consultations and timeline entries."""
WEB_BODY_MAX = 8000
"""The text of a web (e-mail) consultation."""
REPLY_MAX = 8000
"""A staff reply to a web consultation."""
DEADLINE_REASON_MAX = 1000
"""Why staff paused or extended a reply deadline."""
BRIEF_FIELD_MAX = 4000
"""Each field of a de-identified escalation brief."""
PASSWORD_MIN = 8
PASSWORD_MAX = 128
TOPICS_MAX = 12
FLAGS_MAX = 10
SEARCH_RESULTS_MAX = 200
