"""The staff directory's normalisation and what the reminder mail of an appointment may say, as
plain Python (no database, no server, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tsunagu_scheduling.domain.codes import AppointmentKind
from tsunagu_scheduling.domain.reminder_mail import (
    APPOINTMENT_REMINDER,
    place_label,
    reminder_context,
    reminder_key,
    when_label,
)
from tsunagu_scheduling.domain.staff import normalise_address, normalise_name

# Wednesday 8 April 2026, 10:00 to 11:00 in Tokyo.
START = datetime(2026, 4, 8, 1, 0, tzinfo=UTC)
END = datetime(2026, 4, 8, 2, 0, tzinfo=UTC)
APPOINTMENT = "0190a8f2-7c1d-7000-8000-000000000001"
STAFF = "0190a8f2-7c1d-7000-8000-000000000002"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("yamada@example.jp", "yamada@example.jp"),
        ("  Yamada.Hanako@Tsunagu.Example.JP ", "Yamada.Hanako@tsunagu.example.jp"),
        ("ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ", "yamada@example.jp"),  # full width, as typed in Japanese input
        ("\u3000yamada@example.jp\u3000", "yamada@example.jp"),
        ("o'brien+tsunagu@mail.example.co.jp", "o'brien+tsunagu@mail.example.co.jp"),
        ("staff@例え.jp", "staff@xn--r8jz45g.jp"),
    ],
)
def test_addresses_are_stored_in_one_form(typed: str, stored: str) -> None:
    assert normalise_address(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "yamada",
        "yamada@",
        "@example.jp",
        "ya mada@example.jp",
        "a@b@example.jp",
        "yamada@localhost",
        "yamada@example..jp",
        "yamada@-example.jp",
        "yamada.@example.jp",
        ".yamada@example.jp",
        "山田@example.jp",
        "yamada@192.168.0.1",
        '"yamada"@example.jp',
        f"{'a' * 65}@example.jp",
        f"yamada@{'a' * 250}.jp",
    ],
)
def test_what_is_no_address_is_refused(typed: str) -> None:
    assert normalise_address(typed) is None


def test_display_names_are_nfkc_with_single_spaces() -> None:
    assert normalise_name("　ﾔﾏﾀﾞ　 ﾊﾅｺ ") == "ヤマダ ハナコ"
    assert normalise_name("山田\u3000花子") == "山田 花子"
    assert normalise_name(" \u3000 ") is None
    assert normalise_name("あ" * 101) is None
    assert normalise_name("山田\u200b花子") is None  # an invisible format character


def test_the_time_is_written_in_tokyo_with_the_era_and_the_weekday() -> None:
    assert when_label(START, END) == "令和8年4月8日（水） 10:00〜11:00"
    late = datetime(2026, 4, 30, 15, 0, tzinfo=UTC)  # 1 May 00:00 in Tokyo
    assert when_label(late, late.replace(hour=15, minute=30)).startswith("令和8年5月1日（金） 00:00")


def test_the_place_is_a_room_or_what_kind_of_place_it_is() -> None:
    assert place_label(AppointmentKind.IN_PERSON, "相談室A") == "相談室A"
    assert place_label(AppointmentKind.ONLINE, None) == "オンライン"
    assert "訪問先" in place_label(AppointmentKind.HOME_VISIT, None)


def test_one_mail_per_staff_member_and_time() -> None:
    first = reminder_key(APPOINTMENT, 0, STAFF)
    assert first.startswith(f"{APPOINTMENT_REMINDER}:")
    assert reminder_key(APPOINTMENT, 0, STAFF) == first
    assert reminder_key(APPOINTMENT, 1, STAFF) != first  # moved: reminded of again
    assert reminder_key(APPOINTMENT, 0, APPOINTMENT) != first  # the second visitor
    assert len(first) <= 200  # what the kit's outbox takes


def test_the_context_is_the_time_kind_place_and_reference_only() -> None:
    context = reminder_context(
        appointment_id=APPOINTMENT,
        kind=AppointmentKind.IN_PERSON,
        starts_at=START,
        ends_at=END,
        room_label="相談室A",
    )
    assert context == {
        "appointment_id": APPOINTMENT,
        "kind_label": "来所相談",
        "when_label": "令和8年4月8日（水） 10:00〜11:00",
        "place_label": "相談室A",
    }


def test_the_template_renders_with_every_name_it_uses() -> None:
    from tsunagu_servicekit.mail import MailTemplates

    templates = MailTemplates.of_package("tsunagu_scheduling")
    assert templates.names() == [APPOINTMENT_REMINDER]
    context = reminder_context(
        appointment_id=APPOINTMENT,
        kind=AppointmentKind.HOME_VISIT,
        starts_at=START,
        ends_at=END,
        room_label=None,
    )
    rendered = templates.render(APPOINTMENT_REMINDER, {**context, "unsubscribe_url": "https://x.example/u"})
    assert rendered.subject == "【つなぐ】予約のお知らせ：令和8年4月8日（水） 10:00〜11:00 訪問相談"
    assert "https://x.example/u" in rendered.body
    assert APPOINTMENT in rendered.body
