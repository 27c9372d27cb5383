"""Certificate rules without I/O: verification codes, initials, status, and the notice ahead of
expiry counted in business days of the programme calendar."""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import cycle

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tsunagu_calendar import ServiceCalendar
from tsunagu_training.domain.certificates import (
    CODE_LENGTH,
    CROCKFORD,
    CertificatePolicy,
    CertificateStatus,
    expires_on,
    grouped,
    initials,
    new_code,
    notice_due,
    notice_on,
    notice_window_end,
    printed,
    read_code,
    status_on,
)

CALENDAR = ServiceCalendar()
GROUPED = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$")
codes = st.text(alphabet=CROCKFORD, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


def test_a_code_is_ten_characters_of_crockford_base32_shown_in_groups() -> None:
    assert len(CROCKFORD) == 32
    assert not set("ILOU") & set(CROCKFORD)
    code = new_code()
    assert len(code) == CODE_LENGTH
    assert set(code) <= set(CROCKFORD)
    assert GROUPED.match(grouped(code))
    # 50 bits: a guess hits one of a million certificates about once in a billion tries.
    assert len(CROCKFORD) ** CODE_LENGTH == 2**50


def test_a_code_takes_each_character_from_the_random_source() -> None:
    draws = cycle([0, 31, 7, 18])
    assert new_code(lambda n: next(draws) % n) == "0Z7J0Z7J0Z"


def test_fresh_codes_do_not_repeat_and_use_the_whole_alphabet() -> None:
    made = [new_code() for _ in range(2000)]
    assert len(set(made)) == len(made)
    assert set("".join(made)) == set(CROCKFORD)


@given(codes)
def test_a_code_reads_back_as_shown_typed_in_lower_case_or_without_hyphens(code: str) -> None:
    assert read_code(grouped(code)) == code
    assert read_code(code.lower()) == code
    assert read_code(" ".join(grouped(code).split("-"))) == code


def test_typed_codes_are_read_as_crockford_intends() -> None:
    assert read_code("abcd-efgh-jk") == "ABCDEFGHJK"
    assert read_code("1o1l-ilO0-00") == "10111100" + "00"
    assert read_code("ＡＢＣＤ－ＥＦＧＨ－ＪＫ") == "ABCDEFGHJK"  # full-width, as typed on a phone
    for bad in ("", "ABCD-EFGH-J", "ABCD-EFGH-JKM", "ABCD-EFGH-JU", "<script>", "A" * 40, "ABCD/EFGH/JK"):
        assert read_code(bad) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("研修 花子", "研・花"),
        ("山田　太郎", "山・太"),  # a full-width space
        ("ヤマダ タロウ", "ヤ・タ"),
        ("ジョン・スミス", "ジ・ス"),
        ("山田太郎", "山"),  # no space: one initial, never more
        ("Taro Yamada", "T.Y."),
        ("ｔａｒｏ ｙａｍａｄａ", "T.Y."),
        ("John Ronald Reuel Tolkien", "J.T."),
        ("Jean-Luc Picard", "J.P."),
        ("émile zola", "É.Z."),
        ("ßtraße x", "ß.X."),
        ("  ", ""),
    ],
)
def test_initials_are_the_first_letters_of_the_family_and_given_names(name: str, expected: str) -> None:
    assert initials(name) == expected


@given(st.text(max_size=100))
def test_initials_never_say_more_than_two_letters(name: str) -> None:
    shown = initials(name)
    assert sum(c.isalpha() for c in shown) <= 2
    assert len(shown) <= 4


def test_status_revoked_before_expired_and_expired_after_the_last_valid_day() -> None:
    last = date(2028, 4, 30)
    assert status_on(False, last, last) is CertificateStatus.VALID
    assert status_on(False, last, last + timedelta(days=1)) is CertificateStatus.EXPIRED
    assert status_on(True, last, last) is CertificateStatus.REVOKED
    assert status_on(True, last, date(2030, 1, 1)) is CertificateStatus.REVOKED
    assert status_on(False, None, date(2099, 1, 1)) is CertificateStatus.VALID
    assert expires_on(last) == date(2028, 5, 1)


