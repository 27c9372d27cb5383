"""Text people type into scheduling: a session's title, venue and description, a meeting's minutes.

Stored NFKC-normalised, so that full-width Latin letters and digits, half-width katakana and the
ideographic space typed on a Japanese keyboard are stored, compared and printed one way
(「ＡＢＣ　第１回」 is 「ABC 第1回」). A line (title, venue) is one line: runs of white space become one
space and the ends are trimmed. A text (description, minutes) keeps its lines, with ``\\n`` endings
and no trailing white space. Control characters are refused (in texts, line breaks and tabs
aside); so is a text with nothing but white space. The bound is on what was typed, the one a
request schema can state; normalising shortens text (spaces collapse) far more often than it
lengthens it (a few compatibility characters, 「㍻」 becoming 「平成」), so the stored text is in
practice within it too, and its column does not cut it off. These are plain functions; the request
models apply them (``handlers.commands``), and their refusals name the field, never the value.
"""

from __future__ import annotations

import re
import unicodedata

TITLE_LENGTH = 100
VENUE_LENGTH = 100
DESCRIPTION_LENGTH = 2000
MINUTES_LENGTH = 20000

_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")
_SPACE_RUN = re.compile(r"\s+")


class TextRefused(ValueError):
    """The text cannot be stored; ``reason`` is a fixed code (``empty``, ``too_long``,
    ``line_break``, ``control_character``), never the text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse_control(text: str, *, allowed: str) -> None:
    for char in text:
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cs"):
            raise TextRefused("control_character")


def one_line(typed: str, *, max_length: int) -> str:
    """``typed`` as one NFKC line, white space collapsed and trimmed; refused when longer than
    ``max_length`` as typed, with a line break or a control character, or empty once trimmed."""
    if len(typed) > max_length:
        raise TextRefused("too_long")
    text = unicodedata.normalize("NFKC", typed)
    if _LINE_BREAKS.search(text):
        raise TextRefused("line_break")
    text = _SPACE_RUN.sub(" ", text).strip()
    _refuse_control(text, allowed="")
    if not text:
        raise TextRefused("empty")
    return text


def lines(typed: str, *, max_length: int) -> str:
    """``typed`` as NFKC text of lines ending ``\\n`` with no trailing white space, no blank lines
    at either end; refused when longer than ``max_length`` as typed, with a control character
    other than a line break or a tab, or with nothing but white space."""
    if len(typed) > max_length:
        raise TextRefused("too_long")
    text = unicodedata.normalize("NFKC", typed)
    kept = [line.rstrip() for line in _LINE_BREAKS.split(text)]
    text = "\n".join(kept).strip("\n")
    _refuse_control(text, allowed="\n\t")
    if not text.strip():
        raise TextRefused("empty")
    return text
