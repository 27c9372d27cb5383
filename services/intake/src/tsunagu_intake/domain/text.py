"""Text folding for matching (never for storage): width, case, kana and spaces are forgiven."""

from __future__ import annotations

import unicodedata


def katakana_to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def fold(text: str) -> str:
    """NFKC (half-width kana to full-width, full-width latin and digits to ASCII), case-folded,
    katakana read as hiragana, white space removed: ``ｼﾆﾀｲ``, ``シニタイ`` and ``しにたい`` fold alike."""
    folded = "".join(unicodedata.normalize("NFKC", text).casefold().split())
    return katakana_to_hiragana(folded)