@pytest.mark.parametrize(
    ("valid_until", "days", "first_notice"),
    [
        # Business days before Thursday 7 May 2026, counting it: 1 and 30 April, then 28 April;
        # 29 April (昭和の日) and 3-6 May (Golden Week with the substitute holiday) do not count.
        (date(2026, 5, 7), 3, date(2026, 4, 28)),
        # Before Monday 5 January 2026 (itself counted): 26, 25 and 24 December; 29 December to
        # 3 January is the closure.
        (date(2026, 1, 5), 3, date(2025, 12, 24)),
        # Sunday 30 April 2028, twenty business days: the whole of April's working days.
        (date(2028, 4, 30), 20, date(2028, 3, 31)),
        # No notice period: on the last valid day, or the last business day before it.
        (date(2026, 5, 7), 0, date(2026, 5, 7)),
        (date(2026, 5, 6), 0, date(2026, 5, 1)),
    ],
)
def test_the_notice_falls_on_the_business_day_counted_back_from_the_last_valid_day(
    valid_until: date, days: int, first_notice: date
) -> None:
    assert notice_on(valid_until, days, CALENDAR) == first_notice
    assert CALENDAR.is_business_day(first_notice)
    assert CALENDAR.business_days_between(first_notice, valid_until) <= days
    assert notice_due(first_notice, valid_until, days, CALENDAR)
    assert not notice_due(first_notice - timedelta(days=1), valid_until, days, CALENDAR)


@given(
    valid_until=st.dates(min_value=date(2025, 4, 1), max_value=date(2031, 3, 31)),
    days=st.integers(min_value=0, max_value=30),
    before=st.integers(min_value=-3, max_value=70),
)
def test_the_notice_is_due_on_business_days_from_its_first_day_until_the_last_valid_day(
    valid_until: date, days: int, before: int
) -> None:
    today = valid_until - timedelta(days=before)
    first = notice_on(valid_until, days, CALENDAR)
    expected = CALENDAR.is_business_day(today) and first <= today <= valid_until
    assert notice_due(today, valid_until, days, CALENDAR) is expected


def test_the_notice_window_ends_at_the_next_business_day_past_the_notice_period() -> None:
    # Friday 1 May 2026: business days after it are 7, 8, 11 May … (2-6 May are not).
    assert notice_window_end(date(2026, 5, 1), 0, CALENDAR) == date(2026, 5, 7)
    assert notice_window_end(date(2026, 5, 1), 2, CALENDAR) == date(2026, 5, 11)


def test_a_certificate_prints_era_dates_and_its_grouped_code() -> None:
    document = printed(
        holder="研修 花子",
        title="訪問支援",
        programme=False,
        completed_on=date(2025, 5, 1),
        valid_until=date(2028, 4, 30),
        issued_on=date(2025, 5, 1),
        code="ABCDEFGHJK",
        issuer="発行者",
    )
    assert document["completed_on"] == "令和7年5月1日"
    assert document["valid_until"] == "令和10年4月30日"
    assert document["code"] == "ABCD-EFGH-JK"
    assert document["kind_label"] == "研修名"
    programme = printed(
        holder="x",
        title="t",
        programme=True,
        completed_on=date(2019, 5, 1),
        valid_until=None,
        issued_on=date(2019, 5, 1),
        code="ABCDEFGHJK",
        issuer="i",
    )
    assert (programme["completed_on"], programme["valid_until"], programme["kind_label"]) == (
        "令和元年5月1日",
        None,
        "研修課程",
    )


def test_the_verification_url_holds_the_grouped_code() -> None:
    policy = CertificatePolicy(verify_base_url="https://training.example.jp/")
    assert policy.verify_url("ABCDEFGHJK") == "https://training.example.jp/public/certificates/ABCD-EFGH-JK"
    with pytest.raises(ValueError):
        CertificatePolicy(notice_business_days=-1)
