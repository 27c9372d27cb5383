"""Text people type (``domain.texts``): NFKC, one line or lines, bounded, no control characters."""

from __future__ import annotations

import pytest
from tsunagu_scheduling.domain.texts import TextRefused, lines, one_line


def test_a_line_is_nfkc_with_white_space_collapsed() -> None:
    assert one_line("　家族セミナー　第１回（ＡＢＣ）  ", max_length=100) == "家族セミナー 第1回(ABC)"
    assert one_line("ｶｿﾞｸ", max_length=100) == "カゾク"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("   　", "empty"),
        ("一行目\n二行目", "line_break"),
        ("一行目\u2028二行目", "line_break"),
        ("ベル\x07", "control_character"),
        ("あ" * 101, "too_long"),
    ],
)
def test_a_line_is_refused_with_a_reason_code(typed: str, reason: str) -> None:
    with pytest.raises(TextRefused) as refused:
        one_line(typed, max_length=100)
    assert refused.value.reason == reason
    assert typed not in str(refused.value)


def test_the_bound_is_on_what_was_typed() -> None:
    assert one_line("あ" * 100, max_length=100) == "あ" * 100
    assert one_line("㍻", max_length=1) == "平成"  # a compatibility character, lengthened by NFKC


def test_lines_keep_their_breaks_without_trailing_space() -> None:
    typed = "\r\n１．開会　 \r\n\r\n２．議事\t(案件Ａ)\r\n\n"
    assert lines(typed, max_length=2000) == "1.開会\n\n2.議事\t(案件A)"


@pytest.mark.parametrize(("typed", "reason"), [("\n \n", "empty"), ("議事\x00", "control_character")])
def test_lines_are_refused_with_a_reason_code(typed: str, reason: str) -> None:
    with pytest.raises(TextRefused) as refused:
        lines(typed, max_length=2000)
    assert refused.value.reason == reason
