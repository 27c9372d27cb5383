"""Pseudonymous identity: user numbers and the normal forms that recognise returning people."""

from __future__ import annotations

import random

from tsunagu_intake.domain.identity import (
    is_valid_user_number,
    luhn_digit,
    new_user_number,
    normal_nickname,
    normal_phone,
    normal_user_number,
)


def test_user_numbers_are_ten_digits_with_a_check_digit() -> None:
    rng = random.Random(7)
    numbers = {new_user_number(rng.randrange) for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert len(number) == 10
        assert number[0] != "0"
        assert is_valid_user_number(number)


def test_a_mistyped_user_number_is_invalid() -> None:
    number = new_user_number(random.Random(1).randrange)
    wrong = number[:4] + str((int(number[4]) + 1) % 10) + number[5:]
    assert not is_valid_user_number(wrong)
    swapped = number[1] + number[0] + number[2:]
    assert number[0] == number[1] or not is_valid_user_number(swapped)
    assert luhn_digit("79927398713"[:-1]) == 3  # the textbook example


def test_user_numbers_typed_in_full_width_or_with_hyphens() -> None:
    assert normal_user_number("１２３４-５６７ ８９０") == "1234567890"


def test_nicknames_match_across_width_kana_and_case() -> None:
    forms = {normal_nickname(v) for v in ("ﾀﾛｳ", "タロウ", "たろう", " た ろ う ")}
    assert forms == {"たろう"}
    assert normal_nickname("ＴＡＲＯ") == normal_nickname("taro")
    assert normal_nickname("たろう") != normal_nickname("じろう")


def test_phone_numbers_keep_their_digits() -> None:
    assert normal_phone("０９０－１２３４－５６７８") == "09012345678"
    assert normal_phone("090 1234 5678（夜のみ）") == "09012345678"
    assert normal_phone("+81 90-1234-5678") == "+819012345678"
